#!/usr/bin/perl
# Leases (issue 5): a job 'running' under a dead worker whose lease expired
# is rescued and run again; at max_attempts it ends `failed` with a clear
# error; a live lease is left alone; a worker that lost its lease (the job
# was taken over) has its late result dropped, not written.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Queue qw(start_worker stop_stack_worker queue_jobs wait_until case_problems);

my $stack = Coderun::Stack->for_tests;
stop_stack_worker($stack);
my $quick = { code => 'return input_str * 2', inputs => ['ab'] };
my ($again, $spent, $alive) = queue_jobs($stack, 3, $quick);

# What a worker that died mid-job leaves behind (ghost:1 never heartbeats).
$stack->psql(<<'SQL', again => $again, spent => $spent, alive => $alive);
UPDATE coderun.jobs SET state = 'running', worker = 'ghost:1', started_at = now() - interval '1 min',
       attempts = CASE WHEN id = :'spent' THEN 3 ELSE 1 END,
       lease_until = CASE WHEN id = :'alive' THEN now() + interval '1 hour' ELSE now() - interval '1 s' END
 WHERE id IN (:'again', :'spent', :'alive');
SQL
my $worker = start_worker($stack, lease_s => 3, max_attempts => 3, slots => 1);
my $name = $stack->psql("SELECT name FROM coderun.workers WHERE pid = $worker");
wait_until('the expired jobs to end', 30, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state IN ('finished', 'failed')") == 2 });

is($stack->psql('SELECT state, attempts, worker, lease_until IS NULL FROM coderun.jobs WHERE id = :\'id\'', id => $again),
   "finished|2|$name|t", 'expired lease, attempts left: rescued, run again, finished (attempt 2)');
is($stack->psql("SELECT verdict || ':' || output FROM coderun.cases WHERE job_id = :'id'", id => $again),
   'ok:abab', '  with its result');
is($stack->psql('SELECT state, attempts, finished_at IS NOT NULL, lease_until IS NULL FROM coderun.jobs WHERE id = :\'id\'',
                id => $spent), 'failed|3|t|t', 'expired lease at max_attempts (3): failed');
is($stack->psql("SELECT error FROM coderun.jobs WHERE id = :'id'", id => $spent),
   'the worker running this job stopped responding (3 attempts)', '  with a clear job-level error');
my $res = $stack->get_json("/result/$spent");
is($res->{json}{status}, 'failed', '  GET /result says failed');
like($res->{json}{error} // '', qr/stopped responding/, '  and why');
is($stack->psql("SELECT state, worker FROM coderun.jobs WHERE id = :'id'", id => $alive),
   'running|ghost:1', 'a lease that has not expired is left alone');
my $log = Coderun::Stack::slurp($stack->path('log', 'worker-0.out'));
like($log, qr/"event":"rescue"[^\n]*"job":"$again"[^\n]*"state":"queued"[^\n]*"lost_by":"ghost:1"/,
     'the rescue is logged (queued)');
like($log, qr/"event":"rescue"[^\n]*"job":"$spent"[^\n]*"state":"failed"/, 'and the give-up (failed)');

# Lease lost mid-run: another worker rescued and claimed the job (attempt
# 2) while ours still runs it. Our late result must not be written. The
# thief's lease outlasts our run (2 x 1.5 s) by seconds, so the check below
# still sees it under a slow build (ASan) before it expires.
my ($late) = queue_jobs($stack, 1, { code => "import time\ntime.sleep(1.5)\nreturn input_str", inputs => ['x', 'y'] });
wait_until('the job to run', 30,
           sub { $stack->psql("SELECT state FROM coderun.jobs WHERE id = :'id'", id => $late) eq 'running' });
is($stack->psql(<<'SQL', id => $late, name => $name), 1, 'job taken over by thief:1 while it runs');
WITH t AS (UPDATE coderun.jobs SET worker = 'thief:1', attempts = 2, lease_until = now() + interval '8 s'
            WHERE id = :'id' AND worker = :'name' AND state = 'running' AND attempts = 1 RETURNING 1)
SELECT count(*) FROM t
SQL
wait_until('our worker to drop its late result', 30, sub {
    Coderun::Stack::slurp($stack->path('log', 'worker-0.out')) =~ /"job":"$late"[^\n]*"written":"lease lost"/ });
is($stack->psql("SELECT state, worker FROM coderun.jobs WHERE id = :'id'", id => $late), 'running|thief:1',
   'the late result did not end the job');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE job_id = :'id' AND verdict IS NOT NULL", id => $late), 0,
   'nor write its cases');
# thief:1 never heartbeats: its lease expires, ours rescues and reruns it.
wait_until('the taken-over job to be rescued and finished', 30, sub {
    $stack->psql("SELECT state FROM coderun.jobs WHERE id = :'id'", id => $late) eq 'finished' });
is($stack->psql("SELECT attempts, worker FROM coderun.jobs WHERE id = :'id'", id => $late), "3|$name",
   'then rescued from thief:1 and finished by attempt 3');
is($stack->psql("SELECT string_agg(verdict || ':' || output, ',' ORDER BY idx) FROM coderun.cases WHERE job_id = :'id'",
                id => $late), 'ok:x,ok:y', '  with one verdict per case');
# A job 'running' under our live worker's name that no slot runs (its
# claim's answer or its write was lost with the connection): the
# heartbeat must not renew it forever; it expires and is run again.
my $stray = $stack->psql(<<'SQL', name => $name);
WITH j AS (INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb,
                                     state, worker, attempts, started_at, lease_until)
           SELECT key_id, language, mode, code, time_ms, memory_mb, output_kb,
                  'running', :'name', 1, now(), now() + interval '3 s'
             FROM coderun.jobs WHERE id = (SELECT id FROM coderun.jobs ORDER BY seq LIMIT 1)
           RETURNING id),
     c AS (INSERT INTO coderun.cases (job_id, idx, input) SELECT id, 0, 'st' FROM j)
SELECT id FROM j
SQL
wait_until('the stray job to be rescued and finished', 30, sub {
    $stack->psql("SELECT state FROM coderun.jobs WHERE id = :'id'", id => $stray) eq 'finished' });
is($stack->psql("SELECT attempts, worker FROM coderun.jobs WHERE id = :'id'", id => $stray), "2|$name",
   'a job left running under our name but run by no slot expires and is run again');
is($stack->psql("SELECT verdict || ':' || output FROM coderun.cases WHERE job_id = :'id'", id => $stray),
   'ok:stst', '  with its result');
is_deeply([grep { !/$spent/ && !/$alive/ } case_problems($stack)], [],
          'no NULL or duplicate verdicts (except the failed and the still-leased job)');
done_testing;
