/* The SQL the module runs, prepared once per connection by mod_dbd.
 * apr_dbd placeholders are %s; casts make the types explicit. */
#ifndef CODERUN_STATEMENTS_H
#define CODERUN_STATEMENTS_H

struct statement {
    const char *label;
    const char *sql;
};

extern const struct statement coderun_statements[];

/* Whether the statement may run again after its session was lost mid-way:
 * all but the submission (a second run would queue the job twice). */
int statement_retry_safe(const char *label);

#define SQL_AUTH       "coderun_auth"
#define SQL_SUBMIT     "coderun_submit"
#define SQL_RESULT     "coderun_result"
#define SQL_RESULT_PROBLEM "coderun_result_problem"
#define SQL_HEALTH     "coderun_health"
#define SQL_METRICS    "coderun_metrics"
#define SQL_LANGUAGES  "coderun_languages"

#endif
