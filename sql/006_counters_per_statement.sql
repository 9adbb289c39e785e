-- Job-end counters once per statement instead of once per job: sandboxd
-- ends a batch of jobs in one UPDATE, and the row trigger of 003 upserted
-- the same counter rows once for every job of it (a dozen upserts a job,
-- each a new version of a row the batch keeps updating). The same deltas,
-- summed over the statement's ended jobs, one upsert per counter row.
DROP TRIGGER jobs_count_end ON coderun.jobs;
DROP FUNCTION coderun.count_job_end();

CREATE FUNCTION coderun.count_jobs_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH ended AS (
        SELECT coalesce(n.worker, '') AS worker, n.id, n.language, n.state, n.execution_time
          FROM new_jobs n JOIN old_jobs o ON o.id = n.id
         WHERE n.state IN ('finished', 'failed') AND o.state <> n.state)
    INSERT INTO coderun.counters AS c (worker, language, name, value)
    SELECT worker, language, n, sum(v) FROM (
        SELECT worker, language, 'jobs_' || state AS n, 1::double precision AS v FROM ended
        UNION ALL
        SELECT e.worker, e.language, 'cases_' || k.verdict, 1 FROM ended e
          JOIN coderun.cases k ON k.job_id = e.id WHERE k.verdict IS NOT NULL
        UNION ALL
        SELECT worker, language, 'duration_seconds_sum', execution_time FROM ended
         WHERE execution_time IS NOT NULL
        UNION ALL
        SELECT worker, language, 'duration_seconds_count', 1 FROM ended
         WHERE execution_time IS NOT NULL
        UNION ALL
        SELECT worker, language, 'duration_bucket_' || le, 1
          FROM ended, unnest(coderun.duration_buckets()) AS le
         WHERE execution_time IS NOT NULL AND execution_time <= le
    ) AS deltas
    GROUP BY worker, language, n
    ON CONFLICT (worker, language, name) DO UPDATE SET value = c.value + EXCLUDED.value;
    RETURN NULL;
END $$;
-- Transition tables rule out a column list (UPDATE OF state): the function
-- picks the rows whose state changed itself.
CREATE TRIGGER jobs_count_end AFTER UPDATE ON coderun.jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION coderun.count_jobs_end();
