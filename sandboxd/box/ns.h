/* ns: create a slot's keeper in fresh namespaces and talk to the box over
 * SOCK_SEQPACKET socketpairs. The slot socket carries "ready" from a new
 * keeper and run requests (with the run's descriptors) to it. Each run has
 * its own control socket, on which the box sends setup failures (with the
 * reason), the seccomp listener fd and finally the program's wait status. */
#ifndef CODERUN_NS_H
#define CODERUN_NS_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

/* pid, mount, net, ipc and uts namespaces for the keeper; each program
 * enters a cgroup namespace once it has moved itself into the run's
 * cgroup. */
#define NS_CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

enum sync_type { SYNC_READY = 1, SYNC_ERROR, SYNC_LISTENER, SYNC_STATUS };

struct sync_msg {
    int type;
    int value;         /* SYNC_STATUS: wait status */
    long cpu_us;       /* SYNC_STATUS: CPU time of every process of the run */
    long maxrss_kb;    /* SYNC_STATUS: largest resident set among them */
    char text[232];    /* SYNC_ERROR: reason */
};

/* fork(2)-like: returns 0 in the child, the child's pid in the parent.
 * The child must not call malloc or take locks (the daemon is threaded). */
pid_t ns_clone(int flags);

/* One datagram with up to NS_MAX_FDS descriptors attached. */
#define NS_MAX_FDS 8
int ns_send(int fd, const void *buf, size_t len, const int *fds, int nfds);
/* Bytes received (0 at EOF, -1 on error). Descriptors arrive close-on-exec
 * in fds (at most *nfds of them, the count back in *nfds); extra ones are
 * closed. */
long ns_recv(int fd, void *buf, size_t len, int *fds, int *nfds);

/* Closes n descriptors, such as those ns_recv delivered or ns_send
 * passed; entries < 0 are skipped. */
void ns_close_fds(const int *fds, int n);

int sync_send(int fd, int type, int value, const char *text);
int sync_send_fd(int fd, int passfd);
int sync_send_status(int fd, int status, long cpu_us, long maxrss_kb);
/* 1 with m filled (and *passfd for SYNC_LISTENER), 0 at EOF, -1 on error.
 * passfd may be NULL. */
int sync_recv(int fd, struct sync_msg *m, int *passfd);

#endif
