#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <json-c/json.h>

#include "metrics_prom.h"

struct prom {
    apr_pool_t *pool;
    char *text;
};

static void line(struct prom *p, const char *s)
{
    p->text = apr_pstrcat(p->pool, p->text, s, "\n", NULL);
}

static void header(struct prom *p, const char *name, const char *type, const char *help)
{
    line(p, apr_psprintf(p->pool, "# HELP %s %s", name, help));
    line(p, apr_psprintf(p->pool, "# TYPE %s %s", name, type));
}

static double num(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

/* libc formatting: APR's %g writes ".5" where Prometheus tools expect "0.5". */
static const char *number(apr_pool_t *pool, double v)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%.15g", v);
    return apr_pstrdup(pool, buf);
}

static void sample(struct prom *p, const char *name, const char *labels, double v)
{
    line(p, apr_pstrcat(p->pool, name, labels, " ", number(p->pool, v), NULL));
}

static void gauge(struct prom *p, const char *name, const char *help, double v)
{
    header(p, name, "gauge", help);
    sample(p, name, "", v);
}

/* One sample per key of a JSON object, the key as the given label. Keys
 * are verdicts and language names: [a-z0-9_+.-], nothing to escape. */
static void labelled(struct prom *p, const char *name, const char *label, json_object *o)
{
    if (!o)
        return;
    json_object_object_foreach(o, key, val) {
        sample(p, name, apr_psprintf(p->pool, "{%s=\"%s\"}", label, key),
               json_object_get_double(val));
    }
}

static void histogram(struct prom *p, json_object *h)
{
    const char *name = "coderun_job_duration_seconds";
    json_object *buckets = json_object_object_get(h, "buckets");
    size_t i, n = buckets ? json_object_array_length(buckets) : 0;

    header(p, name, "histogram", "Wall time from a job's first case to its last.");
    for (i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(buckets, i);
        sample(p, "coderun_job_duration_seconds_bucket",
               apr_pstrcat(p->pool, "{le=\"", number(p->pool, num(b, "le")), "\"}", NULL),
               num(b, "count"));
    }
    sample(p, "coderun_job_duration_seconds_bucket", "{le=\"+Inf\"}", num(h, "count"));
    sample(p, "coderun_job_duration_seconds_sum", "", num(h, "sum"));
    sample(p, "coderun_job_duration_seconds_count", "", num(h, "count"));
}

const char *metrics_prometheus(apr_pool_t *pool, const char *json)
{
    json_object *m = json_tokener_parse(json), *workers;
    struct prom p = { pool, "" };

    if (!m || !json_object_is_type(m, json_type_object)) {
        json_object_put(m);
        return NULL;
    }
    workers = json_object_object_get(m, "workers");
    gauge(&p, "coderun_jobs_queued", "Jobs waiting for a worker.", num(m, "queued"));
    gauge(&p, "coderun_jobs_running", "Jobs a worker is running.", num(m, "running"));
    gauge(&p, "coderun_jobs_in_progress", "Jobs submitted and not ended (queued or running).",
          num(m, "in_progress"));
    header(&p, "coderun_jobs_submitted_total", "counter", "Jobs submitted.");
    sample(&p, "coderun_jobs_submitted_total", "", num(m, "total_executions"));
    gauge(&p, "coderun_oldest_queued_age_seconds", "Age of the oldest queued job.",
          num(m, "oldest_queued_age_seconds"));
    header(&p, "coderun_jobs_total", "counter", "Jobs ended, by outcome.");
    sample(&p, "coderun_jobs_total", "{outcome=\"finished\"}", num(m, "succeeded"));
    sample(&p, "coderun_jobs_total", "{outcome=\"failed\"}", num(m, "failed"));
    header(&p, "coderun_cases_total", "counter", "Inputs run, by verdict.");
    labelled(&p, "coderun_cases_total", "verdict", json_object_object_get(m, "cases"));
    header(&p, "coderun_language_jobs_total", "counter", "Jobs ended, by language.");
    labelled(&p, "coderun_language_jobs_total", "language", json_object_object_get(m, "languages"));
    histogram(&p, json_object_object_get(m, "duration_histogram"));
    gauge(&p, "coderun_workers_alive", "Workers with a heartbeat in the last 30 s.",
          num(workers, "alive"));
    gauge(&p, "coderun_worker_slots", "Slots of the live workers.", num(workers, "slots"));
    gauge(&p, "coderun_worker_busy_slots", "Slots running a job.", num(workers, "busy_slots"));
    json_object_put(m);
    return p.text;
}

int metrics_wants_prometheus(const char *args, const char *accept)
{
    if (args && strstr(args, "format=prometheus"))
        return 1;
    return accept && strstr(accept, "text/plain") && !strstr(accept, "application/json");
}
