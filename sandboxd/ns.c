#define _GNU_SOURCE
#include "ns.h"

#include <errno.h>
#include <sched.h>
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

int sync_send(int fd, int type, int value, const char *text)
{
    struct sync_msg m = {.type = type, .value = value};
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    return send(fd, &m, sizeof m, MSG_NOSIGNAL) == (ssize_t)sizeof m ? 0 : -1;
}

int sync_send_fd(int fd, int passfd)
{
    struct sync_msg m = {.type = SYNC_LISTENER};
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &passfd, sizeof(int));
    return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof m ? 0 : -1;
}

int sync_recv(int fd, struct sync_msg *m, int *passfd)
{
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return (int)n;
    if (n != (ssize_t)sizeof *m)
        return -1;
    m->text[sizeof m->text - 1] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && passfd)
            memcpy(passfd, CMSG_DATA(c), sizeof(int));
    return 1;
}
