/* GET /reports/NAME: the dashboard's figures, every key's for a key with
 * the reporting scope (api_keys.reports_all), else the key's own. */
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "reports_json.h"
#include "statements.h"

/* 1 when the key sees every key's figures, 0 when only its own, -1 with
 * err when the database cannot say. */
static int key_sees_all(request_rec *r, const char *key_id, struct api_error *err)
{
    struct db_rows *rows = db_select(r, SQL_KEY_SCOPE, 1, &key_id, err);

    if (!rows)
        return -1;
    return db_row_count(rows) == 1 && strcmp(db_value(rows, 0, 0), "true") == 0;
}

int handle_reports(request_rec *r, const struct route *route, const char *key_id)
{
    const struct report *report = report_find(route->report);
    int days = report_days_param(r->args);
    const char *args[2];
    struct api_error err;
    struct db_rows *rows;
    const char *answer;
    int all, nargs = 0;

    if (!report)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such report.");
    if (days < 0) {
        api_fail(&err, HTTP_BAD_REQUEST, "invalid_field", "days",
                 apr_psprintf(r->pool, "days must be a whole number from 1 to %d.",
                              REPORT_DAYS_MAX));
        return reply_error(r, &err);
    }
    all = key_sees_all(r, key_id, &err);
    if (all < 0)
        return reply_error(r, &err);
    if (!all)
        args[nargs++] = key_id;
    if (report->takes_days)
        args[nargs++] = apr_itoa(r->pool, days);
    rows = db_select(r, all ? report->sql_all : report->sql_own, nargs, args, &err);
    if (!rows)
        return reply_error(r, &err);
    answer = db_row_count(rows) == 1
             ? report_answer(r->pool, report, all, days, db_value(rows, 0, 0)) : NULL;
    if (!answer)
        return reply_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                          "The report could not be read.");
    return reply_json(r, HTTP_OK, answer);
}
