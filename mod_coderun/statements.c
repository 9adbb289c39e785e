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
    { NULL, NULL }
};

int statement_retry_safe(const char *label)
{
    return strcmp(label, SQL_SUBMIT) != 0;
}
