-- The request pipeline (issue 21).
--
-- rfc3339() was declared IMMUTABLE around to_char(), which is STABLE: a
-- body more volatile than its declaration is never inlined, so every call
-- ran the SQL-function executor (re-planned per call). STABLE is what it
-- is, and lets the planner inline it into the module's reads.
ALTER FUNCTION coderun.rfc3339(timestamptz) STABLE;

-- Job-end counters move in the statements that end jobs (sandboxd's
-- finish, release and rescue), not in a trigger on every UPDATE of jobs:
-- the statement trigger of 006 captured old and new rows (code included)
-- for claims and heartbeats too. What each ended job adds is here, once;
-- the statements sum it per (worker, language, name) and upsert.
DROP TRIGGER jobs_count_end ON coderun.jobs;
DROP FUNCTION coderun.count_jobs_end();

-- The counter deltas of one ended job: its state, its execution time (NULL
-- when it never ran to the end) and the verdicts of its cases.
CREATE FUNCTION coderun.job_end_deltas(state text, execution_time double precision,
                                       verdicts text[])
    RETURNS TABLE (name text, value double precision)
    LANGUAGE sql IMMUTABLE AS $$
    SELECT 'jobs_' || state, 1::double precision
    UNION ALL
    SELECT 'cases_' || v, count(*) FROM unnest(verdicts) AS v WHERE v IS NOT NULL GROUP BY v
    UNION ALL
    SELECT 'duration_seconds_sum', execution_time WHERE execution_time IS NOT NULL
    UNION ALL
    SELECT 'duration_seconds_count', 1 WHERE execution_time IS NOT NULL
    UNION ALL
    SELECT 'duration_bucket_' || le, 1 FROM unnest(coderun.duration_buckets()) AS le
     WHERE execution_time <= le
$$;
GRANT EXECUTE ON FUNCTION coderun.job_end_deltas(text, double precision, text[]) TO coderun_worker;
