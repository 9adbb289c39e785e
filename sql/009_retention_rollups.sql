-- Retention and daily rollups (issue 23). Once every job of a past UTC day
-- has ended, the day is rolled up from its raw rows into small tables: per
-- day, key, language and mode (jobs) or verdict (cases), counts and sums;
-- per day and language, fixed log-scale histograms of latency, CPU, wall
-- and memory. The reporting views read the rollups for rolled-up days and
-- the raw rows for the others, so they answer the same before and after a
-- purge deletes a rolled-up day's jobs and cases (retention_days,
-- `sandboxd purge`). Nothing is added to the path that ends a job: the
-- rollup reads a finished day once, the purge deletes in small batches.

-- Settings the workers publish for the module: retention_days, so a
-- purged job's /result can say how long results are kept.
CREATE TABLE coderun.settings (
    name       text        PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Days the rollup has looked at. rolled_at: the day's figures are in the
-- rollup tables and its raw rows count no more in reports; NULL: a job of
-- the day was still queued or running, the day is tried again later.
CREATE TABLE coderun.rollup_days (
    day       date PRIMARY KEY,
    rolled_at timestamptz
);

CREATE TABLE coderun.rollup_jobs (
    day               date    NOT NULL,
    key_id            bigint  NOT NULL REFERENCES coderun.api_keys (id),
    language          text    NOT NULL,
    mode              text    NOT NULL,
    jobs              bigint  NOT NULL,
    finished          bigint  NOT NULL,
    failed            bigint  NOT NULL,
    execution_seconds double precision,  -- sum; NULL when no job had one
    latency_seconds   numeric,           -- sum of finished_at - created_at
    latency_jobs      bigint  NOT NULL,  -- jobs with a finished_at
    PRIMARY KEY (day, key_id, language, mode)
);

-- Inputs with a verdict.
CREATE TABLE coderun.rollup_cases (
    day       date    NOT NULL,
    key_id    bigint  NOT NULL REFERENCES coderun.api_keys (id),
    language  text    NOT NULL,
    mode      text    NOT NULL,
    verdict   text    NOT NULL,
    cases     bigint  NOT NULL,
    cpu_ms    double precision,  -- sums
    wall_ms   double precision,
    memory_kb numeric,
    PRIMARY KEY (day, key_id, language, mode, verdict)
);

-- Histograms at the grain of the percentile views: merging per-key
-- histograms on every read would cost more than the views may take.
CREATE TABLE coderun.rollup_hist (
    day             date    NOT NULL,
    language        text    NOT NULL,
    latency_seconds integer[] NOT NULL,  -- jobs with a finished_at
    cpu_ms          integer[] NOT NULL,  -- inputs with a verdict
    wall_ms         integer[] NOT NULL,
    memory_kb       integer[] NOT NULL,
    PRIMARY KEY (day, language)
);

-- ------------------------------------------------------------ histograms
-- Bucket i counts the values in [1.1^i, 1.1^(i+1)); values below 0.001
-- count in the bucket of 0.001. A histogram is an integer array indexed
-- by bucket (its lower bound is its first bucket; NULL elements are 0).
-- A bucket stands for 2.2/2.1 x 1.1^i, within 4.8 % of any value in it; a
-- percentile interpolates those as percentile_cont interpolates values,
-- so it is within 4.8 % of the exact one (or 0.001 for values near 0).
CREATE FUNCTION coderun.hist_bucket(v double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(ln(greatest(v, 0.001)) / ln(1.1))::integer
$$;

CREATE FUNCTION coderun.hist_add(h integer[], bucket integer, n bigint) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    h[bucket] := coalesce(h[bucket], 0) + n;
    RETURN h;
END $$;

-- hist(bucket, count): a histogram of pre-counted buckets.
CREATE AGGREGATE coderun.hist(integer, bigint) (
    SFUNC = coderun.hist_add, STYPE = integer[], INITCOND = '{}');

CREATE FUNCTION coderun.hist_merge_add(h integer[], other integer[]) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    FOR i IN coalesce(array_lower(other, 1), 1) .. coalesce(array_upper(other, 1), 0) LOOP
        h := coderun.hist_add(h, i, coalesce(other[i], 0));
    END LOOP;
    RETURN h;
END $$;

-- hist_merge(histogram): the sum of histograms (a month of days).
CREATE AGGREGATE coderun.hist_merge(integer[]) (
    SFUNC = coderun.hist_merge_add, STYPE = integer[], INITCOND = '{}');

-- The p-th percentile (0..1) as percentile_cont would answer it, from the
-- buckets of the two ranks it interpolates between; NULL when empty.
-- FOREACH, not h[i]: a subscript walks the array again on every access.
CREATE FUNCTION coderun.hist_percentile(h integer[], p double precision)
    RETURNS double precision LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    total bigint := 0;
    seen bigint := 0;
    rank_lo bigint;
    frac double precision;
    bucket integer := array_lower(h, 1);
    lo integer;
    hi integer;
    n integer;
BEGIN
    FOREACH n IN ARRAY h LOOP
        total := total + coalesce(n, 0);
    END LOOP;
    IF total = 0 THEN
        RETURN NULL;
    END IF;
    rank_lo := floor(p * (total - 1));
    frac := p * (total - 1) - rank_lo;
    FOREACH n IN ARRAY h LOOP
        seen := seen + coalesce(n, 0);
        IF lo IS NULL AND seen > rank_lo THEN
            lo := bucket;
        END IF;
        IF seen > least(rank_lo + 1, total - 1) THEN
            hi := bucket;
            EXIT;
        END IF;
        bucket := bucket + 1;
    END LOOP;
    RETURN 2.2 / 2.1 * (power(1.1::float8, lo) + frac * (power(1.1::float8, hi) - power(1.1::float8, lo)));
END $$;

-- ------------------------------------------------------------ rolling up

-- One maintainer at a time (worker or `sandboxd purge`): WAIT blocks for
-- the lock, else false when another holds it. Held to the transaction's end.
CREATE FUNCTION coderun.maintenance_lock(wait boolean) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(7164203942);
        RETURN true;
    END IF;
    RETURN pg_try_advisory_xact_lock(7164203942);
END $$;

-- Writes day D's rollup rows from its raw rows (all of them ended). A
-- day's jobs find their cases through the primary key: a hash join would
-- read every case of every day (the planner takes it while cases fit in
-- memory: 0.5 s a day at a million cases, 0.03 s by key).
CREATE FUNCTION coderun.rollup_write(d date) RETURNS void LANGUAGE sql
    SET enable_hashjoin = off SET enable_mergejoin = off AS $$
INSERT INTO coderun.rollup_jobs
SELECT d, key_id, language, mode, count(*), count(*) FILTER (WHERE state = 'finished'),
       count(*) FILTER (WHERE state = 'failed'), sum(execution_time),
       sum(extract(epoch FROM finished_at - created_at)), count(finished_at)
  FROM coderun.jobs WHERE (created_at AT TIME ZONE 'UTC')::date = d
 GROUP BY key_id, language, mode;

INSERT INTO coderun.rollup_cases
SELECT d, j.key_id, j.language, j.mode, c.verdict, count(*), sum(c.cpu_ms), sum(c.wall_ms), sum(c.memory_kb)
  FROM coderun.cases c JOIN coderun.jobs j ON j.id = c.job_id
 WHERE (j.created_at AT TIME ZONE 'UTC')::date = d AND c.verdict IS NOT NULL
 GROUP BY j.key_id, j.language, j.mode, c.verdict;

INSERT INTO coderun.rollup_hist
WITH day_jobs AS (
    SELECT id, language, finished_at, created_at FROM coderun.jobs
     WHERE (created_at AT TIME ZONE 'UTC')::date = d
), metric AS (
    SELECT language, 'latency' AS name, extract(epoch FROM finished_at - created_at)::float8 AS v
      FROM day_jobs WHERE finished_at IS NOT NULL
    UNION ALL
    SELECT j.language, m.name, m.v
      FROM day_jobs j JOIN coderun.cases c ON c.job_id = j.id,
           LATERAL (VALUES ('cpu', c.cpu_ms), ('wall', c.wall_ms), ('memory', c.memory_kb::float8)) AS m(name, v)
     WHERE c.verdict IS NOT NULL AND m.v IS NOT NULL
), buckets AS (
    SELECT language, name, coderun.hist_bucket(v) AS bucket, count(*) AS n FROM metric GROUP BY 1, 2, 3
)
SELECT d, l.language,
       coderun.hist(b.bucket, b.n) FILTER (WHERE b.name = 'latency'),
       coderun.hist(b.bucket, b.n) FILTER (WHERE b.name = 'cpu'),
       coderun.hist(b.bucket, b.n) FILTER (WHERE b.name = 'wall'),
       coderun.hist(b.bucket, b.n) FILTER (WHERE b.name = 'memory')
  FROM (SELECT DISTINCT language FROM day_jobs) l LEFT JOIN buckets b ON b.language = l.language
 GROUP BY l.language;

INSERT INTO coderun.rollup_days (day, rolled_at) VALUES (d, now())
    ON CONFLICT (day) DO UPDATE SET rolled_at = EXCLUDED.rolled_at;
$$;

-- Rolls up the earliest day that is due and returns it; NULL when none is
-- (or, WAIT false, when another maintainer holds the lock). A day is due
-- an hour after its UTC end (no insert of it is still in flight) once
-- none of its jobs is queued or running; a day with one is noted and
-- tried again on later calls.
CREATE FUNCTION coderun.rollup_next(wait boolean) RETURNS date
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    due_before date := ((now() - interval '1 hour') AT TIME ZONE 'UTC')::date;
    d date;
BEGIN
    IF NOT coderun.maintenance_lock(wait) THEN
        RETURN NULL;
    END IF;
    FOR d IN SELECT day FROM coderun.rollup_days WHERE rolled_at IS NULL AND day < due_before ORDER BY day LOOP
        IF NOT EXISTS (SELECT 1 FROM coderun.jobs WHERE state IN ('queued', 'running')
                          AND (created_at AT TIME ZONE 'UTC')::date = d) THEN
            PERFORM coderun.rollup_write(d);
            RETURN d;
        END IF;
    END LOOP;
    LOOP
        SELECT min((created_at AT TIME ZONE 'UTC')::date) INTO d FROM coderun.jobs
         WHERE (created_at AT TIME ZONE 'UTC')::date > coderun.rollup_through()
           AND (created_at AT TIME ZONE 'UTC')::date < due_before;
        IF d IS NULL THEN
            RETURN NULL;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM coderun.jobs WHERE state IN ('queued', 'running')
                          AND (created_at AT TIME ZONE 'UTC')::date = d) THEN
            PERFORM coderun.rollup_write(d);
            RETURN d;
        END IF;
        INSERT INTO coderun.rollup_days (day) VALUES (d);
    END LOOP;
END $$;

-- ------------------------------------------------------------ purging

-- Deletes up to MAX_JOBS ended jobs created before CUT on rolled-up days,
-- with their cases; jobs and cases are what it removed (both 0 when
-- nothing is left, both NULL when WAIT is false and another maintainer
-- holds the lock). Rows are taken SKIP LOCKED: no wait on a job anyone holds.
CREATE FUNCTION coderun.purge_batch(cut timestamptz, max_jobs integer, wait boolean,
                                    OUT jobs bigint, OUT cases bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT coderun.maintenance_lock(wait) THEN
        RETURN;
    END IF;
    WITH victim AS (
        SELECT j.id FROM coderun.rollup_days r
          JOIN coderun.jobs j ON (j.created_at AT TIME ZONE 'UTC')::date = r.day
         WHERE r.rolled_at IS NOT NULL AND r.day <= (cut AT TIME ZONE 'UTC')::date
           AND j.created_at < cut AND j.state IN ('finished', 'failed')
         LIMIT max_jobs FOR UPDATE OF j SKIP LOCKED
    ), gone_cases AS (
        DELETE FROM coderun.cases WHERE job_id IN (SELECT id FROM victim) RETURNING 1
    ), gone_jobs AS (
        DELETE FROM coderun.jobs WHERE id IN (SELECT id FROM victim) RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone_jobs), (SELECT count(*) FROM gone_cases) INTO jobs, cases;
END $$;

REVOKE EXECUTE ON FUNCTION coderun.rollup_next(boolean), coderun.rollup_write(date),
       coderun.purge_batch(timestamptz, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coderun.rollup_next(boolean),
      coderun.purge_batch(timestamptz, integer, boolean) TO coderun_worker;
GRANT SELECT, INSERT, UPDATE ON coderun.settings TO coderun_worker;
GRANT SELECT ON coderun.settings TO coderun_api;

-- ------------------------------------------------------------ the views

-- The last day the rollup has looked at. A function rather than a
-- subquery: the planner evaluates it when it estimates, so it expects the
-- rows of a day or two after it (not a third of jobs, which made it hash
-- every case and JIT-compile the report views).
CREATE FUNCTION coderun.rollup_through() RETURNS date
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT max(day) FROM coderun.rollup_days), '-infinity');
END $$;

-- The raw rows that still count in reports: jobs of the days after the
-- last day the rollup looked at, and of the days it had to leave.
CREATE VIEW coderun.jobs_unrolled AS
SELECT j.id, j.key_id, j.language, j.mode, j.state, j.created_at, j.finished_at, j.execution_time,
       (j.created_at AT TIME ZONE 'UTC')::date AS day
  FROM coderun.jobs j
 WHERE (j.created_at AT TIME ZONE 'UTC')::date > coderun.rollup_through()
UNION ALL
SELECT j.id, j.key_id, j.language, j.mode, j.state, j.created_at, j.finished_at, j.execution_time,
       (j.created_at AT TIME ZONE 'UTC')::date
  FROM coderun.jobs j
 WHERE (j.created_at AT TIME ZONE 'UTC')::date IN (SELECT day FROM coderun.rollup_days WHERE rolled_at IS NULL);

-- Jobs per day, key, language and mode: rollup rows and raw rows (one a job).
CREATE VIEW coderun.job_facts AS
SELECT day, key_id, language, mode, jobs, finished, failed, execution_seconds, latency_seconds, latency_jobs
  FROM coderun.rollup_jobs
UNION ALL
SELECT day, key_id, language, mode, 1, (state = 'finished')::integer, (state = 'failed')::integer,
       execution_time, extract(epoch FROM finished_at - created_at), (finished_at IS NOT NULL)::integer
  FROM coderun.jobs_unrolled;

-- Inputs with a verdict per day, key, language, mode and verdict.
CREATE VIEW coderun.case_facts AS
SELECT day, key_id, language, mode, verdict, cases, cpu_ms, wall_ms, memory_kb FROM coderun.rollup_cases
UNION ALL
SELECT j.day, j.key_id, j.language, j.mode, c.verdict, 1, c.cpu_ms, c.wall_ms, c.memory_kb
  FROM coderun.cases c JOIN coderun.jobs_unrolled j ON j.id = c.job_id
 WHERE c.verdict IS NOT NULL;

-- The report views keep their columns (and types): their readers see no change.
CREATE OR REPLACE VIEW coderun.report_daily AS
SELECT day, language,
       sum(jobs)::bigint                                AS jobs,
       sum(finished)::bigint                            AS finished,
       sum(failed)::bigint                              AS failed,
       sum(execution_seconds)                           AS execution_seconds,
       sum(latency_seconds) / nullif(sum(latency_jobs), 0) AS avg_latency_seconds
  FROM coderun.job_facts
 GROUP BY 1, 2;

-- report_keys reads job_facts too: sql/010 defines it (with the keys' CPU use).

CREATE OR REPLACE VIEW coderun.report_verdicts AS
SELECT day, language, verdict, sum(cases)::bigint AS cases
  FROM coderun.case_facts
 GROUP BY 1, 2, 3;

-- Rolled-up days from their histograms (within 4.8 %), the others exact.
CREATE OR REPLACE VIEW coderun.report_case_percentiles AS
SELECT c.day, c.language, c.cases,
       coderun.hist_percentile(h.cpu_ms, 0.5)     AS cpu_ms_p50,
       coderun.hist_percentile(h.cpu_ms, 0.95)    AS cpu_ms_p95,
       coderun.hist_percentile(h.wall_ms, 0.5)    AS wall_ms_p50,
       coderun.hist_percentile(h.wall_ms, 0.95)   AS wall_ms_p95,
       coderun.hist_percentile(h.memory_kb, 0.5)  AS memory_kb_p50,
       coderun.hist_percentile(h.memory_kb, 0.95) AS memory_kb_p95
  FROM (SELECT day, language, sum(cases)::bigint AS cases FROM coderun.rollup_cases GROUP BY 1, 2) c
  JOIN coderun.rollup_hist h ON h.day = c.day AND h.language = c.language
UNION ALL
SELECT j.day, j.language,
       count(*),
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.cpu_ms),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.cpu_ms),
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.wall_ms),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.wall_ms),
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.memory_kb),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.memory_kb)
  FROM coderun.cases c JOIN coderun.jobs_unrolled j ON j.id = c.job_id
 WHERE c.verdict IS NOT NULL
 GROUP BY 1, 2;

CREATE OR REPLACE VIEW coderun.report_latency AS
SELECT day, language,
       coderun.hist_percentile(latency_seconds, 0.5)  AS p50_seconds,
       coderun.hist_percentile(latency_seconds, 0.95) AS p95_seconds,
       coderun.hist_percentile(latency_seconds, 0.99) AS p99_seconds
  FROM coderun.rollup_hist
 WHERE cardinality(latency_seconds) > 0
UNION ALL
SELECT day, language,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))
  FROM coderun.jobs_unrolled
 WHERE finished_at IS NOT NULL
 GROUP BY 1, 2;
