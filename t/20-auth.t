#!/usr/bin/perl
# API keys: x-api-key and Bearer, missing/bad/revoked keys, jobs visible
# only to the key that made them.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(is_error job_count);
use Time::HiRes qw(time);

my $stack = Coderun::Stack->for_tests;
my $job = { code => 'return input_str', inputs => ['a'] };
my $jobs_before = job_count($stack);

sub is_unauthorized {
    my ($res, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is_error($res, 401, $name);
    like($res->{headers}{'www-authenticate'} // '', qr/^ApiKey\b/, "$name: WWW-Authenticate: ApiKey");
}

is_unauthorized($stack->post_json('/run', $job, key => undef), 'no key');
is_unauthorized($stack->post_json('/run', $job, key => 'not-a-key'), 'unknown key');
is_unauthorized($stack->post_json('/run', $job, key => ''), 'empty x-api-key');
is_unauthorized($stack->post_json('/run', $job, key => 'not-a-key', bearer => 1), 'unknown Bearer token');
is_unauthorized($stack->post_json('/run', $job, key => undef,
                                  headers => { authorization => 'Basic ' . $stack->token }), 'Basic is not a key');
is(job_count($stack), $jobs_before, 'no job row written for unauthorized requests');

my $mine = $stack->post_json('/run', $job);
is($mine->{status}, 202, 'x-api-key: 202');
my $id = $mine->{json}{exec_id};

my $bearer = $stack->post_json('/run', $job, bearer => 1);
is($bearer->{status}, 202, 'Authorization: Bearer: 202') or diag($bearer->{content});
is($stack->wait_result($bearer->{json}{exec_id}, bearer => 1)->{status}, 200, 'Bearer reads its result');

is_unauthorized($stack->get_json("/result/$id", key => undef), 'GET /result without a key');
is($stack->wait_result($id)->{json}{status}, 'finished', 'the owner reads its job');

subtest "another key's job is 404" => sub {
    my $other = $stack->add_key('other');
    is_error($stack->get_json("/result/$id", key => $other), 404, 'other key reads my job');
    is_error($stack->get_json("/result/$id?wait=1", key => $other), 404, 'also with ?wait');
    my $theirs = $stack->post_json('/run', $job, key => $other);
    is($theirs->{status}, 202, 'other key runs its own job');
    is_error($stack->get_json("/result/$theirs->{json}{exec_id}"), 404, 'I cannot read theirs');
    is($stack->wait_result($theirs->{json}{exec_id}, key => $other)->{status}, 200, 'they can');
};

subtest 'revoked key is 401' => sub {
    my $token = $stack->add_key('short-lived');
    my $res = $stack->post_json('/run', $job, key => $token);
    is($res->{status}, 202, 'works before revocation');
    $stack->revoke_key('short-lived');
    my $count = job_count($stack);
    is_unauthorized($stack->post_json('/run', $job, key => $token), 'POST with a revoked key');
    is_unauthorized($stack->get_json("/result/$res->{json}{exec_id}", key => $token), 'GET with a revoked key');
    is(job_count($stack), $count, 'no job row written with a revoked key');
};

# Each httpd child keeps an ended job's answer for the reader who read it
# (mod_coderun/result_cache.h): read again, it comes without a database
# round trip, to that reader only, and a revocation reaches it within
# CODERUN_RESULT_CACHE_SECONDS (5).
subtest 'a cached result: its reader only, revoked within 5 s' => sub {
    my $token = $stack->add_key('cached-reader');
    my $id = $stack->post_json('/run', $job, key => $token)->{json}{exec_id};
    my $done = $stack->wait_result($id, key => $token);
    is($done->{json}{status}, 'finished', 'the job ended');
    my @reads = map { $stack->get_json("/result/$id", key => $token) } 1 .. 4;
    is_deeply([map { $_->{content} } @reads], [($done->{content}) x 4], 'read again: the same answer each time');
    is_deeply([map { $_->{headers}{etag} } @reads], [("\"$id\"") x 4], '  with its ETag');
    is($stack->get_json("/result/$id", key => $token, headers => { 'if-none-match' => "\"$id\"" })->{status},
       304, '  and 304 for it');
    is_error($stack->get_json("/result/$id"), 404, 'another key still cannot read it');
    $stack->revoke_key('cached-reader');
    my $t0 = time;
    Coderun::Stack::poll_until('the revoked key to get 401 for its cached result',
                               sub { $stack->get_json("/result/$id", key => $token)->{status} == 401 }, 10);
    cmp_ok(time - $t0, '<', 6, 'revoked: 401 within 5 s');
};

subtest 'GET /health needs no key' => sub {
    my $res = $stack->get_json('/health', key => undef);
    is($res->{status}, 200, 'status 200') or diag($res->{content});
    is($res->{json}{status}, 'ok', 'status ok');
    cmp_ok($res->{json}{workers} // 0, '>=', 1, 'our sandboxd is a live worker');
};

done_testing;
