/* cgroup: per-slot control groups for memory (swap off), process count,
 * peak memory and CPU time of everything in the box. cgroup v2 when a
 * delegated v2 hierarchy offers the memory and pids controllers, else the v1
 * memory, pids (and cpuacct) hierarchies; a box lives in <own cgroup>/coderun/
 * uid-U, named by the uid it runs as (unique per slot and per daemon, as box
 * uids must be anyway), and is removed after every run. */
#ifndef CODERUN_CGROUP_H
#define CODERUN_CGROUP_H

#include "box/box.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum cg_kind { CG_NONE, CG_V1, CG_V2 };

/* The "coderun" parent directory of every slot, per hierarchy. */
struct cg_hier {
    enum cg_kind kind;
    char v2[PATH_MAX];
    char memory[PATH_MAX], pids[PATH_MAX], cpuacct[PATH_MAX]; /* v1; cpuacct may be "" */
    char why[512];           /* CG_NONE: why no hierarchy is usable */
};

struct cg_slot {
    enum cg_kind kind;
    char dirs[3][PATH_MAX];  /* v2: [0]; v1: memory, pids, cpuacct */
    int ndirs;
};

struct cg_stats {
    long memory_peak_kb;
    long oom_kills;
    double cpu_ms;           /* -1 when the hierarchy has no CPU counter */
};

/* Finds a usable hierarchy from mountinfo and /proc/self/cgroup (paths are
 * parameters so tests can feed their own) and creates the coderun dirs: v2
 * in sandboxd's own cgroup (moving itself into a leaf "daemon" child when
 * that cgroup is its own), else v1. h->kind is CG_NONE, with h->why, when
 * neither works; nothing it made is left behind then. */
void cg_detect(struct cg_hier *h, const char *mountinfo_path, const char *self_cgroup_path);
const char *cg_mode_name(enum cg_kind kind);

/* coderun/NAME in each hierarchy ("uid-U": unique per slot and daemon),
 * emptied and made afresh, with the limits set. */
int cg_slot_create(const struct cg_hier *h, const char *name, const struct box_limits *l,
                   struct cg_slot *s, char *err, size_t errlen);
/* Opens the file of each directory that the box's program writes "0" to,
 * to move itself in before it starts, into fds[0..ndirs). */
int cg_slot_open_join(const struct cg_slot *s, int *fds, char *err, size_t errlen);
/* v2: the run's directory, for clone3(CLONE_INTO_CGROUP). A process born
 * in a cgroup never moves: moving one through cgroup.procs write-locks
 * every thread group on the machine and waits for an RCU grace period
 * (10 to 18 ms measured here against 0.4 to 0.9 ms for the clone). */
int cg_slot_open_dir(const struct cg_slot *s, int *fd, char *err, size_t errlen);
int cg_slot_stats(const struct cg_slot *s, struct cg_stats *st);
/* Kills every process in the slot. */
void cg_slot_kill(const struct cg_slot *s);
/* Kills what is left and removes the slot's directories. */
int cg_slot_remove(const struct cg_slot *s);

#endif
