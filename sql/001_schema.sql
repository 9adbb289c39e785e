-- coderun schema: keys, jobs (the queue and the record), cases, workers, languages.
-- Applied once by `sandboxd migrate`; the runner records it in coderun.schema_migrations.

CREATE TABLE coderun.api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    digest       bytea       NOT NULL UNIQUE CHECK (length(digest) = 32),  -- SHA-256 of the token
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
-- A name is reusable once its key is revoked.
CREATE UNIQUE INDEX api_keys_active_name ON coderun.api_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE coderun.jobs (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,  -- FIFO order
    key_id         bigint      NOT NULL REFERENCES coderun.api_keys (id),
    language       text        NOT NULL,
    mode           text        NOT NULL CHECK (mode IN ('function', 'program')),
    code           text        NOT NULL,
    time_ms        integer     NOT NULL CHECK (time_ms > 0),
    memory_mb      integer     NOT NULL CHECK (memory_mb > 0),
    output_kb      integer     NOT NULL CHECK (output_kb > 0),
    state          text        NOT NULL DEFAULT 'queued'
                               CHECK (state IN ('queued', 'running', 'finished', 'failed')),
    priority       integer     NOT NULL DEFAULT 0,
    worker         text,
    lease_until    timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    max_attempts   integer     NOT NULL DEFAULT 3,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    execution_time double precision,          -- seconds, first case start to last case end
    compile_status text,                      -- NULL (not compiled), 'ok', 'error'
    compile_output text        NOT NULL DEFAULT '',
    error          text        NOT NULL DEFAULT ''
);
-- The claim query walks this index only.
CREATE INDEX jobs_queued ON coderun.jobs (priority, seq) WHERE state = 'queued';
-- Rescue of expired leases.
CREATE INDEX jobs_running_lease ON coderun.jobs (lease_until) WHERE state = 'running';
-- Per-key count of unfinished jobs.
CREATE INDEX jobs_key_active ON coderun.jobs (key_id) WHERE state IN ('queued', 'running');

CREATE TABLE coderun.cases (
    job_id           uuid    NOT NULL REFERENCES coderun.jobs (id) ON DELETE CASCADE,
    idx              integer NOT NULL CHECK (idx >= 0),
    input            text    NOT NULL,
    output           text,
    verdict          text CHECK (verdict IN ('ok', 'runtime_error', 'time_limit', 'memory_limit',
                                             'output_limit', 'security_violation', 'internal_error')),
    error            text,
    exit_code        integer,
    signal           integer,
    cpu_ms           double precision,
    wall_ms          double precision,
    memory_kb        bigint,
    output_truncated boolean,
    PRIMARY KEY (job_id, idx)
);

CREATE TABLE coderun.workers (
    name         text        PRIMARY KEY,   -- host:pid
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    slots        integer     NOT NULL,
    busy         integer     NOT NULL DEFAULT 0,
    sandbox_mode text        NOT NULL DEFAULT 'unknown',
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_heartbeat ON coderun.workers (heartbeat_at);

-- Published by the workers from their language table; read by the module.
CREATE TABLE coderun.languages (
    name       text        PRIMARY KEY,
    version    text        NOT NULL DEFAULT '',
    modes      text[]      NOT NULL DEFAULT '{function,program}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- RFC 3339 UTC with microseconds, as the API returns timestamps.
CREATE FUNCTION coderun.rfc3339(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- Wake-ups: new work for the workers, finished work for long-polling readers.
CREATE FUNCTION coderun.notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coderun_jobs', '');
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify_new AFTER INSERT ON coderun.jobs
    FOR EACH STATEMENT EXECUTE FUNCTION coderun.notify_jobs();

CREATE FUNCTION coderun.notify_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coderun_done', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify_done AFTER UPDATE OF state ON coderun.jobs
    FOR EACH ROW WHEN (NEW.state IN ('finished', 'failed') AND OLD.state <> NEW.state)
    EXECUTE FUNCTION coderun.notify_done();
