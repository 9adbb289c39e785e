/* Server limits and request defaults set by the Coderun* directives. */
#ifndef CODERUN_SERVER_LIMITS_H
#define CODERUN_SERVER_LIMITS_H

#include <apr_pools.h>

struct coderun_limits {
    int max_body;             /* CoderunMaxBodySize, bytes */
    int max_inputs;           /* CoderunMaxInputs */
    const char *default_language;
    int max_time_ms, max_memory_mb, max_output_kb;
    int default_time_ms, default_memory_mb, default_output_kb;
    int max_queued_per_key;   /* CoderunMaxQueuedPerKey, 0 = unlimited */
    int daily_cpu_seconds;    /* CoderunDailyCpuSeconds per key, 0 = no budget */
    int problem_default_time_ms;  /* CoderunProblemDefaultTimeMs */
    const char *anonymous_key;    /* CoderunAnonymousKey; NULL unset, "" Off */
};

/* Every field unset (-1 / NULL), for a per-directory config. */
void limits_init_unset(struct coderun_limits *l);

/* add over base for set fields; built-in defaults for fields unset in both. */
void limits_merge(struct coderun_limits *out, const struct coderun_limits *base,
                  const struct coderun_limits *add);

/* Built-in defaults applied to whatever is still unset. */
void limits_apply_defaults(struct coderun_limits *l);

#endif
