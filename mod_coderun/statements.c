#include <string.h>
#include <stddef.h>
#include "statements.h"

/* The caller's key by the digest of its token. Its last use is written at
 * most once a minute, in the same round trip, so `sandboxd key list` can
 * show it at no per-request cost. */
#define KEY_CTES \
    "WITH k AS (SELECT id, digest, last_used_at FROM coderun.api_keys" \
    " WHERE digest = decode(%s, 'hex') AND revoked_at IS NULL)," \
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
    /* Known languages, whether the named one exists, and whether it has
     * the mode asked for. */
    { SQL_LANG_CHECK,
      "SELECT coalesce(string_agg(name, ', ' ORDER BY name), ''),"
      " coalesce(bool_or(name = %s), false)::text,"
      " coalesce(bool_or(name = %s AND %s = ANY (modes)), false)::text"
      " FROM coderun.languages_offered" },
    /* One statement: the job and its cases commit together, and the per-key
     * cap of unfinished jobs (0 = none) is checked in the same snapshot. */
    { SQL_INSERT_JOB,
      "WITH j AS (INSERT INTO coderun.jobs (key_id, language, mode, code,"
      " solution_code, time_ms, memory_mb, output_kb)"
      " SELECT %s::bigint, %s, %s, %s, NULLIF(%s, ''), %s::int, %s::int, %s::int"
      " WHERE %s::int = 0 OR (SELECT count(*) FROM coderun.jobs"
      "   WHERE key_id = %s::bigint AND state IN ('queued', 'running')) < %s::int"
      " RETURNING id),"
      " c AS (INSERT INTO coderun.cases (job_id, idx, input, case_key)"
      " SELECT j.id, t.ord - 1, t.tc->>'input', t.tc->'id' FROM j,"
      " jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(tc, ord))"
      " SELECT id::text FROM j" },
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
    return strcmp(label, SQL_INSERT_JOB) != 0;
}
