/* box: run one program once inside the sandbox and report what happened.
 * Owned by the sandbox (kernel facility files ns.c, mount.c, cgroup.c,
 * seccomp.c, rlimit.c, identity.c); the job runner only calls box_run. */
#ifndef CODERUN_BOX_H
#define CODERUN_BOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum box_verdict {
    BOX_OK,
    BOX_RUNTIME_ERROR,
    BOX_TIME_LIMIT,
    BOX_MEMORY_LIMIT,
    BOX_OUTPUT_LIMIT,
    BOX_SECURITY_VIOLATION,
    BOX_INTERNAL_ERROR
};

/* "ok", "runtime_error", ... exactly as stored in coderun.cases.verdict. */
const char *box_verdict_name(enum box_verdict v);

struct box_limits {
    unsigned cpu_ms;     /* CPU time of all threads and children */
    unsigned wall_ms;    /* wall clock; the whole pid namespace is killed */
    unsigned memory_kb;  /* peak memory (cgroup, else address-space rlimit) */
    unsigned output_kb;  /* stdout cap; over it -> BOX_OUTPUT_LIMIT */
    unsigned pids;       /* processes + threads */
    unsigned tmpfs_kb;   /* size of the writable work dir and /tmp */
};

/* Host-side settings shared by every run of this sandboxd. */
struct box_config {
    const char *box_dir;   /* scratch root on the host, one subdir per slot */
    unsigned uid_base;     /* slot i runs as uid/gid uid_base + i */
    bool allow_degraded;   /* run with rlimits only when no cgroup is usable */
    unsigned disk_mb;      /* each slot's job dir is a tmpfs of this size */
    char mode[16];         /* filled by box_init: "cgroup2", "cgroup1", "degraded" */
    char degraded_why[512];  /* filled by box_init in mode "degraded" */
};

struct box_spec {
    const char *const *argv;     /* argv[0] absolute inside the box; other paths
                                    relative to the working directory */
    const char *const *env;      /* complete environment, NULL-terminated */
    const char *job_dir;         /* host dir holding the job's files (source,
                                    compiled binary); the run's working dir */
    bool job_dir_writable;       /* true for a compile step: results stay */
    const char *const *ro_binds; /* extra host paths the language needs, or NULL */
    const char *stdin_data;      /* may contain NUL bytes */
    size_t stdin_len;
    struct box_limits limits;
    unsigned slot;               /* selects uid/gid and cgroup name */
    const volatile sig_atomic_t *cancel; /* or NULL; once set, the box is
                                    killed within 25 ms (the worker stops) */
};

struct box_result {
    enum box_verdict verdict;
    int exit_code;            /* -1 when killed by a signal */
    int signal;               /* 0 when it exited */
    double cpu_ms, wall_ms;
    long memory_kb;           /* peak */
    char *out;                /* stdout, NUL-terminated copy, out_len bytes */
    size_t out_len;
    bool out_truncated;
    char *err;                /* stderr tail, at most 4 KiB */
    size_t err_len;
    bool err_truncated;
    char reason[256];         /* internal error, forbidden call, limit hit */
    bool cancelled;           /* killed through spec->cancel: no verdict to keep */
};

/* A slot's warm box: the keeper, pid 1 of the slot's namespaces with the
 * filesystem built, kept between runs while the job dir and the language's
 * binds stay the same, and replaced after any run it had to be killed in.
 * All zero is "none"; box_slot_close stops the keeper. */
struct box_slot {
    bool live;
    pid_t keeper;
    int sock;              /* run requests to the keeper */
    char *key;             /* what the root was built for */
    double reaped_cpu_ms;  /* CPU of the runs it reported (degraded mode) */
};

void box_slot_close(struct box_slot *slot);

/* Detect cgroup v2 / v1 / none and prepare box_dir. 0 on success. Without
 * a usable cgroup the memory and process limits cannot be enforced as
 * configured: that fails, with the reason, unless cfg->allow_degraded. */
int box_init(struct box_config *cfg, char *err, size_t errlen);

/* Run once. Returns 0 when res is filled (any verdict, including
 * BOX_INTERNAL_ERROR with res->reason); never runs with less isolation. */
int box_run(const struct box_config *cfg, struct box_slot *slot,
            const struct box_spec *spec, struct box_result *res);

void box_result_free(struct box_result *res);

/* Function mode's warm start: a server program (spec->argv) that stays in
 * the slot's box for a whole job, finds a channel at fd 3 and forks a child
 * per input. Each input gets its own stdin, stdout, stderr and cgroup (the
 * child writes 0 into the cgroup.procs files it is handed), limits and
 * verdict, exactly as box_run would; a child's leftovers are killed with
 * its cgroup. An input that leaves a file in /tmp or /box gets the next
 * input a fresh server, so nothing of one input reaches the next.
 * box_warm_start returns NULL when the server cannot start (or there is no
 * cgroup to measure inputs by); box_warm_run returns false, with res to be
 * freed and ignored, when the server did not take the input: run it cold
 * with box_run and stop the server. */
struct box_warm;
struct box_warm *box_warm_start(const struct box_config *cfg, struct box_slot *slot,
                                const struct box_spec *spec);
bool box_warm_run(struct box_warm *w, const struct box_spec *spec, struct box_result *res);
void box_warm_stop(struct box_warm *w);

#endif
