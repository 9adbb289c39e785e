/* Prometheus text from the metrics JSON. */
#include <apr_general.h>
#include <string.h>

#include "metrics_prom.h"
#include "tap.h"

static int has_line(const char *text, const char *want)
{
    size_t n = strlen(want);
    const char *p = text;

    while ((p = strstr(p, want)) != NULL) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
        p += n;
    }
    return 0;
}

int main(void)
{
    apr_pool_t *pool;
    const char *json =
        "{\"queued\": 3, \"in_progress\": 1, \"oldest_queued_age_seconds\": 2.5,"
        " \"succeeded\": 10, \"failed\": 2, \"cases\": {\"ok\": 7, \"time_limit\": 1},"
        " \"languages\": {\"python\": 12},"
        " \"duration_histogram\": {\"buckets\": [{\"le\": 0.05, \"count\": 4}, {\"le\": 1, \"count\": 11}],"
        "   \"sum\": 0.6, \"count\": 12},"
        " \"workers\": {\"alive\": 2, \"slots\": 4, \"busy_slots\": 1}}";
    const char *t;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    t = metrics_prometheus(pool, json);
    ok(t != NULL, "rendered");
    ok(has_line(t, "# TYPE coderun_jobs_queued gauge"), "gauge type line");
    ok(has_line(t, "coderun_jobs_queued 3"), "queued");
    ok(has_line(t, "coderun_oldest_queued_age_seconds 2.5"), "oldest age");
    ok(has_line(t, "# TYPE coderun_jobs_total counter"), "counter type line");
    ok(has_line(t, "coderun_jobs_total{outcome=\"failed\"} 2"), "failed jobs");
    ok(has_line(t, "coderun_cases_total{verdict=\"time_limit\"} 1"), "verdict counts");
    ok(has_line(t, "coderun_language_jobs_total{language=\"python\"} 12"), "language counts");
    ok(has_line(t, "coderun_job_duration_seconds_bucket{le=\"0.05\"} 4"), "bucket with leading zero");
    ok(has_line(t, "coderun_job_duration_seconds_bucket{le=\"+Inf\"} 12"), "+Inf bucket");
    ok(has_line(t, "coderun_job_duration_seconds_sum 0.6"), "histogram sum");
    ok(has_line(t, "coderun_worker_busy_slots 1"), "busy slots");
    ok(metrics_prometheus(pool, "not json") == NULL, "bad document");
    ok(metrics_wants_prometheus("format=prometheus", NULL), "format parameter");
    ok(metrics_wants_prometheus(NULL, "text/plain"), "Accept text/plain");
    ok(!metrics_wants_prometheus(NULL, "application/json"), "Accept JSON");
    ok(!metrics_wants_prometheus(NULL, NULL), "JSON by default");
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
