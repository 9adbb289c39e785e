#include <string.h>
#include <apr_hash.h>

#include "result_json.h"
#include "json_out.h"
#include "json_stream.h"

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

/* Whether no later case has the same input: the seed's map keeps the last. */
static int last_of_input(apr_hash_t *last, const struct case_row *cases, int i)
{
    return apr_hash_get(last, cases[i].input, APR_HASH_KEY_STRING) == &cases[i];
}

void result_json_write(apr_pool_t *pool, const struct job_row *job,
                       const struct case_row *cases, int n_cases, struct json_stream *s)
{
    json_object *head = json_object_new_object();
    json_object *tail = json_object_new_object();
    apr_hash_t *last = apr_hash_make(pool);
    int i;

    json_object_object_add(head, "exec_id", json_object_new_string(job->id));
    json_object_object_add(head, "status", json_object_new_string(job->state));
    json_object_object_add(head, "language", json_object_new_string(job->language));
    json_object_object_add(head, "mode", json_object_new_string(job->mode));
    json_object_object_add(head, "created_at", text_or_null(job->created_at));
    json_object_object_add(head, "started_at", text_or_null(job->started_at));
    json_object_object_add(head, "finished_at", text_or_null(job->finished_at));
    json_object_object_add(head, "execution_time", json_number_text(job->execution_time));
    json_stream_members(s, head);
    for (i = 0; i < n_cases; i++)
        apr_hash_set(last, cases[i].input, APR_HASH_KEY_STRING, &cases[i]);
    json_stream_open(s, "output", '{');
    for (i = 0; i < n_cases; i++)
        if (last_of_input(last, cases, i))
            json_stream_member(s, cases[i].input, seed_entry(&cases[i]));
    json_stream_close(s, '}');
    json_stream_open(s, "results", '[');
    for (i = 0; i < n_cases; i++)
        json_stream_item(s, result_entry(&cases[i]));
    json_stream_close(s, ']');
    json_object_object_add(tail, "compile", compile_info(job));
    json_object_object_add(tail, "error", json_object_new_string(job->error));
    json_stream_members(s, tail);
}

const char *result_json(apr_pool_t *pool, const struct job_row *job,
                        const struct case_row *cases, int n_cases)
{
    struct json_collect c;
    struct json_stream s;

    json_collect_begin(&c, &s, pool);
    result_json_write(pool, job, cases, n_cases, &s);
    return json_collect_end(&c, &s);
}
