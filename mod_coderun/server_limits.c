#include "server_limits.h"

void limits_init_unset(struct coderun_limits *l)
{
    l->max_body = -1;
    l->max_inputs = -1;
    l->default_language = NULL;
    l->max_time_ms = l->max_memory_mb = l->max_output_kb = -1;
    l->default_time_ms = l->default_memory_mb = l->default_output_kb = -1;
    l->max_queued_per_key = -1;
    l->daily_cpu_seconds = -1;
    l->problem_default_time_ms = -1;
    l->anonymous_key = NULL;
}

#define PICK(f) out->f = (add->f != -1) ? add->f : base->f

void limits_merge(struct coderun_limits *out, const struct coderun_limits *base,
                  const struct coderun_limits *add)
{
    PICK(max_body);
    PICK(max_inputs);
    PICK(max_time_ms);
    PICK(max_memory_mb);
    PICK(max_output_kb);
    PICK(default_time_ms);
    PICK(default_memory_mb);
    PICK(default_output_kb);
    PICK(max_queued_per_key);
    PICK(daily_cpu_seconds);
    PICK(problem_default_time_ms);
    out->anonymous_key = add->anonymous_key ? add->anonymous_key : base->anonymous_key;
    out->default_language = add->default_language ? add->default_language
                                                  : base->default_language;
}

#define DEFAULT(f, v) if (l->f == -1) l->f = (v)

void limits_apply_defaults(struct coderun_limits *l)
{
    DEFAULT(max_body, 5 * 1024 * 1024);
    DEFAULT(max_inputs, 1000);
    DEFAULT(max_time_ms, 10000);
    DEFAULT(max_memory_mb, 1024);
    DEFAULT(max_output_kb, 1024);
    DEFAULT(default_time_ms, 2000);
    DEFAULT(default_memory_mb, 256);
    DEFAULT(default_output_kb, 64);
    DEFAULT(max_queued_per_key, 0);
    DEFAULT(daily_cpu_seconds, 0);
    DEFAULT(problem_default_time_ms, 5000);
    if (!l->default_language)
        l->default_language = "python";
}
