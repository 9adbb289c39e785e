-- Metrics: counters kept in the transaction that ends a job, so reading
-- them is O(workers x languages), never a count(*) over history. A row per
-- (worker, language, name): workers never queue on one hot counter row.
CREATE TABLE coderun.counters (
    worker   text             NOT NULL,
    language text             NOT NULL,
    name     text             NOT NULL,  -- jobs_finished, cases_ok, duration_bucket_0.5, ...
    value    double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (worker, language, name)
);

-- Upper bounds (seconds) of the job duration histogram.
CREATE FUNCTION coderun.duration_buckets() RETURNS double precision[]
    LANGUAGE sql IMMUTABLE AS $$ SELECT '{0.05,0.1,0.25,0.5,1,2.5,5,10,30,60}'::double precision[] $$;

CREATE FUNCTION coderun.count_job_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coderun.counters AS c (worker, language, name, value)
    SELECT coalesce(NEW.worker, ''), NEW.language, n, v FROM (
        SELECT 'jobs_' || NEW.state AS n, 1::double precision AS v
        UNION ALL
        SELECT 'cases_' || verdict, count(*) FROM coderun.cases
         WHERE job_id = NEW.id AND verdict IS NOT NULL GROUP BY verdict
        UNION ALL
        SELECT 'duration_seconds_sum', NEW.execution_time WHERE NEW.execution_time IS NOT NULL
        UNION ALL
        SELECT 'duration_seconds_count', 1 WHERE NEW.execution_time IS NOT NULL
        UNION ALL
        SELECT 'duration_bucket_' || le, 1 FROM unnest(coderun.duration_buckets()) AS le
         WHERE NEW.execution_time IS NOT NULL AND NEW.execution_time <= le
    ) AS deltas
    ON CONFLICT (worker, language, name) DO UPDATE SET value = c.value + EXCLUDED.value;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_count_end AFTER UPDATE OF state ON coderun.jobs
    FOR EACH ROW WHEN (NEW.state IN ('finished', 'failed') AND OLD.state <> NEW.state)
    EXECUTE FUNCTION coderun.count_job_end();

-- The last hour's percentiles read jobs by finish time only.
CREATE INDEX jobs_finished_at ON coderun.jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Everything GET /metrics reports, as one JSON document.
CREATE FUNCTION coderun.metrics_json() RETURNS json LANGUAGE sql STABLE AS $$
WITH totals AS (
    SELECT name, language, sum(value) AS value FROM coderun.counters GROUP BY name, language
), hour AS (
    SELECT execution_time AS t FROM coderun.jobs
     WHERE finished_at > now() - interval '1 hour' AND execution_time IS NOT NULL
)
SELECT json_build_object(
    'queued', (SELECT count(*) FROM coderun.jobs WHERE state = 'queued'),
    'in_progress', (SELECT count(*) FROM coderun.jobs WHERE state = 'running'),
    'oldest_queued_age_seconds', coalesce((SELECT extract(epoch FROM now() - created_at)
        FROM coderun.jobs WHERE state = 'queued' ORDER BY priority, seq LIMIT 1), 0),
    'total_executions', (SELECT coalesce(sum(value), 0) FROM totals
        WHERE name IN ('jobs_finished', 'jobs_failed')),
    'succeeded', (SELECT coalesce(sum(value), 0) FROM totals WHERE name = 'jobs_finished'),
    'failed', (SELECT coalesce(sum(value), 0) FROM totals WHERE name = 'jobs_failed'),
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
        'sum', (SELECT coalesce(sum(value), 0) FROM totals WHERE name = 'duration_seconds_sum'),
        'count', (SELECT coalesce(sum(value), 0) FROM totals WHERE name = 'duration_seconds_count')),
    'workers', (SELECT json_build_object('alive', count(*), 'slots', coalesce(sum(slots), 0),
        'busy_slots', coalesce(sum(busy), 0)) FROM coderun.workers
         WHERE heartbeat_at > now() - interval '30 seconds'))
$$;
