/* POST /execute-problem and GET /result-problem/{id}: the problem API,
 * with the seed's body and answer shapes. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "problem_json.h"
#include "problem_request.h"
#include "statements.h"

int handle_execute_problem(request_rec *r, const struct coderun_limits *limits,
                           const char *key_id)
{
    struct problem_request req;
    struct api_error err;
    const char *body, *id, *args[11];
    const char *max_queued = apr_itoa(r->pool, limits->max_queued_per_key);
    apr_size_t len;

    if (read_body(r, limits->max_body, &body, &len, &err) ||
        problem_request_parse(r->pool, body, len, limits, &req, &err) ||
        check_language(r, req.language, "problem", &err))
        return reply_error(r, &err);
    args[0] = key_id;
    args[1] = req.language;
    args[2] = req.user_code;
    args[3] = req.solution_code;
    args[4] = apr_itoa(r->pool, req.time_ms);
    args[5] = apr_itoa(r->pool, req.memory_mb);
    args[6] = apr_itoa(r->pool, req.output_kb);
    args[7] = max_queued;
    args[8] = key_id;
    args[9] = max_queued;
    args[10] = req.cases_json;
    id = insert_job(r, SQL_INSERT_PROBLEM, 11, args, limits, &err);
    if (!id)
        return reply_error(r, &err);
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/result-problem/", id, NULL));
    return reply_json(r, HTTP_ACCEPTED, apr_psprintf(r->pool, "{\"job_id\":\"%s\"}", id));
}

static void fill_case(const struct db_rows *rows, int i, struct problem_case_row *c)
{
    c->id_json = db_value(rows, i, 0);
    c->input = db_value(rows, i, 1);
    c->user_output = db_value(rows, i, 2);
    c->user_status = db_value(rows, i, 3);
    c->user_error = db_value(rows, i, 4);
    c->user_runtime = db_value(rows, i, 5);
    c->user_memory = db_value(rows, i, 6);
    c->solution_output = db_value(rows, i, 7);
    c->solution_status = db_value(rows, i, 8);
    c->solution_error = db_value(rows, i, 9);
    c->solution_runtime = db_value(rows, i, 10);
    c->solution_memory = db_value(rows, i, 11);
    c->passed = db_value(rows, i, 12);
}

int handle_result_problem(request_rec *r, const struct route *route, const char *key_id,
                          int wait_ms)
{
    struct api_error err;
    struct db_rows *jobs, *cases;
    struct problem_case_row *rows = NULL;
    const char *state, *id = route->id;
    int i, n = 0;

    jobs = select_job(r, id, key_id, wait_ms, &err);
    if (!jobs)
        return reply_error(r, &err);
    if (db_row_count(jobs) != 1 || strcmp(db_value(jobs, 0, JOB_COL_MODE), "problem") != 0)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
    state = db_value(jobs, 0, JOB_COL_STATE);
    if (strcmp(state, "finished") == 0) {
        cases = db_select(r, SQL_PROBLEM_CASES, 1, &id, &err);
        if (!cases)
            return reply_error(r, &err);
        n = db_row_count(cases);
        rows = apr_palloc(r->pool, sizeof(*rows) * (apr_size_t)(n + 1));
        for (i = 0; i < n; i++)
            fill_case(cases, i, &rows[i]);
    }
    return reply_json(r, HTTP_OK, problem_json(r->pool, state,
                      db_value(jobs, 0, JOB_COL_ERROR), rows, n));
}
