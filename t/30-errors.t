#!/usr/bin/perl
# Every rejected request gets a JSON error with the right status (never
# httpd's HTML page, never a 500) and writes no job.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(is_error job_count);

my $stack = Coderun::Stack->for_tests;
my $jobs_before = job_count($stack);

subtest 'body is not valid JSON: 400' => sub {
    for my $body ('{"code": ', 'code=1', '{"code": "x",}', "\xff\xfe{}") {
        is_error($stack->request('POST', '/run', content => $body,
                                 headers => { 'content-type' => 'application/json' }),
                 400, "body " . JSON::PP->new->allow_nonref->ascii->encode($body));
    }
    is_error($stack->request('POST', '/run', content => '["return 1"]',
                             headers => { 'content-type' => 'application/json' }), 400, 'JSON array, not an object');
};

subtest 'not JSON: 415' => sub {
    my $json = '{"code": "return input_str"}';
    is_error($stack->request('POST', '/run', content => $json, headers => { 'content-type' => 'text/plain' }),
             415, 'text/plain');
    is_error($stack->request('POST', '/run', content => $json,
                             headers => { 'content-type' => 'application/x-www-form-urlencoded' }), 415, 'form');
    is_error($stack->request('POST', '/run', content => $json), 415, 'application/octet-stream');
};

subtest 'application/json with a charset is JSON' => sub {
    my $res = $stack->request('POST', '/run', content => '{"code": "return input_str"}',
                              headers => { 'content-type' => 'application/json; charset=utf-8' });
    is($res->{status}, 202, 'accepted (202)') or diag($res->{content});
    $jobs_before++ if $res->{status} == 202;
};

subtest 'body over CoderunMaxBodySize: 413' => sub {
    my $max = $stack->directive('CoderunMaxBodySize') // 5 * 1024 * 1024;
    my $body = '{"code": "return 1", "pad": "' . ('x' x $max) . '"}';
    is_error($stack->request('POST', '/run', content => $body,
                             headers => { 'content-type' => 'application/json' }), 413, "body of ${\ length $body} bytes");
};

subtest 'bad or unknown id: 404' => sub {
    for my $id ('not-a-uuid', '12345', '00000000-0000-0000-0000-00000000000g',
                '00000000-0000-0000-0000-000000000000', 'a' x 300, "%27%3B%20DROP%20TABLE%20x") {
        is_error($stack->get_json("/result/$id"), 404, "GET /result/" . substr($id, 0, 40));
    }
    is_error($stack->get_json('/result/'), 404, 'GET /result/ without id');
    is_error($stack->get_json('/no/such/endpoint'), 404, 'unknown path');
};

subtest 'unknown language: 400 naming the known ones' => sub {
    my $err = is_error($stack->post_json('/run', { code => 'x', language => 'intercal' }), 400, 'intercal',
                       field => 'language');
    like($err->{error} // '', qr/python/, 'the sentence lists python');
};

subtest 'wrong field types and values: 400 with field' => sub {
    my @cases = (
        [{},                                              'code',   'no code'],
        [{ code => 5 },                                   'code',   'code is a number'],
        [{ code => ['x'] },                               'code',   'code is an array'],
        [{ code => 'x', inputs => 'abc' },                'inputs', 'inputs is a string'],
        [{ code => 'x', inputs => [1, 2] },               qr/^inputs/, 'inputs holds numbers'],
        [{ code => 'x', inputs => [undef] },              qr/^inputs/, 'inputs holds null'],
        [{ code => 'x', language => 7 },                  'language', 'language is a number'],
        [{ code => 'x', mode => 'batch' },                'mode',   'unknown mode'],
        [{ code => 'x', limits => 'fast' },               'limits', 'limits is a string'],
        [{ code => 'x', limits => { time_ms => 'fast' } }, qr/time_ms/, 'limits.time_ms is a string'],
        [{ code => 'x', limits => { memory_mb => -1 } },   qr/memory_mb/, 'limits.memory_mb negative'],
        [{ code => 'x', limits => { time_ms => 1 + ($stack->directive('CoderunMaxTimeMs') // 10000) } },
                                                          qr/time_ms/, 'limits.time_ms over the maximum'],
        [{ code => 'x', inputs => [('1') x (1 + ($stack->directive('CoderunMaxInputs') // 1000))] },
                                                          'inputs', 'more inputs than CoderunMaxInputs'],
    );
    for my $case (@cases) {
        my ($body, $field, $name) = @$case;
        is_error($stack->post_json('/run', $body), 400, $name, field => $field);
    }
};

subtest 'wrong method: 405 with Allow' => sub {
    for my $method (qw(GET PUT DELETE)) {
        my $res = $stack->request($method, '/run');
        is_error($res, 405, "$method /run");
        like($res->{headers}{allow} // '', qr/\bPOST\b/, "$method /run: Allow names POST");
    }
};

is(job_count($stack), $jobs_before, 'no job row written for any rejected request');
done_testing;
