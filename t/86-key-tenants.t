#!/usr/bin/perl
# Keys as tenants (issue 24): each key's own maximum limits, languages,
# unfinished-jobs cap, daily CPU budget and expiry, set by `sandboxd key add
# NAME [options]` and `key set`, shown by `key list`; a request over a
# limit is a 400 naming the field, over the budget a 429 with Retry-After
# until the next UTC day, an expired key a 401. The day boundary is tested
# by back-dating the key's usage rows, not by waiting for midnight.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(floor);
use Coderun::Stack;
use Coderun::Test qw(is_error job_count);
use Coderun::Queue qw(stop_stack_worker start_worker wait_until);

my $stack = Coderun::Stack->for_tests;

# `key list` of NAME as { field => value } (name, created, last_used, state,
# then the key=value columns).
sub listed {
    my ($name) = @_;
    my ($line) = grep { /^\Q$name\E\t/ } split /\n/, $stack->sandboxd_cmd(['key', 'list']);
    my ($n, $created, $used, $state, @rest) = split /\t/, $line // '';
    return { state => $state, map { split /=/, $_, 2 } @rest };
}
sub key_add { my ($name, @opt) = @_; my $t = $stack->sandboxd_cmd(['key', 'add', $name, @opt]); chomp $t; $t }
sub run_job { my ($token, %job) = @_; $stack->post_json('/run', { code => 'return input_str', inputs => ['a'], %job }, key => $token) }

# ------------------------------------------------------------ settings and key list
my $course = key_add('course', '--max-time-ms', 1000, '--max-memory-mb', 128, '--max-output-kb', 16,
                     '--max-inputs', 2, '--languages', 'python', '--max-unfinished', 2);
my $l = listed('course');
is_deeply([@$l{qw(state max_time_ms max_memory_mb max_output_kb max_inputs languages max_unfinished daily_cpu_seconds expires)}],
          ['active', 1000, 128, 16, 2, 'python', 2, 'default', 'never'], 'key add stores the options; key list shows them');
is_deeply([@$l{qw(today_jobs today_cpu_seconds unfinished)}], [0, '0.000', 0], '  and no use today yet');
is_deeply(listed('default')->{max_time_ms}, 'default', 'a key without options has the server defaults');

my ($status, undef, $err) = $stack->sandboxd_cmd(['key', 'set', 'course', '--max-time-ms', 'lots'], may_fail => 1);
ok($status && $err =~ /--max-time-ms/, 'key set refuses a bad value, naming the option') or diag $err;
($status, undef, $err) = $stack->sandboxd_cmd(['key', 'add', 'broken', '--expires', 'someday'], may_fail => 1);
ok($status && !listed('broken')->{state}, 'key add with a bad setting leaves no key behind');
($status, undef, $err) = $stack->sandboxd_cmd(['key', 'set', 'nobody', '--max-inputs', 3], may_fail => 1);
ok($status && $err =~ /nobody/, 'key set of an unknown key fails, naming it');

# ------------------------------------------------------------ per-job limits: 400 naming the field
my $jobs = job_count($stack);
is_error(run_job($course, limits => { time_ms => 1001 }), 400, 'time over the key maximum',
         field => 'limits.time_ms', code => 'limit_too_high');
is_error(run_job($course, limits => { memory_mb => 129 }), 400, 'memory over the key maximum',
         field => 'limits.memory_mb', code => 'limit_too_high');
is_error(run_job($course, limits => { output_kb => 17 }), 400, 'output over the key maximum',
         field => 'limits.output_kb', code => 'limit_too_high');
is_error(run_job($course, inputs => ['1', '2', '3']), 400, 'inputs over the key maximum',
         field => 'inputs', code => 'too_many_inputs');
is_error($stack->post_json('/execute-problem', { userCode => 'x = 1', solutionCode => 'x = 1',
             testCases => [map { { id => $_, input => 'x' } } 1 .. 3] }, key => $course),
         400, 'test cases over the key maximum', field => 'testCases', code => 'too_many_inputs');
is_error(run_job($course, language => 'c', mode => 'program', code => 'int main(void){return 0;}'),
         400, 'a language the key may not use', field => 'language', code => 'language_not_allowed');
is(job_count($stack), $jobs, 'none of them queued a job');

# Defaults above the key's maximum are lowered to it, not refused.
my $res = run_job($course, limits => { time_ms => 1000, memory_mb => 128 });
is($res->{status}, 202, 'at the key maximum: 202') or diag $res->{content};
$res = run_job($course);
is($res->{status}, 202, 'no limits asked: 202');
is($stack->psql("SELECT time_ms || ' ' || memory_mb || ' ' || output_kb FROM coderun.jobs WHERE id = '$res->{json}{exec_id}'"),
   '1000 128 16', '  with the server defaults lowered to the key maximums');
is(run_job($stack->token, limits => { time_ms => 5000 })->{status}, 202, 'another key keeps the server maximums');

# ------------------------------------------------------------ the key's cap of unfinished jobs
stop_stack_worker($stack);
$stack->psql("DELETE FROM coderun.jobs WHERE state IN ('queued', 'running')");
is(listed('course')->{unfinished}, 0, 'deleted unfinished jobs no longer count');
is(run_job($course)->{status}, 202, "unfinished job 1 of the key's 2") for 1 .. 2;
is_error(run_job($course), 429, 'a third: 429 (the key cap, below the server one)', code => 'too_many_jobs');
$stack->sandboxd_cmd(['key', 'set', 'course', '--max-unfinished', 'default']);
is(run_job($course)->{status}, 202, 'key set --max-unfinished default: the server cap (none) applies again');

# ------------------------------------------------------------ daily CPU budget
my $spender = key_add('spender', '--daily-cpu-seconds', '0.001');
start_worker($stack, slots => 2);
my $cpu = "x = 0\nfor i in range(200000):\n    x += i\nreturn str(x)";
$res = run_job($spender, code => $cpu);
is($res->{status}, 202, 'under its budget: 202');
$stack->wait_result($res->{json}{exec_id}, key => $spender);
$l = listed('spender');
is($l->{today_jobs}, 1, 'key list: one job today');
cmp_ok($l->{today_cpu_seconds}, '>', 0, "key list: its CPU seconds today ($l->{today_cpu_seconds}) next to the budget $l->{daily_cpu_seconds}");
like($stack->psql("SELECT cpu_seconds FROM coderun.report_keys WHERE key_name = 'spender'"), qr/^0\.\d+|^\d/, 'report_keys carries the CPU seconds');
$res = run_job($spender);
my $body = is_error($res, 429, 'over its daily budget: 429', code => 'over_budget');
like($body->{error}, qr/budget.*00:00 UTC/, '  a message saying when it renews');
my $now = time;
my $midnight = (floor($now / 86400) + 1) * 86400;
my $retry = $res->{headers}{'retry-after'} // '';
ok($retry =~ /^\d+$/ && abs($retry - ($midnight - $now)) <= 5,
   "  Retry-After $retry is the seconds to the next UTC day (" . ($midnight - $now) . ')');
is(run_job($stack->token)->{status}, 202, 'another key is not affected');
$stack->psql("UPDATE coderun.key_usage SET day = day - 1 WHERE key_id = (SELECT id FROM coderun.api_keys WHERE name = 'spender')");
$stack->psql("UPDATE coderun.key_ends SET day = day - 1 WHERE key_id = (SELECT id FROM coderun.api_keys WHERE name = 'spender')");
is(listed('spender')->{today_cpu_seconds}, '0.000', 'the next UTC day (usage back-dated by a day): key list shows nothing used today');
is(run_job($spender)->{status}, 202, '  and the budget is renewed: 202');

# ------------------------------------------------------------ expiry
$stack->sandboxd_cmd(['key', 'set', 'spender', '--expires', '2000-01-01 00:00Z']);
is(listed('spender')->{state}, 'expired', 'key list shows an expired key');
is_error(run_job($spender), 401, 'an expired key cannot queue: 401', code => 'unauthorized');
is_error($stack->get_json('/languages', key => $spender), 401, '  nor read: 401');
$stack->sandboxd_cmd(['key', 'set', 'spender', '--expires', 'never']);
is($stack->get_json('/languages', key => $spender)->{status}, 200, '--expires never: the key works again');
done_testing;
