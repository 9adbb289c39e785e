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
done_testing;
