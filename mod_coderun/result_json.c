#include <string.h>

#include "result_json.h"
#include "json_out.h"

static json_object *text_or_null(const char *s)
{
    return (s && *s) ? json_object_new_string(s) : NULL;
}

/* The seed's shape: one entry per distinct input, the last one winning. */
static json_object *seed_entry(const struct case_row *c)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "output", json_object_new_string(c->output));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "time_ms", json_number_text(c->time_ms));
    json_object_object_add(o, "memory_kb", json_int_text(c->memory_kb));
    if (*c->error)
        json_object_object_add(o, "error", json_object_new_string(c->error));
    return o;
}

static json_object *result_entry(const struct case_row *c)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "index", json_object_new_int(c->index));
    json_object_object_add(o, "input", json_object_new_string(c->input));
    json_object_object_add(o, "output", json_object_new_string(c->output));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "error", json_object_new_string(c->error));
    json_object_object_add(o, "exit_code", json_int_text(c->exit_code));
    json_object_object_add(o, "signal", json_int_text(c->signal));
    json_object_object_add(o, "time_ms", json_number_text(c->time_ms));
    json_object_object_add(o, "wall_ms", json_number_text(c->wall_ms));
    json_object_object_add(o, "memory_kb", json_int_text(c->memory_kb));
    json_object_object_add(o, "output_truncated",
                           json_object_new_boolean(c->output_truncated));
    return o;
}

static json_object *compile_info(const struct job_row *job)
{
    json_object *o = json_object_new_object();
    const char *status = *job->compile_status ? job->compile_status : "ok";

    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "output", json_object_new_string(job->compile_output));
    return o;
}

const char *result_json(apr_pool_t *pool, const struct job_row *job,
                        const struct case_row *cases, int n_cases)
{
    json_object *o = json_object_new_object();
    json_object *output = json_object_new_object();
    json_object *results = json_object_new_array();
    int i;

    json_object_object_add(o, "exec_id", json_object_new_string(job->id));
    json_object_object_add(o, "status", json_object_new_string(job->state));
    json_object_object_add(o, "language", json_object_new_string(job->language));
    json_object_object_add(o, "mode", json_object_new_string(job->mode));
    json_object_object_add(o, "created_at", text_or_null(job->created_at));
    json_object_object_add(o, "started_at", text_or_null(job->started_at));
    json_object_object_add(o, "finished_at", text_or_null(job->finished_at));
    json_object_object_add(o, "execution_time", json_number_text(job->execution_time));
    for (i = 0; i < n_cases; i++) {
        json_object_object_add(output, cases[i].input, seed_entry(&cases[i]));
        json_object_array_add(results, result_entry(&cases[i]));
    }
    json_object_object_add(o, "output", output);
    json_object_object_add(o, "results", results);
    json_object_object_add(o, "compile", compile_info(job));
    json_object_object_add(o, "error", json_object_new_string(job->error));
    return json_out(pool, o);
}
