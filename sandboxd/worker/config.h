/* config: sandboxd settings from `key = value` lines, with defaults. */
#ifndef CODERUN_CONFIG_H
#define CODERUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
    char *database;      /* libpq conninfo; "" lets libpq use its defaults */
    char *languages;     /* path of languages.conf */
    char *sql_dir;       /* migrations */
    char *log_dir;       /* JSON-lines logs, one file per UTC day */
    char *box_dir;       /* scratch root, one subdirectory per slot */
    unsigned slots;      /* concurrent jobs */
    unsigned poll_ms;    /* queue poll period, the backstop for LISTEN */
    unsigned lease_s;    /* a claimed job's lease, renewed by the heartbeat */
    unsigned max_attempts;
    unsigned stop_grace_s;  /* after SIGTERM, how long running jobs may go on */
    unsigned uid_base;   /* slot i runs as uid/gid uid_base + i */
    bool allow_degraded; /* run without a usable cgroup (rlimits only) */
    unsigned disk_mb;    /* each slot's job dir: a tmpfs of this size */
    unsigned job_output_mb;  /* a job's stored output (stdout + errors), all inputs */
    unsigned retention_days;  /* ended jobs older than this are purged; 0 keeps them */
    char *path;          /* the file the values came from: read again on SIGHUP */
};

void config_defaults(struct config *c);

/* Set one key from its text; the error names the key. */
int config_set(struct config *c, const char *key, const char *value,
               char *err, size_t errlen);

/* Apply a config file over the current values. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

void config_free(struct config *c);

#endif
