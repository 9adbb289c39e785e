/* init: the box side of a run. The cloned process is pid 1 of the box's pid
 * namespace; it builds the filesystem, then forks the program (pid 2), which
 * takes the slot identity, limits and seccomp filter and execs. Pid 1 reaps,
 * reports the program's wait status and exits, which kills every process
 * left in the namespace. */
#ifndef CODERUN_INIT_H
#define CODERUN_INIT_H

#include "box.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

/* Everything the child needs, prepared by the parent before clone: the
 * child runs in a copy of a threaded daemon and must not allocate. */
struct box_plan {
    const struct box_spec *spec;
    const char *root_dir;            /* host mount point for the box's root */
    int ctl_fd, in_fd, out_fd, err_fd, job_dir_fd;
    uid_t uid;
    gid_t gid;
    bool without_cgroup;             /* rlimits must cap memory */
    const struct sock_fprog *filter; /* seccomp program */
};

/* Fixed descriptor numbers inside the child after init_take_fds. */
enum { BOX_FD_CTL = 3, BOX_FD_IN, BOX_FD_OUT, BOX_FD_ERR, BOX_FD_JOB, BOX_FD_FIRST_FREE };

__attribute__((noreturn)) void init_main(const struct box_plan *plan);

#endif
