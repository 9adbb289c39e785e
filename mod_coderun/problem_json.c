#include <string.h>

#include "problem_json.h"
#include "json_out.h"
#include "json_stream.h"

static const char *seed_status(const char *state)
{
    if (strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0)
        return state;
    return "pending";   /* queued and running */
}

static json_object *case_json(const struct problem_case_row *c)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "id", json_tokener_parse(c->id_json));
    json_object_object_add(o, "input", json_object_new_string(c->input));
    json_object_object_add(o, "solutionOutput", json_object_new_string(c->solution_output));
    json_object_object_add(o, "userOutput", json_object_new_string(c->user_output));
    json_object_object_add(o, "passed", json_object_new_boolean(strcmp(c->passed, "true") == 0));
    json_object_object_add(o, "solutionError", json_object_new_string(c->solution_error));
    json_object_object_add(o, "userError", json_object_new_string(c->user_error));
    json_object_object_add(o, "solutionRuntime", json_number_text(c->solution_runtime));
    json_object_object_add(o, "solutionMemory", json_number_text(c->solution_memory));
    json_object_object_add(o, "userRuntime", json_number_text(c->user_runtime));
    json_object_object_add(o, "userMemory", json_number_text(c->user_memory));
    json_object_object_add(o, "solutionStatus", json_object_new_string(c->solution_status));
    json_object_object_add(o, "userStatus", json_object_new_string(c->user_status));
    return o;
}

void problem_json_write(const char *state, const char *error,
                        const struct problem_case_row *cases, int n_cases, struct json_stream *s)
{
    json_object *head = json_object_new_object();
    json_object *tail = json_object_new_object();
    int i;

    json_object_object_add(head, "status", json_object_new_string(seed_status(state)));
    json_stream_members(s, head);
    json_stream_open(s, "results", '[');
    for (i = 0; i < n_cases; i++)
        json_stream_item(s, case_json(&cases[i]));
    json_stream_close(s, ']');
    json_object_object_add(tail, "error", json_object_new_string(error));
    json_stream_members(s, tail);
}

const char *problem_json(apr_pool_t *pool, const char *state, const char *error,
                         const struct problem_case_row *cases, int n_cases)
{
    struct json_collect c;
    struct json_stream s;

    json_collect_begin(&c, &s, pool);
    problem_json_write(state, error, cases, n_cases, &s);
    return json_collect_end(&c, &s);
}
