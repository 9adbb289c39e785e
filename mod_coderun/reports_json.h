/* The dashboard's JSON reports (GET /reports/NAME): which statements answer
 * a report in each scope, the ?days=N parameter and the answer's shape. */
#ifndef CODERUN_REPORTS_JSON_H
#define CODERUN_REPORTS_JSON_H

#include <apr_pools.h>

#define REPORT_DAYS_DEFAULT 30
#define REPORT_DAYS_MAX 366

struct report {
    const char *name;      /* the path segment after reports/ */
    const char *sql_all;   /* every key's figures: args (days) */
    const char *sql_own;   /* one key's figures: args (key id, days) */
    int takes_days;        /* 0: live, no days argument */
};

/* The report named name, or NULL. */
const struct report *report_find(const char *name);

/* Days from the query string args (may be NULL): REPORT_DAYS_DEFAULT when
 * absent; -1 when days is not a whole number from 1 to REPORT_DAYS_MAX. */
int report_days_param(const char *args);

/* The answer: the statement's JSON (an object's members, or an array as
 * "rows") with "report", "scope" (all|own) and, for history, "days".
 * NULL when json is not an object or array. */
const char *report_answer(apr_pool_t *pool, const struct report *report, int all,
                          int days, const char *json);

#endif
