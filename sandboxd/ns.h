/* ns: create the box process in fresh namespaces and talk to it over a
 * SOCK_SEQPACKET socketpair: the box says "ready" when its filesystem is
 * built, the parent answers "go" once it is in the slot's cgroup; the box
 * sends setup failures (with the reason), the seccomp listener fd and
 * finally the program's wait status. */
#ifndef CODERUN_NS_H
#define CODERUN_NS_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

/* pid, mount, net, ipc and uts namespaces; the cgroup namespace is entered
 * by the child after the parent moved it into the slot's cgroup. */
#define NS_CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

enum sync_type { SYNC_READY = 1, SYNC_GO, SYNC_ERROR, SYNC_LISTENER, SYNC_STATUS };

struct sync_msg {
    int type;
    int value;         /* SYNC_STATUS: wait status */
    char text[240];    /* SYNC_ERROR: reason */
};

/* fork(2)-like: returns 0 in the child, the child's pid in the parent.
 * The child must not call malloc or take locks (the daemon is threaded). */
pid_t ns_clone(int flags);

int sync_send(int fd, int type, int value, const char *text);
int sync_send_fd(int fd, int passfd);
/* 1 with m filled (and *passfd for SYNC_LISTENER), 0 at EOF, -1 on error. */
int sync_recv(int fd, struct sync_msg *m, int *passfd);

#endif
