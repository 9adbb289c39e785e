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
-- With no live worker at all (a restart, an outage), the last known tables
-- keep being offered, so clients can still queue jobs for when one is back.
CREATE VIEW coderun.languages_offered AS
WITH live AS (
    SELECT name FROM coderun.workers WHERE heartbeat_at > now() - interval '30 seconds'
)
SELECT DISTINCT ON (l.name) l.name, l.version, l.modes
  FROM coderun.languages l
 WHERE l.worker IN (SELECT name FROM live) OR NOT EXISTS (SELECT 1 FROM live)
 ORDER BY l.name, l.updated_at DESC;

GRANT SELECT ON coderun.languages_offered TO coderun_api;
