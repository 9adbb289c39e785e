#!/usr/bin/perl
# SIGTERM drains (issue 5): sandboxd stops claiming, the jobs it runs finish
# with all their cases, nothing stays claimed (unstarted jobs are queued),
# it exits 0 and leaves coderun.workers; a new sandboxd finishes the rest.
# A job still running when stop_grace_s ends is cancelled (its box killed,
# nothing of it written) and goes back to the queue for another worker.
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
kill 'TERM', $next;
is(wait_exit($next, 30), 0, 'the second sandboxd stopped (idle)');

# ---- the grace period ends: running jobs are cancelled back to the queue
my $GRACE = 1;
my $SLEEP = 8;    # longer than the grace and the exit bound below
# Later workers of this stack start from its sandboxd.conf (start_worker).
open my $conf, '>>', $stack->path('sandboxd.conf') or die "sandboxd.conf: $!\n";
print {$conf} "stop_grace_s = $GRACE\n";
close $conf or die "sandboxd.conf: $!\n";
my @slow = queue_jobs($stack, 2, { code => "import time\ntime.sleep(float(input_str))\nreturn input_str",
                                   inputs => ["$SLEEP"], limits => { time_ms => 5000 } });
my $slow_in = join ',', map { "'$_'" } @slow;
my $third = start_worker($stack, slots => 2);
my $third_name = $stack->psql("SELECT name FROM coderun.workers WHERE pid = $third");
wait_until('both slow jobs to run', 30, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE id IN ($slow_in) AND state = 'running'") == 2 });
$t0 = time;
kill 'TERM', $third;
$status = wait_exit($third, $GRACE + 5);
ok(defined $status, sprintf('sandboxd exited %.1fs after SIGTERM (grace %ds, the cases sleep %ds)',
                            time - $t0, $GRACE, $SLEEP));
is($status, 0, 'with status 0');
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE id IN ($slow_in)"
                . " AND state = 'queued' AND attempts = 0 AND lease_until IS NULL"),
   2, 'both running jobs went back to the queue, their attempt not counted');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE job_id IN ($slow_in) AND verdict IS NOT NULL"),
   0, 'nothing of the cancelled runs was written');
is($stack->psql("SELECT count(*) FROM coderun.workers WHERE name = '$third_name'"), 0,
   'the worker left coderun.workers');
my $third_log = Coderun::Stack::slurp($stack->path('log', 'worker-2.out'));
like($third_log, qr/"event":"grace_over"/, 'logged: grace_over');
is(scalar(() = $third_log =~ /"event":"job"[^\n]*"state":"cancelled"[^\n]*"written":"yes"/g), 2,
   'logged: both jobs cancelled and released');

start_worker($stack, slots => 2);
wait_until('a restarted sandboxd to run them to the end', 60, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE id IN ($slow_in) AND state = 'finished'") == 2 });
is_deeply([case_problems($stack)], [], 'exactly one verdict per case');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE job_id IN ($slow_in) AND verdict = 'ok' AND output = input"),
   2, 'each slow case ran to its end');
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE id IN ($slow_in) AND attempts = 1"), 2,
   'claimed once more (attempts = 1)');
done_testing;
