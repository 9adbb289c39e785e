/* init: the box side of a slot. The cloned process (the keeper) is pid 1 of
 * the slot's pid namespace: it builds the filesystem once and empties its
 * capability bounding set, then serves run requests. For each it mounts a
 * fresh /tmp and /box and starts the program, which moves itself into the
 * run's cgroup, enters a cgroup namespace of its own, takes the slot
 * identity, limits and seccomp filter and execs. The keeper reaps the
 * program, kills and reaps whatever it left behind, unmounts, removes its
 * SysV IPC objects and reports the wait status. */
#ifndef CODERUN_INIT_H
#define CODERUN_INIT_H

#include "box/box.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

/* Everything the keeper needs, prepared by the parent before clone: the
 * keeper runs in a copy of a threaded daemon and must not allocate. */
struct box_plan {
    const struct box_spec *spec;     /* job_dir and ro_binds (build time) */
    const char *root_dir;            /* host mount point for the box's root */
    int sock_fd, job_dir_fd;
    uid_t uid;
    gid_t gid;
    bool without_cgroup;             /* rlimits must cap memory */
    const struct sock_fprog *filter; /* seccomp program */
};

/* One run, sent over the slot socket with the run's control socket, stdin,
 * stdout and stderr attached (in that order), then with channel set a
 * socket the program finds at fd 3, then ncgroups cgroup.procs files. */
#define RUN_TEXT_MAX 8192
#define RUN_WORDS_MAX 128
enum { RUN_FD_CTL, RUN_FD_IN, RUN_FD_OUT, RUN_FD_ERR, RUN_NFDS };
struct run_request {
    struct box_limits limits;
    bool job_dir_writable;
    bool channel;
    unsigned ncgroups;
    /* cgroup v2: the one cgroup descriptor is the run's directory, and the
     * program is cloned into it rather than moving itself in */
    bool born_in_cgroup;
    unsigned argc, envc;
    char text[RUN_TEXT_MAX];   /* argv then env, each NUL-terminated */
};

/* Packs argv and env into req->text; the bytes to send, or 0 if too long. */
size_t run_request_pack(struct run_request *req, const char *const *argv,
                        const char *const *env);

/* Descriptor numbers: the keeper's, then the program's before exec. */
enum { KEEPER_FD_SOCK = 3, KEEPER_FD_JOB, KEEPER_FD_FIRST_FREE };
enum { BOX_FD_CTL = 3, BOX_FD_IN, BOX_FD_OUT, BOX_FD_ERR, BOX_FD_CHANNEL, BOX_FD_FIRST_FREE };

__attribute__((noreturn)) void init_main(const struct box_plan *plan);

#endif
