-- Each worker publishes its own language table: a language removed from a
-- worker's file (SIGHUP) disappears with that worker's rows instead of
-- staying listed forever, and workers with different tables do not
-- overwrite each other. Rows of the old shared table carry no worker; the
-- workers publish again when they start.
DELETE FROM coderun.languages;
ALTER TABLE coderun.languages DROP CONSTRAINT languages_pkey;
ALTER TABLE coderun.languages ADD COLUMN worker text NOT NULL;
ALTER TABLE coderun.languages ADD PRIMARY KEY (worker, name);

-- What the API offers: the languages of the live workers (heartbeat within
-- 30 s, as /health counts them), each as its most recent publisher has it.
-- With no live worker at all (workers stopped for a deploy, an outage),
-- the table published last is offered, so clients can still queue jobs
-- for when a worker is back.
CREATE VIEW coderun.languages_offered AS
WITH live AS (
    SELECT name FROM coderun.workers WHERE heartbeat_at > now() - interval '30 seconds'
), offered AS (
    SELECT * FROM coderun.languages WHERE worker IN (SELECT name FROM live)
    UNION ALL
    SELECT * FROM coderun.languages
     WHERE NOT EXISTS (SELECT 1 FROM live)
       AND worker = (SELECT worker FROM coderun.languages ORDER BY updated_at DESC LIMIT 1)
)
SELECT DISTINCT ON (name) name, version, modes FROM offered ORDER BY name, updated_at DESC;

GRANT SELECT ON coderun.languages_offered TO coderun_api;
