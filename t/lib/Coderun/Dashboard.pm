package Coderun::Dashboard;

# The known data set of the dashboard's tests (t/85-reports.t, t/90-browser.t):
# real jobs through the API under two keys, then, with the stack's worker
# stopped, a planted worker and queue whose live figures do not move.

use strict;
use warnings;
use Exporter qw(import);
use Test::More;
use Coderun::Queue qw(stop_stack_worker);

our @EXPORT_OK = qw(run_known_jobs plant_live_queue %KNOWN);

# What the figures say after both. default: the stack's key (two jobs run,
# inputs "4" ok and "x" runtime_error each, and the planted two); student:
# one job run, two ok inputs; swagger: the example of POST /run tried out
# in Swagger UI (t/90-browser.t only). All of today, python.
our %KNOWN = (
    jobs        => { default => 4, student => 1, swagger => 1 },
    finished    => { default => 2, student => 1, swagger => 1 },
    verdicts    => { default => { ok => 2, runtime_error => 2 }, student => { ok => 2 },
                     swagger => { ok => 1, runtime_error => 1 } },
    worker      => { worker => 'lab-1:4242', mode => 'planted', slots => 4, busy => 1 },
    queued      => 1,
    running     => 1,
    oldest_min_seconds => 120,
);

# Runs the known jobs; returns the student key's token.
sub run_known_jobs {
    my ($stack) = @_;
    my $student = $stack->add_key('student');
    my @jobs = ((map { [undef, ['4', 'x']] } 1 .. 2), [$student, ['4', '5']]);
    for my $job (@jobs) {
        my ($key, $inputs) = @$job;
        my %as = defined $key ? (key => $key) : ();
        my $id = $stack->post_json('/run', { code => 'return str(int(input_str) * int(input_str))',
                                             inputs => $inputs, language => 'python' }, %as)->{json}{exec_id};
        is($stack->wait_result($id, %as)->{json}{status}, 'finished', "known job $id finished");
    }
    return $student;
}

# The stack's worker stops; a planted one beats an hour ahead, with one
# running job (leased for an hour) and one queued two minutes ago.
sub plant_live_queue {
    my ($stack) = @_;
    stop_stack_worker($stack);
    my $w = $KNOWN{worker};
    $stack->psql(<<"SQL");
INSERT INTO coderun.workers (name, host, pid, slots, busy, sandbox_mode, heartbeat_at)
VALUES ('$w->{worker}', 'lab-1', 4242, $w->{slots}, $w->{busy}, '$w->{mode}', now() + interval '1 hour');
INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, worker,
                          lease_until, created_at, started_at)
SELECT id, 'python', 'function', 'pass', 2000, 256, 64, 'running', '$w->{worker}', now() + interval '1 hour',
       now() - interval '1 minute', now() - interval '1 minute'
  FROM coderun.api_keys WHERE name = 'default' AND revoked_at IS NULL;
INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, created_at)
SELECT id, 'python', 'function', 'pass', 2000, 256, 64, now() - interval '$KNOWN{oldest_min_seconds} seconds'
  FROM coderun.api_keys WHERE name = 'default' AND revoked_at IS NULL;
SQL
}

1;
