#!/usr/bin/perl
# kill -9 of sandboxd with QUEUE_JOBS (default 300) jobs in flight (issue 5):
# a new sandboxd rescues the dead worker's expired leases (lease_s 3) and
# every job ends `finished` with exactly one verdict per case.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Queue qw(start_worker wait_exit stop_stack_worker queue_jobs wait_until
                      job_states case_problems);

my $JOBS = $ENV{QUEUE_JOBS} // 300;
my $stack = Coderun::Stack->for_tests;
stop_stack_worker($stack);

my @ids = queue_jobs($stack, $JOBS, { code => 'return input_str.upper()', inputs => ['a', 'b'] });
is(scalar @ids, $JOBS, "$JOBS jobs of 2 cases queued");

my $start = time;
my $first = start_worker($stack, lease_s => 3, slots => 2);
# Killed with about a sixth done: many finished, some running, most queued.
wait_until('a sixth of the jobs to finish', 120,
           sub { ($stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'finished'")) >= $JOBS / 6 });
kill 'KILL', $first;
ok(defined wait_exit($first, 10), 'the first sandboxd is dead (SIGKILL)');
my $at_kill = job_states($stack);
note(sprintf('at kill after %.1fs: %s', time - $start, join ', ', map { "$_=$at_kill->{$_}" } sort keys %$at_kill));
my $orphans = $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'running'");
cmp_ok($orphans, '>', 0, "$orphans jobs were running under the dead worker");

my $second = start_worker($stack, lease_s => 3, slots => 2);
wait_until('every job to end', 180, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state IN ('queued', 'running')") == 0 });
note(sprintf('all %d jobs ended %.1fs after the first start', $JOBS, time - $start));

is_deeply(job_states($stack), { finished => $JOBS }, "all $JOBS jobs finished, none failed or lost");
is_deeply([case_problems($stack)], [], 'exactly one verdict per case (no NULL, no duplicate)');
is($stack->psql('SELECT count(*) FROM coderun.cases'), 2 * $JOBS, 'two case rows per job');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE verdict <> 'ok' OR output <> upper(input)"), 0,
   'every case ok with its own output');
my $rescued = $stack->psql('SELECT count(*) FROM coderun.jobs WHERE attempts = 2');
is($rescued, $orphans, 'the jobs running at the kill were claimed a second time (attempts = 2)');
is($stack->psql('SELECT count(*) FROM coderun.jobs WHERE attempts NOT IN (1, 2)'), 0, 'the others once');
like(Coderun::Stack::slurp($stack->path('log', 'worker-1.out')), qr/"event":"rescue"/, 'the rescue is logged');
is(wait_exit($second, 0) // 'running', 'running', 'the second sandboxd still runs');
done_testing;
