-- The problem API (/execute-problem): a job of mode 'problem' runs the
-- solution and the user code on each test case and compares the values.
ALTER TABLE coderun.jobs DROP CONSTRAINT jobs_mode_check;
ALTER TABLE coderun.jobs
    ADD CONSTRAINT jobs_mode_check CHECK (mode IN ('function', 'program', 'problem')),
    ADD COLUMN solution_code text,
    ADD CONSTRAINT jobs_problem_has_solution CHECK ((mode = 'problem') = (solution_code IS NOT NULL));

-- For problem jobs the user's run uses the existing columns (output,
-- verdict, error, cpu_ms, wall_ms, memory_kb); the solution's run these.
ALTER TABLE coderun.cases
    ADD COLUMN case_key           jsonb,   -- the test case's "id", as the client sent it
    ADD COLUMN solution_output    text,
    ADD COLUMN solution_verdict   text CHECK (solution_verdict IN ('ok', 'runtime_error',
                   'time_limit', 'memory_limit', 'output_limit', 'security_violation',
                   'internal_error')),
    ADD COLUMN solution_error     text,
    ADD COLUMN solution_cpu_ms    double precision,
    ADD COLUMN solution_wall_ms   double precision,
    ADD COLUMN solution_memory_kb bigint,
    ADD COLUMN passed             boolean;
