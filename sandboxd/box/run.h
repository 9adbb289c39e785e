/* run: one run's host-side state, shared by the files of the box layer
 * (box.c runs it, watch.c watches it, warm.c hands a warm server's inputs
 * to it). Not part of box.h: nothing outside the box sees a run. */
#ifndef CODERUN_BOX_RUN_H
#define CODERUN_BOX_RUN_H

#include "box/box.h"
#include "box/capture.h"
#include "box/cgroup.h"
#include "box/ns.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* One run's state on the host side. */
struct run {
    const struct box_spec *spec;
    struct box_slot *slot;
    struct box_warm *warm;         /* an input of a warm server, else NULL */
    bool with_channel;             /* a warm server: gets a channel at fd 3 */
    struct cg_slot cg;
    uid_t uid;                     /* the slot's; names the run's cgroup */
    int box_fds[NS_MAX_FDS];       /* the box's ends until they are sent, */
    int nbox_fds;                  /* then the run's cgroup.procs files */
    int ctl, out, err, listener;   /* parent ends; -1 once closed */
    int channel;                   /* with_channel: our end */
    pid_t pid;                     /* the keeper, once the run was sent */
    struct capture out_cap, err_cap;
    struct timespec start;
    /* what happened */
    int status;
    long cpu_us, maxrss_kb;        /* as the keeper reaped them */
    bool have_status, killed, wall_exceeded, cpu_exceeded, output_exceeded;
    double killed_ms;              /* when, since start */
    bool setup_failed, violated, cancelled;
    long oom_kills;
    char reason[256];
};

/* Function mode's warm server (box.h): its own run, started and left
 * running until box_warm_stop; its inputs go through server.channel. */
struct box_warm {
    const struct box_config *cfg;
    struct box_spec spec;   /* the server's: its limits and cancel flag */
    struct run server;
    bool up;                /* the server runs (a restart may have failed) */
    long job_files;         /* entries of the job dir, -1 unread; it stays as is */
};

static inline void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* box.c: the steps of a run. */
bool run_has_cgroup(void);
void run_init(struct run *r, const struct box_spec *spec, struct box_slot *slot);
int run_prepare(struct run *r, const struct box_config *cfg, char *err, size_t errlen);
int run_hand_over(struct run *r, int sock, const void *msg, size_t len, pid_t keeper);
void run_setup_failed(struct run *r, const char *err);
void run_begin(struct run *r, const struct box_config *cfg);
void run_end(struct run *r, struct box_result *res);

/* watch.c: the run from its start to the close of its channels. */
void run_watch(struct run *r);
void run_kill(struct run *r);
void run_read_control(struct run *r);

#endif
