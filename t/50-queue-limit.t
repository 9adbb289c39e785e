#!/usr/bin/perl
# CoderunMaxQueuedPerKey (issue 5): a key with that many unfinished (queued
# + running) jobs gets 429 JSON with Retry-After and nothing is queued;
# other keys are not affected; once its jobs end the key may queue again.
# The stack runs httpd.conf.sample with the cap lowered to 3 (Stack's
# httpd_sample option).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp;
use Coderun::Stack;
use Coderun::Test qw(is_error job_count);
use Coderun::Queue qw(start_worker stop_stack_worker wait_until);

my $CAP = 3;
my $sample = Coderun::Stack::slurp("$Coderun::Stack::ROOT/httpd.conf.sample");
$sample =~ s/^(\s*CoderunMaxQueuedPerKey)\s+\d+/$1 $CAP/m or BAIL_OUT('no CoderunMaxQueuedPerKey in httpd.conf.sample');
my $conf = File::Temp->new(SUFFIX => '.conf');
print {$conf} $sample;
close $conf;

my $stack = Coderun::Stack->for_tests(httpd_sample => $conf->filename);
is($stack->directive('CoderunMaxQueuedPerKey'), $CAP, "the stack runs with CoderunMaxQueuedPerKey $CAP");
stop_stack_worker($stack);    # jobs stay queued

my $job = { code => 'return input_str', inputs => ['q'] };
is($stack->post_json('/run', $job)->{status}, 202, "job $_ of $CAP: 202") for 1 .. $CAP;
my $res = $stack->post_json('/run', $job);
is_error($res, 429, 'one more: 429', code => 'too_many_jobs');
like($res->{headers}{'retry-after'} // '', qr/^\d+$/, 'with Retry-After (seconds)');
is(job_count($stack), $CAP, 'the refused job is not queued');
is_error($stack->post_json('/execute-problem', { userCode => 'x = 1', solutionCode => 'x = 1',
                                                 testCases => [{ id => 1, input => 'x' }] }),
         429, '/execute-problem counts against the same cap', code => 'too_many_jobs');

my $other = $stack->add_key('other');
is($stack->post_json('/run', $job, key => $other)->{status}, 202, 'another key still queues (the cap is per key)');

# Running jobs count too: the first one running, the rest still queued.
$stack->psql("UPDATE coderun.jobs SET state = 'running', worker = 'ghost:1', attempts = 1,"
             . " lease_until = now() + interval '1 hour' WHERE seq = (SELECT min(seq) FROM coderun.jobs)");
is($stack->post_json('/run', $job)->{status}, 429, 'a running job counts as unfinished');
$stack->psql("UPDATE coderun.jobs SET state = 'queued', worker = NULL, attempts = 0, lease_until = NULL"
             . " WHERE worker = 'ghost:1'");

start_worker($stack, slots => 2);
wait_until('the queued jobs to finish', 30, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state <> 'finished'") == 0 });
is($stack->post_json('/run', $job)->{status}, 202, 'once they finish, the key queues again');
done_testing;
