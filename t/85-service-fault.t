#!/usr/bin/perl
# A fault of the service is never the student's (issue 19). sandboxd runs
# here under the unit's UMask=0077: jobs still
# run, since the files the box reads get explicit modes. Then the slots'
# job directories are made unreadable to the sandbox's uids: the job fails
# with an internal_error (checked as the slot's uid before the box runs,
# not a runtime_error of the code), counts as failed, is logged as a
# service_fault, and /health says degraded until a job runs again.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Queue qw(wait_until start_worker stop_stack_worker);

my $stack = Coderun::Stack->for_tests;
# The stack's worker makes way for one started under the unit's umask.
stop_stack_worker($stack);
my $old_umask = umask 0077;
start_worker($stack, slots => 1);
umask $old_umask;

sub run_square {
    my $res = $stack->post_json('/run', { code => 'return str(int(input_str) ** 2)', inputs => ['4'] });
    is($res->{status}, 202, 'queued') or diag($res->{content});
    return $stack->wait_result($res->{json}{exec_id})->{json} // {};
}
sub failed_count { $stack->get_json('/metrics')->{json}{failed} }
sub health { $stack->get_json('/health', key => undef) }

my $ok = run_square();
is($ok->{status}, 'finished', 'under umask 0077 the job runs');
is($ok->{output}{4}{status}, 'ok', 'and its case is ok') or diag(explain($ok));

my $slot = $stack->path('box-0', 'slot-0');
my @owner = (stat $slot)[4, 5];
chown 0, 0, $slot or die "chown $slot: $!";
chmod 0700, $slot or die "chmod $slot: $!";
my $failed_before = failed_count();
my $bad = run_square();
is($bad->{status}, 'failed', 'a job the sandbox cannot read fails');
like($bad->{error} // '', qr/^internal_error: .*cannot open/, 'as internal_error, not runtime_error')
    or diag(explain($bad));
is(failed_count(), $failed_before + 1, 'counted as failed');
ok(eval { wait_until('/health degraded', 40, sub { (health()->{json}{status} // '') eq 'degraded' }) },
   '/health says degraded')
    or diag(explain(health()->{json}));
like(health()->{json}{sandbox}[0]{service_error} // '', qr/cannot open/, 'naming the fault');
like($stack->log_tail('worker-0.out', 50), qr/"event":"service_fault"/, 'logged as service_fault');

chown @owner, $slot or die "chown $slot: $!";
chmod 0755, $slot or die "chmod $slot: $!";
is(run_square()->{status}, 'finished', 'mended: jobs run again');
ok(eval { wait_until('/health ok', 40, sub { (health()->{json}{status} // '') eq 'ok' }) },
   '/health ok again');

done_testing;
