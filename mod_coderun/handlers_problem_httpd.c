/* POST /execute-problem and GET /result-problem/{id}: the problem API,
 * with the seed's body and answer shapes. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "json_stream.h"
#include "problem_json.h"
#include "problem_request.h"
#include "statements.h"

int handle_execute_problem(request_rec *r, const struct coderun_limits *limits,
                           const struct caller *caller)
{
    struct api_error err;
    const char *id = queue_job(r, limits, caller, problem_request_fields, &err);

    if (!id)
        return reply_error(r, &err);
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, apr_table_get(r->notes, CODERUN_PREFIX_NOTE), "/result-problem/", id, NULL));
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

int handle_result_problem(request_rec *r, const struct route *route, int wait_ms)
{
    struct result_read rd;
    struct json_stream s;
    struct problem_case_row *rows;
    int i, n;

    if (read_result(r, route, SQL_RESULT_PROBLEM, wait_ms, &rd))
        return OK;
    n = db_row_count(rd.cases);
    rows = apr_palloc(r->pool, sizeof(*rows) * (apr_size_t)(n + 1));
    for (i = 0; i < n; i++)
        fill_case(rd.cases, i, &rows[i]);
    if (reply_result_begin(r, &rd, &s) != 0)
        return OK;
    problem_json_write(db_value(rd.job, 0, JOB_COL_STATE), db_value(rd.job, 0, JOB_COL_ERROR),
                       rows, n, &s);
    return reply_result_end(&s);
}
