-- Keys as tenants (issue 24): each key's own limits, languages, cap of
-- unfinished jobs, daily CPU budget and expiry; its use per UTC day; and
-- the whole POST path (authentication, every check, Idempotency-Key and
-- the insert) in one function, so a submission is one round trip.

-- A NULL setting means "the server's": the httpd directive of the request's
-- scope (CoderunMaxTimeMs, CoderunMaxQueuedPerKey, CoderunDailyCpuSeconds...).
ALTER TABLE coderun.api_keys
    ADD COLUMN max_unfinished    integer CHECK (max_unfinished >= 0),     -- 0 = no cap
    ADD COLUMN max_time_ms       integer CHECK (max_time_ms > 0),
    ADD COLUMN max_memory_mb     integer CHECK (max_memory_mb > 0),
    ADD COLUMN max_output_kb     integer CHECK (max_output_kb > 0),
    ADD COLUMN max_inputs        integer CHECK (max_inputs > 0),
    ADD COLUMN languages         text[],                                  -- NULL = all
    ADD COLUMN daily_cpu_seconds double precision CHECK (daily_cpu_seconds >= 0),  -- 0 = none
    ADD COLUMN expires_at        timestamptz,
    -- Counters kept at insert (trigger below) and at job end (folded from
    -- key_ends by the next submission): the cap is O(1), never a count(*).
    ADD COLUMN unfinished        integer NOT NULL DEFAULT 0,
    ADD COLUMN submitted         bigint  NOT NULL DEFAULT 0;

UPDATE coderun.api_keys k SET
    unfinished = (SELECT count(*) FROM coderun.jobs j
                   WHERE j.key_id = k.id AND j.state IN ('queued', 'running')),
    submitted = (SELECT count(*) FROM coderun.jobs j WHERE j.key_id = k.id);

-- Use per key and UTC day: jobs submitted that day, sandboxed CPU seconds
-- (user and solution runs) of the jobs that ended that day.
CREATE TABLE coderun.key_usage (
    key_id      bigint NOT NULL REFERENCES coderun.api_keys (id),
    day         date   NOT NULL,
    jobs        bigint NOT NULL DEFAULT 0,
    cpu_seconds double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);

-- Job ends not yet folded into api_keys.unfinished and key_usage. Workers
-- only append here: a batch finishing jobs of many keys locks no key row,
-- so two workers' batches can never deadlock on them. The key's next
-- submission (which holds its key row) folds and deletes its rows.
CREATE TABLE coderun.key_ends (
    key_id      bigint NOT NULL,
    day         date   NOT NULL,
    cpu_seconds double precision NOT NULL
);
CREATE INDEX key_ends_key ON coderun.key_ends (key_id);

-- Idempotency-Key: the first job a key's request with that header made,
-- and a digest of what it asked; kept as long as the job is.
CREATE TABLE coderun.idempotency_keys (
    key_id     bigint NOT NULL REFERENCES coderun.api_keys (id),
    idem_key   text   NOT NULL,
    request    bytea  NOT NULL,
    job_id     uuid   NOT NULL REFERENCES coderun.jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_keys_job ON coderun.idempotency_keys (job_id);

CREATE FUNCTION coderun.utc_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'UTC')::date
$$;

-- Submissions, counted per statement (bulk inserts too): one update per key.
CREATE FUNCTION coderun.count_jobs_submitted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH n AS (SELECT key_id, count(*) AS jobs FROM new_jobs GROUP BY key_id),
    k AS (UPDATE coderun.api_keys a SET unfinished = a.unfinished + n.jobs,
                 submitted = a.submitted + n.jobs FROM n WHERE a.id = n.key_id)
    INSERT INTO coderun.key_usage AS u (key_id, day, jobs)
    SELECT key_id, coderun.utc_today(), jobs FROM n
    ON CONFLICT (key_id, day) DO UPDATE SET jobs = u.jobs + EXCLUDED.jobs;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_count_submitted AFTER INSERT ON coderun.jobs
    REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION coderun.count_jobs_submitted();

-- A job's end appends its CPU seconds; fires only on the transition to an
-- end state (the WHEN is checked without calling the function).
CREATE FUNCTION coderun.record_job_end() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO coderun.key_ends VALUES (OLD.key_id, coderun.utc_today(), 0);
        RETURN NULL;
    END IF;
    INSERT INTO coderun.key_ends
    SELECT NEW.key_id, coderun.utc_today(),
           coalesce(sum(coalesce(cpu_ms, 0) + coalesce(solution_cpu_ms, 0)), 0) / 1000
      FROM coderun.cases WHERE job_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_record_end AFTER UPDATE OF state ON coderun.jobs
    FOR EACH ROW WHEN (NEW.state IN ('finished', 'failed')
                       AND OLD.state NOT IN ('finished', 'failed'))
    EXECUTE FUNCTION coderun.record_job_end();
-- An unfinished job deleted (by hand) ends too, without CPU.
CREATE TRIGGER jobs_record_delete AFTER DELETE ON coderun.jobs
    FOR EACH ROW WHEN (OLD.state IN ('queued', 'running'))
    EXECUTE FUNCTION coderun.record_job_end();

-- Each key's use per day with the ends not folded yet: what `key list` and
-- report_keys show.
CREATE VIEW coderun.key_usage_current AS
SELECT key_id, day, sum(jobs) AS jobs, sum(cpu_seconds) AS cpu_seconds FROM (
    SELECT key_id, day, jobs, cpu_seconds FROM coderun.key_usage
    UNION ALL
    SELECT key_id, day, 0, cpu_seconds FROM coderun.key_ends
) u GROUP BY key_id, day;

-- The POST path in one call. Arguments: the token's SHA-256 in hex ('' =
-- no token) or the scope's anonymous key name; the validated request (a
-- limit NULL = not asked, then the default, lowered to the key's maximum);
-- the server's defaults for the key's NULL settings; the Idempotency-Key
-- header ('' = none). One row: outcome ('queued', 'replayed', or the
-- error's code), the field at fault, a message, the job id, and for
-- 'over_budget' the seconds until the next UTC day.
CREATE FUNCTION coderun.submit_job(
    p_digest text, p_anonymous text,
    p_language text, p_mode text, p_code text, p_solution text,
    p_time_ms int, p_memory_mb int, p_output_kb int,
    p_default_time_ms int, p_default_memory_mb int, p_default_output_kb int,
    p_cases jsonb, p_inputs_field text,
    p_server_max_unfinished int, p_server_max_inputs int, p_server_daily_cpu double precision,
    p_idempotency_key text,
    OUT outcome text, OUT field text, OUT message text, OUT job_id text, OUT retry_after int)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k coderun.api_keys;
    request bytea;
    previous record;
    offered record;
    n_cases int := jsonb_array_length(p_cases);
    max_inputs int;
    cap int;
    budget double precision;
    used double precision;
    ended record;
BEGIN
    -- The key row stays locked to the commit: one key's submissions take
    -- turns, so its counters, budget and Idempotency-Keys need no retry.
    IF p_digest <> '' THEN
        SELECT * INTO k FROM coderun.api_keys
         WHERE digest = decode(p_digest, 'hex') FOR NO KEY UPDATE;
    ELSIF p_anonymous <> '' THEN
        SELECT * INTO k FROM coderun.api_keys
         WHERE name = p_anonymous AND revoked_at IS NULL FOR NO KEY UPDATE;
    END IF;
    IF k.id IS NULL OR k.revoked_at IS NOT NULL THEN
        outcome := 'unauthorized';
        message := CASE WHEN p_digest <> '' THEN 'The API key is not valid.'
                   ELSE 'An API key is required (x-api-key or Authorization: Bearer).' END;
        RETURN;
    END IF;
    IF k.expires_at <= now() THEN
        outcome := 'unauthorized';
        message := format('The API key expired at %s.', coderun.rfc3339(k.expires_at));
        RETURN;
    END IF;

    IF p_idempotency_key <> '' THEN
        request := sha256(convert_to(concat_ws(chr(31), p_language, p_mode, p_code, p_solution,
                   p_time_ms, p_memory_mb, p_output_kb, p_cases::text), 'UTF8'));
        SELECT i.request, i.job_id INTO previous FROM coderun.idempotency_keys i
         WHERE i.key_id = k.id AND i.idem_key = p_idempotency_key;
        IF FOUND THEN
            IF previous.request <> request THEN
                outcome := 'idempotency_conflict';
                field := 'Idempotency-Key';
                message := 'This Idempotency-Key was used with a different request.';
            ELSE
                outcome := 'replayed';
                job_id := previous.job_id::text;
            END IF;
            RETURN;
        END IF;
    END IF;

    SELECT coalesce(string_agg(name, ', ' ORDER BY name)
                    FILTER (WHERE k.languages IS NULL OR name = ANY (k.languages)), '') AS known,
           coalesce(bool_or(name = p_language), false) AS is_known,
           coalesce(bool_or(name = p_language AND p_mode = ANY (modes)), false) AS has_mode
      INTO offered FROM coderun.languages_offered;
    IF NOT offered.is_known THEN
        outcome := 'unknown_language'; field := 'language';
        message := format('Unknown language "%s"; known: %s.', p_language, offered.known);
        RETURN;
    END IF;
    IF k.languages IS NOT NULL AND NOT p_language = ANY (k.languages) THEN
        outcome := 'language_not_allowed'; field := 'language';
        message := format('This key may not use language "%s"; it may use: %s.',
                          p_language, offered.known);
        RETURN;
    END IF;
    IF NOT offered.has_mode THEN
        outcome := 'unsupported_mode'; field := 'language';
        message := format('Language "%s" does not support %s mode.', p_language, p_mode);
        RETURN;
    END IF;

    max_inputs := least(k.max_inputs, p_server_max_inputs);
    IF n_cases > max_inputs THEN
        outcome := 'too_many_inputs'; field := p_inputs_field;
        message := format('At most %s %s are allowed for this key.', max_inputs, p_inputs_field);
        RETURN;
    END IF;
    field := CASE WHEN p_time_ms > k.max_time_ms THEN 'limits.time_ms'
                  WHEN p_memory_mb > k.max_memory_mb THEN 'limits.memory_mb'
                  WHEN p_output_kb > k.max_output_kb THEN 'limits.output_kb' END;
    IF field IS NOT NULL THEN
        outcome := 'limit_too_high';
        message := format('%s is over this key''s maximum of %s.', field,
                          CASE field WHEN 'limits.time_ms' THEN k.max_time_ms
                                     WHEN 'limits.memory_mb' THEN k.max_memory_mb
                                     ELSE k.max_output_kb END);
        RETURN;
    END IF;

    -- Fold the key's job ends: its unfinished count and its CPU per day.
    WITH gone AS (DELETE FROM coderun.key_ends e WHERE e.key_id = k.id
                  RETURNING e.day, e.cpu_seconds),
    per_day AS (SELECT day, count(*) AS n, sum(cpu_seconds) AS cpu FROM gone GROUP BY day),
    folded AS (INSERT INTO coderun.key_usage AS u (key_id, day, cpu_seconds)
               SELECT k.id, day, cpu FROM per_day
               ON CONFLICT (key_id, day) DO UPDATE SET cpu_seconds = u.cpu_seconds + EXCLUDED.cpu_seconds)
    SELECT coalesce(sum(n), 0)::int AS n INTO ended FROM per_day;
    IF ended.n > 0 THEN
        UPDATE coderun.api_keys SET unfinished = unfinished - ended.n WHERE id = k.id
        RETURNING unfinished INTO k.unfinished;
    END IF;

    budget := coalesce(k.daily_cpu_seconds, p_server_daily_cpu);
    IF budget > 0 THEN
        SELECT cpu_seconds INTO used FROM coderun.key_usage
         WHERE key_id = k.id AND day = coderun.utc_today();
        IF coalesce(used, 0) >= budget THEN
            outcome := 'over_budget';
            retry_after := ceil(extract(epoch FROM (coderun.utc_today() + 1)
                                        - (now() AT TIME ZONE 'UTC')))::int;
            message := format('This key has used its daily CPU budget (%s of %s s of sandboxed'
                              ' CPU today); it renews at 00:00 UTC.',
                              round(used::numeric, 3), budget);
            RETURN;
        END IF;
    END IF;
    cap := coalesce(k.max_unfinished, p_server_max_unfinished);
    IF cap > 0 AND k.unfinished >= cap THEN
        outcome := 'too_many_jobs';
        message := format('This key already has %s unfinished jobs.', cap);
        RETURN;
    END IF;

    INSERT INTO coderun.jobs (key_id, language, mode, code, solution_code,
                              time_ms, memory_mb, output_kb)
    VALUES (k.id, p_language, p_mode, p_code, NULLIF(p_solution, ''),
            coalesce(p_time_ms, least(p_default_time_ms, k.max_time_ms)),
            coalesce(p_memory_mb, least(p_default_memory_mb, k.max_memory_mb)),
            coalesce(p_output_kb, least(p_default_output_kb, k.max_output_kb)))
    RETURNING id::text INTO job_id;
    INSERT INTO coderun.cases (job_id, idx, input, case_key)
    SELECT job_id::uuid, t.ord - 1, t.tc->>'input', t.tc->'id'
      FROM jsonb_array_elements(p_cases) WITH ORDINALITY AS t(tc, ord);
    IF p_idempotency_key <> '' THEN
        INSERT INTO coderun.idempotency_keys VALUES (k.id, p_idempotency_key, request, job_id::uuid);
    END IF;
    IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
        UPDATE coderun.api_keys SET last_used_at = now() WHERE id = k.id;
    END IF;
    outcome := 'queued';
END $$;

REVOKE ALL ON FUNCTION coderun.submit_job FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coderun.submit_job TO coderun_api;
GRANT EXECUTE ON FUNCTION coderun.utc_today() TO coderun_api, coderun_worker;

-- /metrics: total_executions and in_progress count at submission, as the
-- Code Runner did (submitted jobs; unfinished ones); running is what
-- in_progress meant before; success, failure and duration are the Code
-- Runner's names for succeeded, failed and the mean job duration.
CREATE OR REPLACE FUNCTION coderun.metrics_json() RETURNS json LANGUAGE sql STABLE AS $$
WITH totals AS (
    SELECT name, language, sum(value) AS value FROM coderun.counters GROUP BY name, language
), hour AS (
    SELECT execution_time AS t FROM coderun.jobs
     WHERE finished_at > now() - interval '1 hour' AND execution_time IS NOT NULL
), ended AS (
    SELECT coalesce(sum(value) FILTER (WHERE name = 'jobs_finished'), 0) AS succeeded,
           coalesce(sum(value) FILTER (WHERE name = 'jobs_failed'), 0) AS failed,
           coalesce(sum(value) FILTER (WHERE name = 'duration_seconds_sum'), 0) AS duration_sum,
           coalesce(sum(value) FILTER (WHERE name = 'duration_seconds_count'), 0) AS duration_count
      FROM totals
), keys AS (
    SELECT coalesce(sum(submitted), 0) AS submitted,
           coalesce(sum(unfinished), 0) - (SELECT count(*) FROM coderun.key_ends) AS unfinished
      FROM coderun.api_keys
)
SELECT json_build_object(
    'queued', (SELECT count(*) FROM coderun.jobs WHERE state = 'queued'),
    'running', (SELECT count(*) FROM coderun.jobs WHERE state = 'running'),
    'in_progress', (SELECT unfinished FROM keys),
    'oldest_queued_age_seconds', coalesce((SELECT extract(epoch FROM now() - created_at)
        FROM coderun.jobs WHERE state = 'queued' ORDER BY priority, seq LIMIT 1), 0),
    'total_executions', (SELECT submitted FROM keys),
    'succeeded', (SELECT succeeded FROM ended),
    'failed', (SELECT failed FROM ended),
    'success', (SELECT succeeded FROM ended),
    'failure', (SELECT failed FROM ended),
    'duration', (SELECT CASE WHEN duration_count > 0 THEN duration_sum / duration_count ELSE 0 END
                   FROM ended),
    'cases', (SELECT coalesce(json_object_agg(verdict, n), '{}') FROM (
        SELECT substr(name, 7) AS verdict, sum(value) AS n FROM totals
         WHERE name LIKE 'cases\_%' GROUP BY 1) v),
    'languages', (SELECT coalesce(json_object_agg(language, n), '{}') FROM (
        SELECT language, sum(value) AS n FROM totals
         WHERE name IN ('jobs_finished', 'jobs_failed') GROUP BY 1) l),
    'duration_seconds', (SELECT json_build_object(
        'sum', coalesce(sum(t), 0), 'avg', coalesce(avg(t), 0),
        'p50', coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY t), 0),
        'p95', coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY t), 0),
        'count', count(*)) FROM hour),
    'duration_histogram', json_build_object(
        'buckets', (SELECT json_agg(json_build_object('le', le, 'count',
            (SELECT coalesce(sum(value), 0) FROM totals
              WHERE name = 'duration_bucket_' || le)) ORDER BY le)
            FROM unnest(coderun.duration_buckets()) AS le),
        'sum', (SELECT duration_sum FROM ended),
        'count', (SELECT duration_count FROM ended)),
    'workers', (SELECT json_build_object('alive', count(*), 'slots', coalesce(sum(slots), 0),
        'busy_slots', coalesce(sum(busy), 0)) FROM coderun.workers
         WHERE heartbeat_at > now() - interval '30 seconds'))
$$;
GRANT SELECT ON coderun.key_ends TO coderun_api;

-- report_keys: the same columns, then the key's CPU seconds that day and its
-- own daily budget (NULL: the server's CoderunDailyCpuSeconds).
-- From job_facts (sql/009): rollups for rolled-up days, so purged days stay.
CREATE OR REPLACE VIEW coderun.report_keys AS
SELECT k.name AS key_name,
       j.day,
       sum(j.jobs)::bigint                          AS jobs,
       sum(j.failed)::bigint                        AS failed,
       sum(j.execution_seconds)                     AS execution_seconds,
       u.cpu_seconds,
       k.daily_cpu_seconds                          AS daily_cpu_budget_seconds
  FROM coderun.job_facts j JOIN coderun.api_keys k ON k.id = j.key_id
  LEFT JOIN coderun.key_usage_current u ON u.key_id = k.id AND u.day = j.day
 GROUP BY k.id, k.name, j.day, u.cpu_seconds;
