/* share: one pass over a job's inputs, taken an input at a time by the
 * slot that runs the job and by idle slots that help it, each in its own
 * box as its own uid, so a job of many inputs uses every idle core. All
 * state is under the board's lock, the lock idle slots wait under. */
#ifndef CODERUN_SHARE_H
#define CODERUN_SHARE_H

#include "worker/runner.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct case_share {
    /* What a helper needs to run the same code in its own box. */
    const struct language *lang;
    const char *template, *code;
    const struct job *job;
    struct box_limits limits;
    struct case_result *cases;   /* each filled by the slot that took it */
    size_t output_bytes;         /* stored by the pass so far (atomic) */
    /* Under the board's lock. */
    size_t next;                 /* the first input nobody took */
    unsigned helpers;            /* slots helping now */
    bool closed;                 /* no more helpers may join */
    enum job_state state;        /* JOB_FINISHED until a run stops the pass */
    char *error;                 /* why it stopped */
    pthread_cond_t left;         /* a helper left */
};

struct share_board {
    pthread_mutex_t *lock;       /* the caller's: its idle slots wait under it */
    pthread_cond_t *wake;        /* broadcast when a pass opens to helpers */
    size_t nslots;
    struct case_share **open;    /* by owning slot; NULL: nothing to help */
};

int share_board_init(struct share_board *b, size_t nslots, pthread_mutex_t *lock,
                     pthread_cond_t *wake);
void share_board_free(struct share_board *b);

/* The owner: a pass starts with every input untaken; opened, idle slots
 * may join it; share_close shuts it to helpers and waits for them to
 * leave, then the cases are all the owner's to read. */
void share_init(struct case_share *sh, const struct language *l, const char *template,
                const char *code, const struct job *job, const struct box_limits *lim,
                struct case_result *cases);
void share_open(struct share_board *b, unsigned slot, struct case_share *sh);
void share_close(struct share_board *b, unsigned slot, struct case_share *sh);
void share_destroy(struct case_share *sh);

/* The next input to run in *i; false when none is left, the pass stopped,
 * or *away (read under the lock; NULL for the owner) is true. */
bool share_take(struct share_board *b, struct case_share *sh, size_t *i, const bool *away);

/* Inputs nobody took yet, 0 once the pass stopped (a warm server pays
 * off for more than one). */
size_t share_left(struct share_board *b, struct case_share *sh);

/* A run could not be kept: nobody takes another input; the first why stays. */
void share_stop(struct share_board *b, struct case_share *sh, enum job_state state,
                const char *why);

/* A helper, with the board's lock held: an open pass with at least two
 * inputs left (one for its owner), joined; or NULL. */
struct case_share *share_join_locked(struct share_board *b);

/* The helper is done; refuse: it could not help, nobody else should try. */
void share_leave(struct share_board *b, struct case_share *sh, bool refuse);

#endif
