#!/usr/bin/perl
# SIGTERM drains (issue 5): sandboxd stops claiming, the jobs it runs finish
# with all their cases, nothing stays claimed (unstarted jobs are queued),
# it exits 0 and leaves coderun.workers; a new sandboxd finishes the rest.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Queue qw(start_worker wait_exit stop_stack_worker queue_jobs wait_until
                      job_states case_problems);

my $JOBS = 8;
my $stack = Coderun::Stack->for_tests;
stop_stack_worker($stack);
# Three cases of 0.5 s each: a SIGTERM lands in the middle of a job.
my @ids = queue_jobs($stack, $JOBS, { code => "import time\ntime.sleep(0.5)\nreturn input_str",
                                      inputs => ['1', '2', '3'] });
my $worker = start_worker($stack, slots => 2);
my $name = $stack->psql("SELECT name FROM coderun.workers WHERE pid = $worker");
# Both slots busy: each SIGTERM lands inside a job.
wait_until('two jobs to run', 30,
           sub { $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'running'") == 2 });
my @running = split /\n/, $stack->psql("SELECT id FROM coderun.jobs WHERE state = 'running' ORDER BY id");
my $t0 = time;
kill 'TERM', $worker;
my $status = wait_exit($worker, 30);
ok(defined $status, sprintf('sandboxd exited %.1fs after SIGTERM', time - $t0));
is($status, 0, 'with status 0');

my $in = join ',', map { "'$_'" } @running;
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE id IN ($in) AND state = 'finished' AND worker = '$name'"),
   2, 'the two running jobs finished, written by the stopping worker');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE job_id IN ($in) AND verdict = 'ok' AND output = input"),
   6, 'with every case run to its end');
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'running'"), 0, 'no job is left running (claimed)');
my $done = $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'finished'");
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'queued' AND attempts = 0 AND lease_until IS NULL"),
   $JOBS - $done, 'every other job is queued, its attempt not counted');
cmp_ok($done, '<', $JOBS, "$done of $JOBS jobs done: the stop did not wait for the whole queue");
is($stack->psql("SELECT count(*) FROM coderun.workers WHERE name = '$name'"), 0, 'the worker left coderun.workers');
my $log = Coderun::Stack::slurp($stack->path('log', 'worker-0.out'));
like($log, qr/"event":"stopping"/, 'logged: stopping');
like($log, qr/"event":"stop"/, 'logged: stop');

my $next = start_worker($stack, slots => 2);
wait_until('the new sandboxd to finish the rest', 60, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state IN ('queued', 'running')") == 0 });
is_deeply(job_states($stack), { finished => $JOBS }, "all $JOBS jobs finished");
is_deeply([case_problems($stack)], [], 'exactly one verdict per case');
is($stack->psql('SELECT count(*) FROM coderun.jobs WHERE attempts <> 1'), 0, 'each job ran once (attempts = 1)');
done_testing;
