#include <string.h>
#include <stddef.h>
#include "statements.h"

const struct statement coderun_statements[] = {
    /* The key by the token's digest, or (digest '') by the scope's anonymous
     * key's name; an expired key is no key. Its last use is written at most
     * once a minute, in the same round trip, so `sandboxd key list` can show
     * it at no per-request cost. */
    { SQL_AUTH,
      "WITH k AS (SELECT id, digest, last_used_at FROM coderun.api_keys"
      " WHERE (digest = decode(%s, 'hex') OR (%s = '' AND name = %s))"
      " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),"
      " u AS (UPDATE coderun.api_keys a SET last_used_at = now() FROM k"
      " WHERE a.id = k.id AND (k.last_used_at IS NULL"
      " OR k.last_used_at < now() - interval '1 minute'))"
      " SELECT id::text, encode(digest, 'hex') FROM k" },
    /* POST /run and /execute-problem in one round trip: authentication,
     * the key's limits, languages, budget and cap, Idempotency-Key and the
     * insert of the job and its cases (sql/010_tenants.sql). */
    { SQL_SUBMIT,
      "SELECT outcome, coalesce(field, ''), coalesce(message, ''), coalesce(job_id, ''),"
      " coalesce(retry_after, 0)::text FROM coderun.submit_job(%s, %s, %s, %s, %s, %s,"
      " NULLIF(%s, '')::int, NULLIF(%s, '')::int, NULLIF(%s, '')::int,"
      " %s::int, %s::int, %s::int, %s::jsonb, %s, %s::int, %s::int, %s::float8, %s)" },
    { SQL_JOB,
      "SELECT id::text, state, language, mode, coderun.rfc3339(created_at),"
      " coalesce(coderun.rfc3339(started_at), ''),"
      " coalesce(coderun.rfc3339(finished_at), ''),"
      " coalesce(round(execution_time::numeric, 6)::float8::text, ''),"
      " coalesce(compile_status, ''), compile_output, error"
      " FROM coderun.jobs WHERE id = %s::uuid AND key_id = %s::bigint" },
    { SQL_CASES,
      "SELECT idx::text, input, coalesce(output, ''), coalesce(verdict, ''),"
      " coalesce(error, ''), coalesce(exit_code::text, ''),"
      " coalesce(signal::text, ''), coalesce(round(cpu_ms::numeric, 3)::float8::text, ''),"
      " coalesce(round(wall_ms::numeric, 3)::float8::text, ''),"
      " coalesce(memory_kb::text, ''), coalesce(output_truncated, false)::text"
      /* cases.idx: a bare idx would sort by the idx::text output column */
      " FROM coderun.cases WHERE job_id = %s::uuid ORDER BY cases.idx" },
    { SQL_PROBLEM_CASES,
      "SELECT coalesce(case_key::text, 'null'), input, coalesce(output, ''),"
      " coalesce(verdict, ''), coalesce(error, ''),"
      " coalesce(round((wall_ms / 1000)::numeric, 6)::float8::text, ''),"
      " coalesce(round((memory_kb / 1024.0)::numeric, 3)::float8::text, ''),"
      " coalesce(solution_output, ''), coalesce(solution_verdict, ''),"
      " coalesce(solution_error, ''),"
      " coalesce(round((solution_wall_ms / 1000)::numeric, 6)::float8::text, ''),"
      " coalesce(round((solution_memory_kb / 1024.0)::numeric, 3)::float8::text, ''),"
      " coalesce(passed::text, '')"
      " FROM coderun.cases WHERE job_id = %s::uuid ORDER BY idx" },
    { SQL_HEALTH,
      "SELECT count(*)::text, coalesce(json_agg(json_build_object('worker', name,"
      " 'mode', sandbox_mode, 'slots', slots, 'busy', busy) ORDER BY name), '[]')::text"
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
