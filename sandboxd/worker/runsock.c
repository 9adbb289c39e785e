#define _GNU_SOURCE
#include "worker/runsock.h"
#include "box/memfd.h"
#include "box/ns.h"
#include "common/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define RUNSOCK_NAME "run.sock"
/* A peer that connected has this long to send its request. */
#define REQUEST_TIMEOUT_S 2

static int socket_address(const char *box_dir, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path, sizeof a->sun_path, "%s/" RUNSOCK_NAME, box_dir);
    return n > 0 && (size_t)n < sizeof a->sun_path ? 0 : -1;
}

int runsock_listen(const char *box_dir, char *err, size_t errlen)
{
    struct sockaddr_un a;
    if (socket_address(box_dir, &a) != 0) {
        snprintf(err, errlen, "%s/" RUNSOCK_NAME ": too long for a unix socket", box_dir);
        return -1;
    }
    /* Until the chmod, the umask's mode already keeps others from
     * connecting (that takes write permission); the peer check stays. */
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || (unlink(a.sun_path) != 0 && errno != ENOENT)
        || bind(fd, (const struct sockaddr *)&a, sizeof a) != 0
        || chmod(a.sun_path, 0600) != 0 || listen(fd, 8) != 0) {
        snprintf(err, errlen, "run socket %s: %s", a.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

void runsock_close(int fd, const char *box_dir)
{
    struct sockaddr_un a;
    if (fd < 0)
        return;
    close(fd);
    if (socket_address(box_dir, &a) == 0)
        unlink(a.sun_path);
}

/* The request and the code and input its memfds hold. */
static int read_request(int conn, struct oneshot *o, char **code, char **input, size_t *len)
{
    int fds[2] = {-1, -1}, nfds = 2;
    long n = ns_recv(conn, o, sizeof *o, fds, &nfds);
    if (n != (long)sizeof *o || nfds != 2) {
        ns_close_fds(fds, nfds);
        return -1;
    }
    *code = text_read_fd(fds[0], NULL);
    *input = text_read_fd(fds[1], len);
    ns_close_fds(fds, nfds);
    o->lang[sizeof o->lang - 1] = o->mode[sizeof o->mode - 1] = o->file[sizeof o->file - 1] = '\0';
    return *code && *input && o->time_ms && o->memory_mb && o->output_kb && o->repeat ? 0 : -1;
}

static int send_reply(int conn, int status, const char *out, size_t out_len, const char *errtext,
                      size_t err_len)
{
    int fds[2] = {memfd_sealed("coderun-run-out", out, out_len),
                  memfd_sealed("coderun-run-err", errtext, err_len)};
    int rc = fds[0] >= 0 && fds[1] >= 0 ? ns_send(conn, &status, sizeof status, fds, 2) : -1;
    ns_close_fds(fds, 2);
    return rc;
}

static int run_and_reply(int conn, struct runner *r, const struct lang_table *langs,
                         const struct oneshot *o, const char *code, const char *input, size_t len)
{
    char *out_text = NULL, *err_text = NULL;
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&out_text, &out_len), *err = open_memstream(&err_text, &err_len);
    int rc = -1;
    if (out && err) {
        int status = oneshot_run(r, langs, o, code, input, len, out, err);
        fclose(out);
        fclose(err);
        out = err = NULL;
        rc = send_reply(conn, status, out_text, out_len, err_text, err_len) == 0 ? status : -1;
    }
    if (out)
        fclose(out);
    if (err)
        fclose(err);
    free(out_text);
    free(err_text);
    return rc;
}

int runsock_serve(int fd, struct runner *r, const struct lang_table *langs,
                  struct oneshot *o, char *err, size_t errlen)
{
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        snprintf(err, errlen, "accept: %s", strerror(errno));
        return -1;
    }
    struct ucred peer;
    socklen_t peer_len = sizeof peer;
    struct timeval limit = {.tv_sec = REQUEST_TIMEOUT_S};
    char *code = NULL, *input = NULL;
    size_t len = 0;
    int rc = -1;
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) != 0 || peer.uid != 0)
        snprintf(err, errlen, "turned away a peer that is not root");
    else if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0
             || read_request(conn, o, &code, &input, &len) != 0)
        snprintf(err, errlen, "no valid request");
    else if ((rc = run_and_reply(conn, r, langs, o, code, input, len)) < 0)
        snprintf(err, errlen, "reply: %s", strerror(errno));
    free(code);
    free(input);
    close(conn);
    return rc;
}

/* Writes the text fd holds to a stream. */
static int copy_out(int fd, FILE *to)
{
    size_t len;
    char *text = text_read_fd(fd, &len);
    int rc = text && fwrite(text, 1, len, to) == len ? 0 : -1;
    free(text);
    return rc;
}

static int receive_reply(int sock, int *status)
{
    int fds[2] = {-1, -1}, nfds = 2;
    long n = ns_recv(sock, status, sizeof *status, fds, &nfds);
    int rc = n == (long)sizeof *status && nfds == 2 && copy_out(fds[0], stdout) == 0
             && copy_out(fds[1], stderr) == 0 ? 0 : -1;
    ns_close_fds(fds, nfds);
    return rc;
}

int runsock_call(const char *box_dir, const struct oneshot *o, const char *code,
                 size_t code_len, const char *input, size_t len, int *status,
                 char *err, size_t errlen)
{
    struct sockaddr_un a;
    if (socket_address(box_dir, &a) != 0)
        return 1;
    int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* No socket, or nobody behind it (a serve that died): no serve here. */
    if (connect(sock, (const struct sockaddr *)&a, sizeof a) != 0) {
        close(sock);
        return 1;
    }
    int fds[2] = {memfd_sealed("coderun-code", code, code_len),
                  memfd_sealed("coderun-input", input, len)};
    int rc = fds[0] >= 0 && fds[1] >= 0 && ns_send(sock, o, sizeof *o, fds, 2) == 0
             && receive_reply(sock, status) == 0 ? 0 : -1;
    ns_close_fds(fds, 2);
    close(sock);
    if (rc != 0)
        snprintf(err, errlen, "the serve behind %s did not run it", a.sun_path);
    return rc;
}
