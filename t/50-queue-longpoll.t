#!/usr/bin/perl
# GET /result/{id}?wait=S answers as soon as the job ends (issue 5; the API
# promises 50 ms from the worker's commit). For LONGPOLL_JOBS (default 20)
# jobs, the gap between the job's finished_at (set in the worker's write
# transaction, just before its commit) and the long-poll's answer; the
# bound asserted is generous (a loaded 2-core test machine), the median is
# reported.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(time);
use POSIX ();
use Coderun::Stack;

my $JOBS  = $ENV{LONGPOLL_JOBS} // 20;
my $BOUND = 0.5;
my $stack = Coderun::Stack->for_tests(slots => 1);
my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
my %headers = ('x-api-key' => $stack->token, 'content-type' => 'application/json');
# The job outlasts the POST round trip, so the long-poll is waiting when it ends.
my $body = encode_json({ code => "import time\ntime.sleep(0.3)\nreturn input_str", inputs => ['z'] });

my (@gaps, @waited);
for my $n (1 .. $JOBS) {
    my $posted = $http->request('POST', $stack->url('/run'), { headers => \%headers, content => $body });
    my $id = decode_json($posted->{content})->{exec_id};
    my $asked = time;
    my $res = $http->request('GET', $stack->url("/result/$id?wait=10"), { headers => \%headers });
    my $answered = time;
    my $job = eval { decode_json($res->{content}) } // {};
    is($job->{status}, 'finished', "job $n: the long-poll answers with the finished job") or next;
    my $finished = $stack->psql("SELECT extract(epoch FROM finished_at) FROM coderun.jobs WHERE id = :'id'", id => $id);
    push @gaps, $answered - $finished;
    push @waited, $finished - $asked;
}
my @sorted = sort { $a <=> $b } @gaps;
my $median = @sorted ? $sorted[$#sorted / 2] : 0;
note(sprintf('finished_at -> answer over %d jobs: median %.1f ms, min %.1f ms, max %.1f ms',
             scalar @sorted, 1000 * $median, 1000 * ($sorted[0] // 0), 1000 * ($sorted[-1] // 0)));
cmp_ok(scalar(grep { $_ > 0 } @waited), '>=', $JOBS / 2, 'most long-polls were waiting when their job ended');
cmp_ok($sorted[-1] // 99, '<', $BOUND, sprintf('every answer within %.0f ms of finished_at', 1000 * $BOUND));

# ---------------------------------------------------- the dispatcher's reset
# Each httpd child has one connection that LISTENs (application_name
# coderun_dispatcher) and wakes its waiting requests. Reset while a
# long-poll waits, it reconnects and LISTENs again; a job that ended while
# it could not reconnect (its NOTIFY went to nobody) is found by the check
# it makes after reconnecting, not at the long-poll's timeout.
my $reset = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
          . " WHERE application_name = 'coderun_dispatcher'";
my $slow = encode_json({ code => "import time\ntime.sleep(1)\nreturn input_str", inputs => ['r'] });

# Long-polls job id in a child process; returns a sub that gives
# [answered_at, status] once it answered.
sub long_poll {
    my ($id) = @_;
    pipe(my $r, my $w) or die "pipe: $!\n";
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        close $r;
        my $res = HTTP::Tiny->new(timeout => 30)->request('GET', $stack->url("/result/$id?wait=20"), { headers => \%headers });
        my $job = eval { decode_json($res->{content}) } // {};
        print {$w} time, ' ', $job->{status} // "http-$res->{status}", "\n";
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    return sub { my $line = <$r>; waitpid $pid, 0; [split ' ', $line // '0 none'] };
}

sub post_slow {
    my $posted = $http->request('POST', $stack->url('/run'), { headers => \%headers, content => $slow });
    return decode_json($posted->{content})->{exec_id};
}

sub state_of { $stack->psql("SELECT state FROM coderun.jobs WHERE id = :'id'", id => $_[0]) }

sub wait_state {
    my ($id, $want) = @_;
    my $deadline = time + 20;
    while (state_of($id) ne $want) { die "job $id never $want\n" if time > $deadline; select undef, undef, undef, 0.01 }
}

{
    my $id = post_slow();
    my $answer = long_poll($id);
    wait_state($id, 'running');
    cmp_ok($stack->psql($reset), '>', 0, 'the dispatchers\' connections are reset while a long-poll waits');
    my ($answered, $status) = @{ $answer->() };
    is($status, 'finished', 'the long-poll answers with the finished job');
    my $finished = $stack->psql("SELECT extract(epoch FROM finished_at) FROM coderun.jobs WHERE id = :'id'", id => $id);
    cmp_ok($answered - $finished, '<', $BOUND,
           sprintf('within %.0f ms of finished_at (%.1f ms)', 1000 * $BOUND, 1000 * ($answered - $finished)));
}
{
    my $id = post_slow();
    my $answer = long_poll($id);
    wait_state($id, 'running');
    # The dispatchers cannot come back until the job has ended: its NOTIFY is lost.
    $stack->psql('ALTER ROLE coderun_httpd CONNECTION LIMIT 0');
    cmp_ok($stack->psql($reset), '>', 0, 'the dispatchers are reset and kept away');
    wait_state($id, 'finished');
    $stack->psql('ALTER ROLE coderun_httpd CONNECTION LIMIT -1');
    my $back = time;
    my ($answered, $status) = @{ $answer->() };
    is($status, 'finished', 'the long-poll whose NOTIFY was lost answers with the finished job');
    # The dispatcher retries with a backoff of at most 2 s; the long-poll's timeout is 20 s.
    cmp_ok($answered - $back, '<', 2.5,
           sprintf('once the dispatcher is back, not at its timeout (%.0f ms)', 1000 * ($answered - $back)));
}
done_testing;
