/* POST /run and GET /result/{id}: the code runner API. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "json_stream.h"
#include "result_json.h"
#include "run_request.h"
#include "statements.h"

int handle_run(request_rec *r, const struct coderun_limits *limits,
               const struct caller *caller)
{
    struct api_error err;
    const char *id = queue_job(r, limits, caller, run_request_fields, &err);

    if (!id)
        return reply_error(r, &err);
    apr_table_setn(r->headers_out, "Location", apr_pstrcat(r->pool, apr_table_get(r->notes, CODERUN_PREFIX_NOTE), "/result/", id, NULL));
    return reply_json(r, HTTP_ACCEPTED, apr_psprintf(r->pool,
                      "{\"exec_id\":\"%s\",\"status\":\"queued\"}", id));
}

static void fill_job(const struct db_rows *rows, struct job_row *job)
{
    job->id = db_value(rows, 0, 0);
    job->state = db_value(rows, 0, JOB_COL_STATE);
    job->language = db_value(rows, 0, 2);
    job->mode = db_value(rows, 0, JOB_COL_MODE);
    job->created_at = db_value(rows, 0, 4);
    job->started_at = db_value(rows, 0, 5);
    job->finished_at = db_value(rows, 0, 6);
    job->execution_time = db_value(rows, 0, 7);
    job->compile_status = db_value(rows, 0, 8);
    job->compile_output = db_value(rows, 0, 9);
    job->error = db_value(rows, 0, JOB_COL_ERROR);
}

static void fill_case(const struct db_rows *rows, int i, struct case_row *c)
{
    c->index = atoi(db_value(rows, i, 0));
    c->input = db_value(rows, i, 1);
    c->output = db_value(rows, i, 2);
    c->status = db_value(rows, i, 3);
    c->error = db_value(rows, i, 4);
    c->exit_code = db_value(rows, i, 5);
    c->signal = db_value(rows, i, 6);
    c->time_ms = db_value(rows, i, 7);
    c->wall_ms = db_value(rows, i, 8);
    c->memory_kb = db_value(rows, i, 9);
    c->output_truncated = strcmp(db_value(rows, i, 10), "true") == 0;
}

int handle_result(request_rec *r, const struct route *route, int wait_ms)
{
    struct result_read rd;
    struct json_stream s;
    struct job_row job;
    struct case_row *rows;
    int i, n;

    if (read_result(r, route, SQL_RESULT, wait_ms, &rd))
        return OK;
    fill_job(rd.job, &job);
    n = db_row_count(rd.cases);
    rows = apr_palloc(r->pool, sizeof(*rows) * (apr_size_t)(n + 1));
    for (i = 0; i < n; i++)
        fill_case(rd.cases, i, &rows[i]);
    if (reply_result_begin(r, &rd, &s) != 0)
        return OK;
    result_json_write(r->pool, &job, rows, n, &s);
    return reply_result_end(&s);
}
