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
/* The dashboard's reports (reports_json.h): each in two scopes, every
 * key's figures (_ALL, from the reporting views) or one key's (_OWN). */
#define SQL_KEY_SCOPE  "coderun_key_scope"
#define SQL_REPORT_LIVE_ALL      "coderun_report_live_all"
#define SQL_REPORT_LIVE_OWN      "coderun_report_live_own"
#define SQL_REPORT_DAILY_ALL     "coderun_report_daily_all"
#define SQL_REPORT_DAILY_OWN     "coderun_report_daily_own"
#define SQL_REPORT_KEYS_ALL      "coderun_report_keys_all"
#define SQL_REPORT_KEYS_OWN      "coderun_report_keys_own"
#define SQL_REPORT_VERDICTS_ALL  "coderun_report_verdicts_all"
#define SQL_REPORT_VERDICTS_OWN  "coderun_report_verdicts_own"
#define SQL_REPORT_CASES_ALL     "coderun_report_cases_all"
#define SQL_REPORT_CASES_OWN     "coderun_report_cases_own"
#define SQL_REPORT_LATENCY_ALL   "coderun_report_latency_all"
#define SQL_REPORT_LATENCY_OWN   "coderun_report_latency_own"
#define SQL_RETENTION  "coderun_retention"

#endif
