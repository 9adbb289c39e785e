/* serve_state: the worker daemon's state, shared by its three files:
 * serve.c (start, signals, reload, stop), slots.c (the slot threads and
 * the run socket's thread) and control.c (the thread that owns the
 * database). Not part of serve.h. */
#ifndef CODERUN_WORKER_SERVE_STATE_H
#define CODERUN_WORKER_SERVE_STATE_H

#include "box/box.h"
#include "worker/config.h"
#include "worker/lang.h"
#include "worker/purge.h"
#include "worker/queue.h"
#include "worker/runner.h"
#include "worker/share.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

/* Jobs one claim takes at most, however many slots are idle. */
#define CLAIM_MAX 64

/* A slot's job goes IDLE -> ASSIGNED (claimed by the control thread) ->
 * RUNNING (the slot thread) -> DONE (outcome ready) -> IDLE (written). */
enum slot_state { SLOT_IDLE, SLOT_ASSIGNED, SLOT_RUNNING, SLOT_DONE };

struct slot {
    struct serve *s;
    unsigned index;
    pthread_t thread;
    enum slot_state state;     /* under serve.lock */
    bool away;                 /* under serve.lock: handed a job while helping */
    struct job job;            /* from ASSIGNED until written */
    struct job_outcome out;    /* DONE */
};

struct serve {
    const struct config *cfg;
    struct box_config box;
    struct worker worker;
    volatile sig_atomic_t stop;
    volatile sig_atomic_t cancel;  /* grace over: running boxes are killed */
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* a slot was handed a job, or the stop */
    int done_fd;               /* eventfd: a slot has an outcome or ended */
    struct slot *slots;
    struct share_board board;  /* running jobs' inputs idle slots may take */
    unsigned alive;            /* slot threads still running */
    int republish;             /* languages reloaded, not yet in the table */
    struct config *reloaded;   /* SIGHUP's fresh config, for the control thread */
    unsigned poll_ms, stop_grace_s;  /* the control thread's, reloadable */
    sigset_t signals;          /* TERM, INT, HUP: handled by signal_main */
    struct lang_table *langs;  /* swapped on SIGHUP; jobs hold a reference */
    /* The control thread's batches. */
    struct job *claimed;       /* min(slots, CLAIM_MAX) */
    unsigned *idle;            /* slots entries */
    unsigned *done;            /* slots entries */
    struct job_write *batch;   /* slots entries */
    struct purge_worker purge; /* rollups and retention, a thread of its own */
};

/* slots.c */
void wake_slots(struct serve *s);
void wake_control(struct serve *s);
void *slot_main(void *arg);
void *runsock_main(void *arg);
void slot_written(struct serve *s, struct slot *sl, const char *written, const char *err);

/* control.c: until the stop, and the running jobs are written */
void control_loop(struct serve *s);

#endif
