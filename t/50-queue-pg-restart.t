#!/usr/bin/perl
# PostgreSQL stopped and started mid-load (issue 5): while it is down the
# module answers 503 JSON with Retry-After within 2 s; afterwards httpd and
# sandboxd recover by themselves and no job is lost.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);
use Coderun::Stack;
use Coderun::Queue qw(start_worker stop_stack_worker stop_postgres start_postgres queue_jobs
                      wait_until job_states case_problems);

my $JOBS = 80;
my $OUTAGE_S = 3;
my $stack = Coderun::Stack->for_tests;
stop_stack_worker($stack);
my $request = { code => "import time\ntime.sleep(0.05)\nreturn input_str[::-1]", inputs => ['ab', 'cd'] };
my @ids = queue_jobs($stack, $JOBS, $request);
my $worker = start_worker($stack, lease_s => 5, slots => 2);
wait_until('some jobs to finish', 60,
           sub { $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state = 'finished'") >= 10 });

# A long-poll already waiting when PostgreSQL goes away.
my $poller_file = $stack->path('longpoll.json');
my $poller = fork // die "fork: $!";
if ($poller == 0) {
    my $res = HTTP::Tiny->new(timeout => 30)->get($stack->url("/result/$ids[-1]?wait=20"),
                                                  { headers => { 'x-api-key' => $stack->token } });
    open my $fh, '>', $poller_file or POSIX::_exit(1);
    print {$fh} encode_json({ status => $res->{status}, at => time, body => $res->{content},
                              retry_after => $res->{headers}{'retry-after'} });
    close $fh;
    POSIX::_exit(0);
}
sleep 0.3;    # the long-poll is in its wait (the job is far down the queue)

my $stop_begun = time;
stop_postgres($stack);
my $down_at = time;
my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
my %headers = ('x-api-key' => $stack->token, 'content-type' => 'application/json');
my @probes = (['POST', '/run', encode_json($request)], ['GET', "/result/$ids[-1]"],
              ['GET', "/result/$ids[-1]?wait=5"], ['GET', '/health']);
my (%bad, %slowest, %count);
# Every probe, in turn, for the whole outage.
for (my $n = 0; time - $down_at < $OUTAGE_S || $n < @probes; $n++) {
    my ($method, $path, $body) = @{ $probes[$n % @probes] };
    my $name = "$method $path";
    my $t0 = time;
    my $res = $http->request($method, $stack->url($path), { headers => \%headers, defined $body ? (content => $body) : () });
    my $took = time - $t0;
    $count{$name}++;
    $slowest{$name} = $took if $took > ($slowest{$name} // 0);
    my $json = eval { decode_json($res->{content}) } // {};
    my $ok = $res->{status} == 503 && ($res->{headers}{'content-type'} // '') =~ m{^application/json}
          && ($res->{headers}{'retry-after'} // '') =~ /^\d+$/
          && ($path eq '/health' ? ($json->{database} // '') ne 'ok' : ($json->{code} // '') =~ /\w/);
    $bad{$name} //= "$res->{status} $res->{content}" unless $ok;
    sleep 0.02;
}
for my $name (sort keys %count) {
    ok(!$bad{$name}, "$name during the outage: 503 JSON with Retry-After ($count{$name} requests)")
        or diag($bad{$name});
    cmp_ok($slowest{$name}, '<', 2, sprintf('  answered within 2 s (slowest %.0f ms)', 1000 * $slowest{$name}));
}
waitpid($poller, 0);
my $lp = decode_json(Coderun::Stack::slurp($poller_file));
is($lp->{status}, 503, 'a long-poll waiting when PostgreSQL stopped answers 503') or diag($lp->{body});
ok($lp->{retry_after}, '  with Retry-After');
cmp_ok($lp->{at} - $stop_begun, "<", 2, sprintf("  %.0f ms after pg_ctl stop began", 1000 * ($lp->{at} - $stop_begun)));

start_postgres($stack);
my $up_at = time;
# httpd comes back by itself: the first 202 within a deadline, then no error.
my $first;
wait_until('POST /run to be accepted again', 30, sub {
    my $res = $http->request('POST', $stack->url('/run'), { headers => \%headers, content => encode_json($request) });
    $first = $res if $res->{status} == 202;
    $res->{status} == 202 });
note(sprintf('module accepts jobs %.2fs after PostgreSQL is back', time - $up_at));
my @after = queue_jobs($stack, 10, $request);
is(scalar @after, 10, 'and keeps accepting (10 more POSTs, all 202)');

wait_until('every job to end', 120, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state IN ('queued', 'running')") == 0 });
note(sprintf('all jobs ended %.1fs after PostgreSQL is back', time - $up_at));
my $total = $JOBS + 11;
is_deeply(job_states($stack), { finished => $total }, "all $total jobs finished: none lost");
is_deeply([case_problems($stack)], [], 'exactly one verdict per case');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE verdict <> 'ok' OR output <> reverse(input)"), 0,
   'every case ok with its own output');
is($stack->psql("SELECT count(*) FROM coderun.workers WHERE pid = $worker AND heartbeat_at > now() - interval '10 s'"),
   1, 'the same sandboxd heartbeats again (it reconnected; no restart)');
my $log = Coderun::Stack::slurp($stack->path('log', 'worker-0.out'));
like($log, qr/"event":"database_(?:lost|unreachable)"/, 'sandboxd logged the database loss');
like($log, qr/"event":"database_back"/, 'and its return');
done_testing;
