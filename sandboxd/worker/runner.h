/* runner: one job in one slot — scratch dir, source file, compile once,
 * then every case through box_run; results made storable (UTF-8, no NUL). */
#ifndef CODERUN_RUNNER_H
#define CODERUN_RUNNER_H

#include "box/box.h"
#include "worker/lang.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct runner {
    const struct box_config *box;
    unsigned slot;
    int dir_fd;              /* the slot's job directory, emptied per job */
    int use_fd;              /* the same, share-locked while this runner uses it */
    char job_dir[4096];      /* box_dir/slot-N */
    struct box_slot keeper;  /* the slot's keeper, kept between runs */
    const volatile sig_atomic_t *cancel;  /* set: the job's box is killed */
    size_t job_output_max;   /* bytes of output and errors a job may store; 0: no cap */
};

struct job {
    char *id, *key_name, *language, *mode, *code;
    char *solution_code;     /* problem mode only */
    unsigned time_ms, memory_mb, output_kb;
    int attempts;
    size_t ncases;
    int *idx;                /* coderun.cases.idx of each input */
    char **inputs;
};

struct case_result {
    const char *verdict;     /* box_verdict_name */
    char *output, *error;    /* valid UTF-8, no NUL */
    int exit_code, signal;
    double cpu_ms, wall_ms;
    long memory_kb;
    bool output_truncated;
};

/* JOB_CANCELLED: stopped through runner.cancel; nothing of it is kept and
 * the job goes back to the queue without counting the attempt. */
enum job_state { JOB_FINISHED, JOB_FAILED, JOB_RETRY, JOB_CANCELLED };

struct job_outcome {
    enum job_state state;
    const char *compile_status;  /* NULL (interpreted), "ok", "error" */
    char *compile_output;
    char *error;                 /* why the job failed or must be retried */
    bool service_fault;          /* failed for a reason of the service, not of the code */
    double execution_time;       /* seconds, first case start to last end */
    struct case_result *cases;   /* job->ncases entries when finished */
    struct case_result *solution_cases;  /* problem mode: the solution's runs */
};

/* Create and own box_dir/slot-N (writable by the slot's uid for compiles). */
int runner_init(struct runner *r, const struct box_config *box, unsigned slot,
                char *err, size_t errlen);
void runner_close(struct runner *r);

/* The limits a job's cases run with (see the contract). */
void runner_limits(struct box_limits *lim, unsigned time_ms, unsigned memory_mb,
                   unsigned output_kb);

/* The wrapper for a job mode in *template (NULL for "program").
 * -1 when the language has no such mode. */
int runner_template(const struct language *l, const char *mode, const char **template);

/* Empty the job dir and write the source, wrapped by template unless it is
 * NULL, then check that the slot's uid can read it. 0 or -1 with err: a
 * fault of the service (modes, disk), never of the code. */
int runner_prepare(struct runner *r, const struct language *l, const char *template,
                   const char *code, char *err, size_t errlen);

/* The compile step with the job dir writable. 1 when the language has none
 * (res untouched), 0 when res is filled, -1 when box_run failed. */
int runner_compile(struct runner *r, const struct language *l, struct box_result *res);

/* One run with input on stdin. 0 when res is filled, -1 otherwise. */
int runner_exec(struct runner *r, const struct language *l, const struct box_limits *lim,
                const char *input, size_t len, struct box_result *res);

/* The storable error text of a run: the box's reason for a limit or a
 * violation, then the stderr tail, trailing newlines dropped. malloc'd. */
char *runner_error_text(const struct box_result *res);

struct share_board;
struct case_share;

/* The whole job; out is filled in every case. Idle slots of the board may
 * take some of its inputs (runner_help). */
void runner_job(struct runner *r, struct share_board *b, const struct lang_table *langs,
                const struct job *job, struct job_outcome *out);

/* An idle slot runs inputs of another slot's pass (share_join_locked) in
 * its own box until none is left or *away; then leaves it. -1 with err
 * when the code could not be written into this slot's dir. */
int runner_help(struct runner *r, struct share_board *b, struct case_share *sh,
                const bool *away, char *err, size_t errlen);
void job_outcome_free(struct job_outcome *out, size_t ncases);

#endif
