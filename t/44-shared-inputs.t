#!/usr/bin/perl
# A job's inputs spread over idle slots (issue 8): while one slot runs a job
# of many inputs, an idle slot takes some of them and runs them in its own
# box, as its own uid; the results come back complete and in input order. A
# compiled job stays in its slot (the binary is there). A helping slot
# takes a job of its own after the input it is running; a SIGTERM past the
# grace period cancels the job with the helper's run as well.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Queue qw(start_worker wait_exit stop_stack_worker queue_jobs wait_until);

my $stack = Coderun::Stack->for_tests(slots => 2);
my %LIMITS = (time_ms => 5000, memory_mb => 128, output_kb => 64);

sub post {
    my (%job) = @_;
    my $res = $stack->post_json('/run', { limits => \%LIMITS, %job });
    is($res->{status}, 202, "queued: $job{language} $job{mode}") or diag($res->{content});
    return $res->{json}{exec_id};
}

# The finished job's results; checks each output is "<input> <uid>" in input
# order and returns the set of uids that ran them.
sub uids_of {
    my ($id, $inputs, $name) = @_;
    my $done = $stack->wait_result($id, timeout => 120);
    is($done->{json}{status}, 'finished', "$name: finished") or diag(explain($done->{json}));
    my @results = @{ $done->{json}{results} // [] };
    is_deeply([map { $_->{index} } @results], [0 .. $#$inputs], "$name: a result per input, in order");
    is_deeply([grep { $_->{status} ne 'ok' } @results], [], "$name: every input ok");
    my %uids;
    for my $r (@results) {
        my ($input, $uid) = split ' ', $r->{output} // '';
        is($input, $inputs->[ $r->{index} ], "$name: input $r->{index}'s own output") or last;
        $uids{$uid // ''}++;
    }
    return \%uids;
}

my $FUNCTION = "import os, time\ntime.sleep(0.05)\nreturn '%s %d' % (input_str, os.getuid())";
my $PROGRAM = "import os, sys, time\ntime.sleep(0.05)\nprint(sys.stdin.read(), os.getuid())";
my $C = <<'C';
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    char line[64] = "";
    if (!fgets(line, sizeof line, stdin))
        return 1;
    usleep(50000);
    printf("%s %d\n", line, (int)getuid());
    return 0;
}
C
my @inputs = map { "in$_" } 1 .. 30;

my $uids = uids_of(post(language => 'python', mode => 'function', code => $FUNCTION, inputs => \@inputs),
                   \@inputs, 'function mode');
is(scalar keys %$uids, 2, 'function mode: both slots ran inputs (two uids)') or diag(explain($uids));

$uids = uids_of(post(language => 'python', mode => 'program', code => $PROGRAM, inputs => \@inputs),
                \@inputs, 'program mode');
is(scalar keys %$uids, 2, 'program mode: both slots ran inputs') or diag(explain($uids));

my @few = @inputs[0 .. 5];
$uids = uids_of(post(language => 'c', mode => 'program', code => $C, inputs => \@few), \@few, 'compiled');
is(scalar keys %$uids, 1, 'a compiled job runs in the slot that compiled it') or diag(explain($uids));

# ---- a helping slot takes a job of its own after the input it runs
my $SLOW = "import os, time\ntime.sleep(0.25)\nreturn '%s %d' % (input_str, os.getuid())";
my @slow = map { "s$_" } 1 .. 24;    # 3 s of inputs on two slots
my $long = post(language => 'python', mode => 'function', code => $SLOW, inputs => \@slow);
wait_until('the long job to run', 30,
           sub { $stack->psql("SELECT state FROM coderun.jobs WHERE id = '$long'") eq 'running' });
my $short = post(language => 'python', mode => 'function', code => $FUNCTION, inputs => ['x']);
my $done = $stack->wait_result($short, timeout => 60);
is($done->{json}{status}, 'finished', 'a job queued while a slot helps finishes');
my $long_state = $stack->psql("SELECT state FROM coderun.jobs WHERE id = '$long'");
is($long_state, 'running', '  before the job it helped (it did not wait for all of it)');
$uids = uids_of($long, \@slow, 'helped job');
is(scalar keys %$uids, 2, 'helped job: both slots ran inputs') or diag(explain($uids));

# ---- SIGTERM past the grace period: the owner's and the helper's runs end
stop_stack_worker($stack);
open my $conf, '>>', $stack->path('sandboxd.conf') or die "sandboxd.conf: $!\n";
print {$conf} "stop_grace_s = 1\n";
close $conf or die "sandboxd.conf: $!\n";
my ($cancel) = queue_jobs($stack, 1, { code => "import time\ntime.sleep(8)\nreturn input_str",
                                       inputs => [map { "c$_" } 1 .. 6], limits => { time_ms => 9000 } });
my $worker = start_worker($stack, slots => 2);
wait_until('the job to run', 30,
           sub { $stack->psql("SELECT state FROM coderun.jobs WHERE id = '$cancel'") eq 'running' });
wait_until('both slots to run its inputs', 30, sub { helping_pythons() == 2 });
my $t0 = time;
kill 'TERM', $worker;
my $status = wait_exit($worker, 6);
ok(defined $status, sprintf('sandboxd exited %.1fs after SIGTERM (grace 1 s, inputs sleep 8 s)', time - $t0));
is($status, 0, 'with status 0');
is(helping_pythons(), 0, 'no run of the job is left');
is($stack->psql("SELECT state || ' ' || attempts FROM coderun.jobs WHERE id = '$cancel'"), 'queued 0',
   'the job went back to the queue, its attempt not counted');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE job_id = '$cancel' AND verdict IS NOT NULL"), 0,
   'nothing of its runs was written');
done_testing;

# Slots with python running the cancel job's inputs, told apart by their
# uids: the first start_worker's are the stack's uid_base + slot.
sub helping_pythons {
    my ($base) = Coderun::Stack::slurp($stack->path('sandboxd.conf')) =~ /^uid_base\s*=\s*(\d+)/m;
    my %uids;
    for my $status (glob '/proc/[0-9]*/status') {
        open my $fh, '<', $status or next;
        my ($name, $uid) = ('', -1);
        while (<$fh>) {
            $name = $1 if /^Name:\s+(\S+)/;
            $uid = $1 if /^Uid:\s+(\d+)/;
        }
        $uids{$uid}++ if $name =~ /^python/ && ($uid == $base || $uid == $base + 1);
    }
    return scalar keys %uids;
}
