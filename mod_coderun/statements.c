#include <string.h>
#include <stddef.h>
#include "statements.h"

/* The caller's key by the digest of its token, or (digest '') by the
 * scope's anonymous key's name (arguments: digest, digest, name); an
 * expired key is no key. Its last use is written at most once a minute, in
 * the same round trip, so `sandboxd key list` can show it at no
 * per-request cost. */
#define KEY_CTES \
    "WITH k AS (SELECT id, digest, last_used_at FROM coderun.api_keys" \
    " WHERE (digest = decode(%s, 'hex') OR (%s = '' AND name = %s))" \
    " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()))," \
    " u AS (UPDATE coderun.api_keys a SET last_used_at = now() FROM k" \
    " WHERE a.id = k.id AND (k.last_used_at IS NULL" \
    " OR k.last_used_at < now() - interval '1 minute'))"

/* GET of a result in one round trip: the key (no row: 401), the job of
 * the key and API asked (columns RESULT_COL_JOB.., empty: 404), and a
 * finished job's cases (a row each, in order; has_case false: none). The
 * job's columns are named j_* so that the cases' stay unambiguous. */
#define RESULT_READ(case_columns) \
    KEY_CTES "," \
    " j AS (SELECT jobs.id::text AS j_id, state AS j_state, language AS j_language," \
    " mode AS j_mode, coderun.rfc3339(created_at) AS j_created," \
    " coalesce(coderun.rfc3339(started_at), '') AS j_started," \
    " coalesce(coderun.rfc3339(finished_at), '') AS j_finished," \
    " coalesce(round(execution_time::numeric, 6)::float8::text, '') AS j_time," \
    " coalesce(compile_status, '') AS j_compile_status, compile_output AS j_compile_output," \
    " jobs.error AS j_error FROM coderun.jobs, k WHERE jobs.id = %s::uuid" \
    " AND jobs.key_id = k.id AND (mode = 'problem') = %s::boolean)" \
    " SELECT k.id::text, encode(k.digest, 'hex'), j.*, (cases.job_id IS NOT NULL)::text, " \
    case_columns \
    " FROM k LEFT JOIN j ON true LEFT JOIN coderun.cases" \
    " ON j.j_state = 'finished' AND cases.job_id = j.j_id::uuid" \
    /* cases.idx: a bare idx would sort by the idx::text output column */ \
    " ORDER BY cases.idx"
/* The dashboard's report statements. Days are UTC, like the views'; "the
 * last %s days" includes today. */
#define UTC_TODAY "(now() AT TIME ZONE 'UTC')::date"
#define JOB_DAY   "(j.created_at AT TIME ZONE 'UTC')::date"
#define IN_DAYS(day) " " day " > " UTC_TODAY " - %s::int"
/* A reporting view's rows of the last %s days as one JSON array. */
#define VIEW_ROWS(view, order) \
    "SELECT coalesce(json_agg(v ORDER BY " order "), '[]')::text" \
    " FROM coderun." view " v WHERE" IN_DAYS("v.day")
/* The same rows (day, language, columns) from one key's (%s) jobs only. */
#define OWN_ROWS(columns, from, where, group) \
    "SELECT coalesce(json_agg(v ORDER BY v.day, v.language), '[]')::text FROM (" \
    "SELECT " JOB_DAY " AS day, j.language, " columns " FROM " from \
    " WHERE j.key_id = %s::bigint AND" IN_DAYS(JOB_DAY) where " GROUP BY " group ") v"
#define DAILY_COLUMNS \
    "count(*) AS jobs, count(*) FILTER (WHERE j.state = 'finished') AS finished," \
    " count(*) FILTER (WHERE j.state = 'failed') AS failed," \
    " sum(j.execution_time) AS execution_seconds," \
    " avg(extract(epoch FROM j.finished_at - j.created_at)) AS avg_latency_seconds"
#define PERCENTILES(p, column, name) \
    " percentile_cont(" p ") WITHIN GROUP (ORDER BY " column ") AS " name
#define CASES_COLUMNS "count(*) AS cases," \
    PERCENTILES("0.5", "c.cpu_ms", "cpu_ms_p50") "," PERCENTILES("0.95", "c.cpu_ms", "cpu_ms_p95") "," \
    PERCENTILES("0.5", "c.wall_ms", "wall_ms_p50") "," PERCENTILES("0.95", "c.wall_ms", "wall_ms_p95") "," \
    PERCENTILES("0.5", "c.memory_kb", "memory_kb_p50") "," \
    PERCENTILES("0.95", "c.memory_kb", "memory_kb_p95")
#define LATENCY "extract(epoch FROM j.finished_at - j.created_at)"
#define LATENCY_COLUMNS PERCENTILES("0.5", LATENCY, "p50_seconds") "," \
    PERCENTILES("0.95", LATENCY, "p95_seconds") "," PERCENTILES("0.99", LATENCY, "p99_seconds")
#define CASES_OF_JOBS "coderun.cases c JOIN coderun.jobs j ON j.id = c.job_id"
/* The queue now, live workers and jobs ended per minute over the last 15;
 * mine narrows each count of jobs to the key named in me. */
#define LIVE(me, mine) \
    me "SELECT json_build_object(" \
    "'queued', (SELECT count(*) FROM coderun.jobs WHERE state = 'queued'" mine ")," \
    " 'running', (SELECT count(*) FROM coderun.jobs WHERE state = 'running'" mine ")," \
    " 'oldest_queued_seconds', (SELECT coalesce(round(extract(epoch FROM now() - min(created_at))" \
    "::numeric, 3), 0) FROM coderun.jobs WHERE state = 'queued'" mine ")," \
    " 'workers', (SELECT coalesce(json_agg(json_build_object('worker', name, 'mode', sandbox_mode," \
    " 'slots', slots, 'busy', busy) ORDER BY name), '[]') FROM coderun.workers" \
    " WHERE heartbeat_at > now() - interval '30 seconds')," \
    " 'per_minute', (SELECT json_agg(json_build_object('minute', coderun.rfc3339(m), 'jobs', n," \
    " 'jobs_per_second', round(n / 60.0, 3)) ORDER BY m) FROM (SELECT m, (SELECT count(*)" \
    " FROM coderun.jobs WHERE finished_at >= m AND finished_at < m + interval '1 minute'" mine ") AS n" \
    " FROM generate_series(date_trunc('minute', now()) - interval '14 minutes'," \
    " date_trunc('minute', now()), interval '1 minute') AS m) t))::text"

const struct statement coderun_statements[] = {
    /* The key's last use is written at most once a minute, in the same
     * round trip, so `sandboxd key list` can show it at no per-request cost. */
    { SQL_AUTH, KEY_CTES " SELECT id::text, encode(digest, 'hex') FROM k" },
    /* POST /run and /execute-problem in one round trip: authentication,
     * the key's limits, languages, budget and cap, Idempotency-Key and the
     * insert of the job and its cases (sql/010_tenants.sql). */
    { SQL_SUBMIT,
      "SELECT outcome, coalesce(field, ''), coalesce(message, ''), coalesce(job_id, ''),"
      " coalesce(retry_after, 0)::text FROM coderun.submit_job(%s, %s, %s, %s, %s, %s,"
      " NULLIF(%s, '')::int, NULLIF(%s, '')::int, NULLIF(%s, '')::int,"
      " %s::int, %s::int, %s::int, %s::jsonb, %s, %s::int, %s::int, %s::float8, %s)" },
    { SQL_RESULT, RESULT_READ(
      "idx::text, input, coalesce(output, ''), coalesce(verdict, ''),"
      " coalesce(error, ''), coalesce(exit_code::text, ''),"
      " coalesce(signal::text, ''), coalesce(round(cpu_ms::numeric, 3)::float8::text, ''),"
      " coalesce(round(wall_ms::numeric, 3)::float8::text, ''),"
      " coalesce(memory_kb::text, ''), coalesce(output_truncated, false)::text") },
    { SQL_RESULT_PROBLEM, RESULT_READ(
      "coalesce(case_key::text, 'null'), input, coalesce(output, ''),"
      " coalesce(verdict, ''), coalesce(error, ''),"
      " coalesce(round((wall_ms / 1000)::numeric, 6)::float8::text, ''),"
      " coalesce(round((memory_kb / 1024.0)::numeric, 3)::float8::text, ''),"
      " coalesce(solution_output, ''), coalesce(solution_verdict, ''),"
      " coalesce(solution_error, ''),"
      " coalesce(round((solution_wall_ms / 1000)::numeric, 6)::float8::text, ''),"
      " coalesce(round((solution_memory_kb / 1024.0)::numeric, 3)::float8::text, ''),"
      " coalesce(passed::text, '')") },
    { SQL_HEALTH,
      "SELECT count(*)::text, coalesce(json_agg(json_build_object('worker', name,"
      " 'mode', sandbox_mode, 'slots', slots, 'busy', busy, 'service_error', service_error)"
      " ORDER BY name), '[]')::text, count(*) FILTER (WHERE service_error IS NULL)::text"
      " FROM coderun.workers WHERE heartbeat_at > now() - interval '30 seconds'" },
    { SQL_METRICS, "SELECT coderun.metrics_json()::text" },
    { SQL_LANGUAGES,
      "SELECT name, version, array_to_json(modes)::text FROM coderun.languages_offered"
      " ORDER BY name" },
    { SQL_KEY_SCOPE, "SELECT reports_all::text FROM coderun.api_keys WHERE id = %s::bigint" },
    { SQL_REPORT_LIVE_ALL, LIVE("", "") },
    { SQL_REPORT_LIVE_OWN, LIVE("WITH me AS (SELECT %s::bigint AS id) ",
                                " AND key_id = (SELECT id FROM me)") },
    { SQL_REPORT_DAILY_ALL, VIEW_ROWS("report_daily", "v.day, v.language") },
    { SQL_REPORT_DAILY_OWN, OWN_ROWS(DAILY_COLUMNS, "coderun.jobs j", "", "1, 2") },
    { SQL_REPORT_KEYS_ALL, VIEW_ROWS("report_keys", "v.day, v.key_name") },
    { SQL_REPORT_KEYS_OWN,
      "SELECT coalesce(json_agg(v ORDER BY v.day), '[]')::text FROM coderun.report_keys v"
      " WHERE v.key_name = (SELECT name FROM coderun.api_keys WHERE id = %s::bigint) AND"
      IN_DAYS("v.day") },
    { SQL_REPORT_VERDICTS_ALL, VIEW_ROWS("report_verdicts", "v.day, v.language, v.verdict") },
    { SQL_REPORT_VERDICTS_OWN, OWN_ROWS("c.verdict, count(*) AS cases", CASES_OF_JOBS,
                                        " AND c.verdict IS NOT NULL", "1, 2, 3") },
    { SQL_REPORT_CASES_ALL, VIEW_ROWS("report_case_percentiles", "v.day, v.language") },
    { SQL_REPORT_CASES_OWN, OWN_ROWS(CASES_COLUMNS, CASES_OF_JOBS,
                                     " AND c.verdict IS NOT NULL", "1, 2") },
    { SQL_REPORT_LATENCY_ALL, VIEW_ROWS("report_latency", "v.day, v.language") },
    { SQL_REPORT_LATENCY_OWN, OWN_ROWS(LATENCY_COLUMNS, "coderun.jobs j",
                                       " AND j.finished_at IS NOT NULL", "1, 2") },
    /* Days results are kept, as the purging worker publishes it (sql/009). */
    { SQL_RETENTION,
      "SELECT coalesce((SELECT value FROM coderun.settings WHERE name = 'retention_days'), '0')" },
    { NULL, NULL }
};

int statement_retry_safe(const char *label)
{
    return strcmp(label, SQL_SUBMIT) != 0;
}
