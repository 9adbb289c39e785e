#!/usr/bin/perl
# Function mode's warm server (issue 8): a python job of several inputs runs
# them as forks of one interpreter started once. Each input must come out
# exactly as it does cold (a job of that one input): verdict, output, error,
# exit code, signal; what an input leaves running is gone before the next;
# a server that dies hands the remaining inputs to cold runs.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;

# One slot: every input of a job goes through the same server (t/44 has
# idle slots taking some of them).
my $stack = Coderun::Stack->for_tests(slots => 1);

my $CODE = <<'PY';
import os
if input_str == "parent":
    return "cold" if os.getppid() == 1 else "warm"
if input_str == "err":
    raise ValueError("bad")
if input_str == "loop":
    while True:
        pass
if input_str == "mem":
    x = b"x" * (10 ** 9)
if input_str == "out":
    return "x" * (10 ** 6)
if input_str == "ptrace":
    import ctypes
    ctypes.CDLL(None).syscall(101, 0, 0, 0, 0)
if input_str == "orphan":
    import subprocess
    subprocess.Popen(["/bin/sleep", "100"])
    return "spawned"
if input_str == "others":
    # Live processes only: one the previous input's end killed may await
    # its reaping by the keeper (pid 1) a moment longer on a busy host.
    def live(p):
        return open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[0] != "Z"
    mine = (os.getpid(), os.getppid())
    return " ".join(open("/proc/%s/comm" % p).read().strip() for p in os.listdir("/proc")
                    if p.isdigit() and int(p) not in mine and live(p))
if input_str == "exit":
    os._exit(3)
if input_str == "killserver":
    os.kill(os.getppid(), 9)
    return "alive"
if input_str == "stopserver":
    os.kill(os.getppid(), 19)
    return "stopped"
return input_str[::-1]
PY
my %LIMITS = (time_ms => 1000, memory_mb => 128, output_kb => 64);
my @FIELDS = qw(status output error exit_code signal output_truncated);

# The finished job's results in input order.
sub run_inputs {
    my ($code, @inputs) = @_;
    my $res = $stack->post_json('/run', { code => $code, inputs => \@inputs,
                                          language => 'python', limits => \%LIMITS });
    is($res->{status}, 202, "queued: @inputs") or diag($res->{content});
    my $done = $stack->wait_result($res->{json}{exec_id}, timeout => 120);
    is($done->{json}{status}, 'finished', "finished: @inputs") or diag(explain($done->{json}));
    my $results = $done->{json}{results} // [];
    is_deeply([map { $_->{index} } @$results], [0 .. $#inputs], "results in input order: @inputs");
    return $results;
}

sub same_as_cold {
    my ($code, $warm) = @_;
    for my $case (grep { $_->{input} ne 'parent' } @$warm) {   # the marker differs
        my ($cold) = @{ run_inputs($code, $case->{input}) };
        is_deeply({ map { $_ => $case->{$_} } @FIELDS }, { map { $_ => $cold->{$_} } @FIELDS },
                  "'$case->{input}' warm as cold ($cold->{status})");
    }
}

my @INPUTS = qw(parent plain err loop mem out ptrace orphan others exit tail);
my $warm = run_inputs($CODE, @INPUTS);
is(scalar @$warm, scalar @INPUTS, 'a result per input');
is($warm->[0]{output}, 'warm', 'the inputs ran in forks of the warm server');
is($warm->[8]{output}, '', '  and nothing an earlier input started is still running');
is_deeply([map { $_->{status} } @$warm],
          [qw(ok ok runtime_error time_limit memory_limit output_limit security_violation ok ok
              runtime_error ok)], 'the verdicts');
same_as_cold($CODE, $warm);

my $killed = run_inputs($CODE, qw(parent killserver parent));
is_deeply([map { $_->{output} } @$killed[0, 2]], [qw(warm cold)],
          'after an input killed the server the rest run cold') or diag(explain($killed));
same_as_cold($CODE, [$killed->[1]]);   # run again cold: the keeper cannot be killed

# A server stopped by its input never reports: after the wall limit the
# input's cgroup is killed, then the whole box; the input runs again cold.
my $stopped = run_inputs($CODE, qw(parent stopserver parent));
is_deeply([map { $_->{output} } @$stopped[0, 2]], [qw(warm cold)],
          'after an input stopped the server the rest run cold') or diag(explain($stopped));
same_as_cold($CODE, [$stopped->[1]]);

my $broken = run_inputs("return (", qw(a b));
is($broken->[0]{status}, 'runtime_error', 'code that does not compile: runtime_error');
same_as_cold("return (", $broken);

done_testing();
