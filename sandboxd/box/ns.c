#define _GNU_SOURCE
#include "box/ns.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t ns_clone(int flags)
{
    /* Raw clone without a new stack behaves like fork but takes namespace
     * flags; glibc's clone() would need a separate stack. */
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

union ns_control {
    char buf[CMSG_SPACE(NS_MAX_FDS * sizeof(int))];
    struct cmsghdr align;
};

int ns_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union ns_control ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds < 0 || nfds > NS_MAX_FDS)
        return -1;
    if (nfds > 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    ssize_t n;
    do
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

long ns_recv(int fd, void *buf, size_t len, int *fds, int *nfds)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union ns_control ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    int max = nfds ? *nfds : 0;
    if (nfds)
        *nfds = 0;
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                if (*nfds < max)
                    fds[(*nfds)++] = passed;
                else
                    close(passed);
            }
        }
    }
    return (long)n;
}

void ns_close_fds(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int send_msg(int fd, const struct sync_msg *m, int passfd)
{
    return ns_send(fd, m, sizeof *m, &passfd, passfd >= 0 ? 1 : 0);
}

int sync_send(int fd, int type, int value, const char *text)
{
    struct sync_msg m = {.type = type, .value = value};
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    return send_msg(fd, &m, -1);
}

int sync_send_fd(int fd, int passfd)
{
    struct sync_msg m = {.type = SYNC_LISTENER};
    return send_msg(fd, &m, passfd);
}

int sync_send_status(int fd, int status, long cpu_us, long maxrss_kb)
{
    struct sync_msg m = {.type = SYNC_STATUS, .value = status, .cpu_us = cpu_us,
                         .maxrss_kb = maxrss_kb};
    return send_msg(fd, &m, -1);
}

int sync_recv(int fd, struct sync_msg *m, int *passfd)
{
    int fds[1], nfds = 1;
    long n = ns_recv(fd, m, sizeof *m, fds, &nfds);
    if (nfds > 0 && passfd && *passfd < 0)
        *passfd = fds[0];
    else if (nfds > 0)
        close(fds[0]);
    if (n <= 0)
        return (int)n;
    if (n != (long)sizeof *m)
        return -1;
    m->text[sizeof m->text - 1] = '\0';
    return 1;
}
