#!/usr/bin/perl
# mod_coderun/openapi.json describes every endpoint of the API contract, with
# JSON error answers, and Coderun::OpenAPI's checker accepts bodies that
# match it and rejects bodies that do not. No stack needed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Coderun::OpenAPI qw(load_document check_response);

my $doc = load_document("$FindBin::Bin/../mod_coderun/openapi.json");
is($doc->{openapi}, '3.0.3', 'OpenAPI 3.0.3');

# ------------------------------------------------------------ the endpoints
my %operations = (
    '/run'                     => 'post',
    '/result/{exec_id}'        => 'get',
    '/execute-problem'         => 'post',
    '/result-problem/{job_id}' => 'get',
    '/metrics'                 => 'get',
    '/languages'               => 'get',
    '/health'                  => 'get',
    '/openapi.json'            => 'get',
    map { ("/reports/$_" => 'get') } qw(live daily keys verdicts cases latency),
);
my %public = map { $_ => 1 } qw(/health /openapi.json);
my %error_header = (401 => 'WWW-Authenticate', 405 => 'Allow', 429 => 'Retry-After',
                    503 => 'Retry-After');

is_deeply([sort keys %{ $doc->{paths} }], [sort keys %operations], 'exactly the paths of API.md');
is_deeply([sort map { $_->{type} } values %{ $doc->{components}{securitySchemes} }],
          [qw(apiKey http)], 'x-api-key and bearer security schemes');
is($doc->{components}{securitySchemes}{ApiKey}{name}, 'x-api-key', 'the key header is x-api-key');
is(scalar @{ $doc->{security} }, 2, 'a key is needed by default (either scheme)');

for my $path (sort keys %operations) {
    my $op = $doc->{paths}{$path}{ $operations{$path} };
    ok($op, "$operations{$path} $path") or next;
    ok($op->{operationId}, "$path has an operationId");
    if ($public{$path}) {
        is_deeply($op->{security}, [], "$path needs no key");
    } else {
        ok(!exists $op->{security}, "$path needs a key");
        ok($op->{responses}{401}, "$path documents 401");
    }
    ok($op->{responses}{405}, "$path documents 405");
    for my $status (sort grep { /^[45]/ } keys %{ $op->{responses} }) {
        my ($response, $problem) = Coderun::OpenAPI::operation_response($doc, uc $operations{$path}, $path, $status);
        ok($response && $response->{content}{'application/json'}{schema},
           "$path $status answers application/json") or diag $problem;
        next if $path eq '/health';    # its 503 is the Health body, not an Error
        is($response->{content}{'application/json'}{schema}{'$ref'}, '#/components/schemas/Error',
           "$path $status is an Error");
        my $header = $error_header{$status} or next;
        ok($response->{headers}{$header}, "$path $status sends $header");
    }
}

my @dangling;
walk($doc, sub {
    my ($ref) = @_;
    my (undef, $problem) = Coderun::OpenAPI::resolve($doc, { '$ref' => $ref });
    push @dangling, $ref if $problem;
});
is_deeply(\@dangling, [], 'every $ref resolves');

# ------------------------------------------------------------ bodies that match
my $JSON = JSON::PP->new->utf8;
my $id = '5f0c2a4e-8f7d-4b7e-9a55-0c1f2b3d4e5f';
my $finished = $JSON->decode(<<"END");
{"exec_id": "$id", "status": "finished", "language": "python", "mode": "function",
 "created_at": "2025-11-23T09:00:00.123Z", "started_at": "2025-11-23T09:00:00.2Z",
 "finished_at": "2025-11-23T09:00:01Z", "execution_time": 0.0123,
 "output": {
   "4": {"output": "16", "status": "ok", "time_ms": 0.41, "memory_kb": 9120},
   "x": {"output": "", "status": "runtime_error", "time_ms": 0.52, "memory_kb": 9200,
         "error": "ValueError: invalid literal for int() with base 10: 'x'"}},
 "results": [
   {"index": 0, "input": "4", "output": "16", "status": "ok", "error": "", "exit_code": 0,
    "signal": null, "time_ms": 0.41, "wall_ms": 1.2, "memory_kb": 9120, "output_truncated": false},
   {"index": 1, "input": "x", "output": "", "status": "runtime_error", "error": "ValueError: x",
    "exit_code": 1, "signal": null, "time_ms": 0.52, "wall_ms": 1.3, "memory_kb": 9200,
    "output_truncated": false}],
 "compile": {"status": "ok", "output": ""}, "error": ""}
END
my $queued = $JSON->decode(<<"END");
{"exec_id": "$id", "status": "queued", "language": "c", "mode": "program",
 "created_at": "2025-11-23T09:00:00Z", "started_at": null, "finished_at": null,
 "execution_time": null, "output": {}, "results": [], "compile": {"status": "ok", "output": ""},
 "error": ""}
END

my @good = (
    [POST => '/run', 202, { exec_id => $id, status => 'queued' }],
    [GET => '/result/{exec_id}', 200, $finished],
    [GET => "/result/$id", 200, $queued],
    [POST => '/run', 400, { error => 'code is required.', code => 'missing_field', field => 'code' }],
    [GET => '/result/{exec_id}', 404, { error => 'No such job.', code => 'not_found' }],
    [DELETE => '/run', 405, { error => 'This endpoint answers POST only.', code => 'method_not_allowed' }],
    [POST => '/execute-problem', 202, { job_id => $id }],
    [GET => '/result-problem/{job_id}', 200, $JSON->decode(<<'END')],
{"status": "finished", "error": "", "results": [
  {"id": 1, "input": "add(1, 2)", "solutionOutput": "3", "userOutput": "3", "passed": true,
   "solutionError": "", "userError": "", "solutionRuntime": 0.01, "solutionMemory": 9.1,
   "userRuntime": 0.01, "userMemory": 9.2, "solutionStatus": "ok", "userStatus": "ok"}]}
END
    [GET => '/languages', 200, [{ name => 'python', version => '3.11.2', modes => [qw(function program)] }]],
    [GET => '/health', 200, { status => 'ok', database => 'ok', workers => 2 }],
    [GET => '/health', 503, { status => 'unavailable', database => 'unavailable', workers => 0 }],
    [GET => '/metrics', 200, $JSON->decode(<<'END')],
{"in_progress": 1, "queued": 0, "running": 1, "oldest_queued_age_seconds": 0, "total_executions": 11,
 "succeeded": 9, "failed": 1, "success": 9, "failure": 1, "duration": 0.15, "cases": {"ok": 30, "time_limit": 2}, "languages": {"python": 10},
 "duration_seconds": {"sum": 1.5, "avg": 0.15, "p50": 0.1, "p95": 0.4, "count": 10},
 "duration_histogram": {"buckets": [{"le": 0.05, "count": 2}, {"le": 60, "count": 10}],
                        "sum": 1.5, "count": 10},
 "workers": {"alive": 1, "slots": 2, "busy_slots": 1}}
END
);
for my $case (@good) {
    my ($method, $path, $status, $body) = @$case;
    my @problems = check_response($doc, $method, $path, $status, $body);
    is_deeply(\@problems, [], "$method $path $status: a good body passes") or diag explain \@problems;
}

# ------------------------------------------------------------ bodies that do not
sub changed {
    my ($body, $change) = @_;
    my $copy = $JSON->decode($JSON->encode($body));
    $change->($copy);
    return $copy;
}
my @bad = (
    ['a job status outside the enum', GET => '/result/{exec_id}', 200,
     changed($finished, sub { $_[0]{status} = 'done' }), qr/\$\.status: "done" is not one of/],
    ['a missing required field', GET => '/result/{exec_id}', 200,
     changed($finished, sub { delete $_[0]{compile} }), qr/required property compile/],
    ['a number sent as a string', GET => '/result/{exec_id}', 200,
     changed($finished, sub { $_[0]{results}[0]{exit_code} = '0' }), qr/results\[0\]\.exit_code: string where integer/],
    ['null where not nullable', GET => '/result/{exec_id}', 200,
     changed($finished, sub { $_[0]{results}[1]{output} = undef }), qr/results\[1\]\.output: null/],
    ['a map entry of the wrong shape', GET => '/result/{exec_id}', 200,
     changed($finished, sub { delete $_[0]{output}{4}{status} }), qr/\$\.output\.4: required property status/],
    ['a verdict outside the enum', GET => '/result/{exec_id}', 200,
     changed($finished, sub { $_[0]{output}{x}{status} = 'crashed' }), qr/output\.x\.status/],
    ['a boolean sent as a number', GET => '/result/{exec_id}', 200,
     changed($finished, sub { $_[0]{results}[0]{output_truncated} = 0 }), qr/output_truncated: integer where boolean/],
    ['a bad timestamp', GET => '/result/{exec_id}', 200,
     changed($queued, sub { $_[0]{created_at} = '23/11/2025' }), qr/created_at: .* is not a date-time/],
    ['an error without code', POST => '/run', 400, { error => 'bad' }, qr/required property code/],
    ['an unknown error code', POST => '/run', 400, { error => 'bad', code => 'oops' }, qr/\$\.code/],
    ['an HTML error page', POST => '/run', 500, '<html>', qr/\$: string where object/],
    ['a language without modes array', GET => '/languages', 200,
     [{ name => 'python', version => '3', modes => 'function' }], qr/\$\[0\]\.modes: string where array/],
    ['metrics without per-verdict counts', GET => '/metrics', 200,
     { in_progress => 0, queued => 0 }, qr/required property cases/],
    ['a problem case with a null output', GET => '/result-problem/{job_id}', 200,
     { status => 'finished', error => '', results => [{ input => '1', userOutput => undef }] },
     qr/results\[0\]\.userOutput: null/],
    ['an undocumented status', GET => '/languages', 418, {}, qr/status 418 is not documented/],
    ['an unknown path', GET => '/nowhere', 404, {}, qr/no such path/],
    ['a method the document lacks', PUT => '/run', 200, {}, qr/no such operation/],
);
for my $case (@bad) {
    my ($what, $method, $path, $status, $body, $expect) = @$case;
    my @problems = check_response($doc, $method, $path, $status, $body);
    ok((grep { $_ =~ $expect } @problems), "$what is reported") or diag explain \@problems;
}

done_testing;

# Calls $found->($ref) for every $ref in the document.
sub walk {
    my ($node, $found) = @_;
    if (ref $node eq 'HASH') {
        $found->($node->{'$ref'}) if defined $node->{'$ref'} && !ref $node->{'$ref'};
        walk($_, $found) for values %$node;
    } elsif (ref $node eq 'ARRAY') {
        walk($_, $found) for @$node;
    }
}
