#!/usr/bin/perl
# Hostile clients (issue 9): every request that is not valid gets a JSON
# error {error, code[, field]} with the right status, never httpd's HTML
# page and never a 500, and writes no row to coderun.jobs. What is valid but
# odd (SQL metacharacters, unknown fields) is stored verbatim or ignored.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Test qw(is_error job_count $UUID_RE);

my $stack = Coderun::Stack->for_tests;
my $JSON  = JSON::PP->new->utf8->canonical;
my $MAX_BODY   = $stack->directive('CoderunMaxBodySize') // 5 * 1024 * 1024;
my $MAX_INPUTS = $stack->directive('CoderunMaxInputs') // 1000;
my $MAX_TIME   = $stack->directive('CoderunMaxTimeMs') // 10000;
$SIG{PIPE} = 'IGNORE';    # the server may close while we still send

# POST of raw bytes as application/json.
sub post_raw {
    my ($path, $bytes, %opt) = @_;
    return $stack->request('POST', $path, content => $bytes,
                           headers => { 'content-type' => 'application/json', %{ $opt{headers} // {} } });
}

# Runs BLOCK and checks no job row was written meanwhile.
sub writes_no_job {
    my ($name, $block) = @_;
    my $before = job_count($stack);
    subtest $name => $block;
    is(job_count($stack), $before, "$name: no row written to coderun.jobs");
}

# raw_exchange(HEAD, BODY_PIECES_CODE): sends HEAD, then whatever the code
# returns piece by piece (undef ends) while watching for the answer; stops
# sending as soon as the server answers. Returns {status, headers, content,
# json, sent, seconds}.
sub raw_exchange {
    my ($head, $next_piece) = @_;
    my $t0 = time;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $stack->http_port, Timeout => 10)
        or die "connect: $!";
    $sock->autoflush(1);
    syswrite($sock, $head) == length $head or die "send head: $!";
    my ($sent, $answer, $pending) = (0, '', '');
    my $sel = IO::Select->new($sock);
    while (time - $t0 < 30) {
        if ($sel->can_read(0)) {
            my $n = sysread($sock, my $buf, 65536);
            last unless $n;
            $answer .= $buf;
            next;
        }
        $pending = $next_piece->() // last if $pending eq '' && $next_piece;
        if ($pending ne '' && IO::Select->new($sock)->can_write(0.05)) {
            my $n = syswrite($sock, $pending);
            last unless defined $n;    # EPIPE/ECONNRESET: the server closed
            $sent += $n;
            substr($pending, 0, $n) = '';
        }
        last if !defined $pending;
    }
    # Whatever else comes, until the server closes (Connection: close).
    while ($sel->can_read(5)) {
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $answer .= $buf;
    }
    close $sock;
    my ($status_line, $rest) = split /\r\n/, $answer, 2;
    my ($header_text, $content) = split /\r\n\r\n/, $rest // '', 2;
    my %headers = map { my ($k, $v) = split /:\s*/, $_, 2; (lc $k => $v) } split /\r\n/, $header_text // '';
    $content //= '';
    $content = dechunk($content) if ($headers{'transfer-encoding'} // '') =~ /chunked/i;
    my ($status) = ($status_line // '') =~ m{^HTTP/1\.\d (\d{3})};
    my $json = eval { $JSON->decode($content) };
    return { status => $status // 0, headers => \%headers, content => $content, json => $json,
             sent => $sent, seconds => time - $t0, url => $stack->url('/run'), method => 'POST' };
}

sub dechunk {
    my ($text) = @_;
    my $out = '';
    while ($text =~ s/^([0-9a-fA-F]+)\r\n//) {
        my $n = hex $1;
        last if $n == 0;
        $out .= substr($text, 0, $n, '');
        $text =~ s/^\r\n//;
    }
    return $out;
}

sub head_for {
    my ($path, %headers) = @_;
    my $token = $stack->token;
    return "POST $path HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: $token\r\n"
         . "Content-Type: application/json\r\nConnection: close\r\n"
         . join('', map { "$_: $headers{$_}\r\n" } sort keys %headers) . "\r\n";
}

# ------------------------------------------------------------------ malformed

writes_no_job 'truncated JSON: 400 invalid_json' => sub {
    for my $body ('{', '{"code": "return 1", "inputs": ["a"', '{"code": "x"', '{"code": "\u00', '') {
        is_error(post_raw('/run', $body), 400, "POST /run '$body'", code => 'invalid_json');
    }
    is_error(post_raw('/execute-problem', '{"userCode": "x", "testCases": [{'), 400,
             'POST /execute-problem truncated', code => 'invalid_json');
};

writes_no_job '10,000 levels of nesting: 400 invalid_json' => sub {
    my $deep_array  = '{"code": "x", "extra": ' . ('[' x 10_000) . (']' x 10_000) . '}';
    my $deep_object = '{"code": "x", "extra": ' . ('{"a":' x 10_000) . '1' . ('}' x 10_000) . '}';
    my $deep_inputs = '{"code": "x", "inputs": ' . ('[' x 10_000) . (']' x 10_000) . '}';
    is_error(post_raw('/run', $deep_array), 400, 'arrays', code => 'invalid_json');
    is_error(post_raw('/run', $deep_object), 400, 'objects', code => 'invalid_json');
    is_error(post_raw('/run', $deep_inputs), 400, 'inputs', code => 'invalid_json');
    is_error(post_raw('/execute-problem', '{"userCode":"x","solutionCode":"y","testCases":[{"id":'
                      . ('[' x 10_000) . (']' x 10_000) . ',"input":"1"}]}'), 400, 'test case id',
             code => 'invalid_json');
};

writes_no_job '100 MB by Content-Length: 413 before the body is read' => sub {
    my $piece = '{"code": "' . ('x' x 65_000);
    my $res = raw_exchange(head_for('/run', 'Content-Length' => 100 * 1024 * 1024), sub {
        my $p = $piece;
        $piece = undef;    # one piece only; the rest is never sent
        return $p;
    });
    is_error($res, 413, '100 MB declared, 64 KB sent', code => 'body_too_large');
    cmp_ok($res->{seconds}, '<', 5, sprintf('answered in %.2fs, without waiting for the body', $res->{seconds}));
};

writes_no_job 'chunked body over CoderunMaxBodySize: 413' => sub {
    my $left = $MAX_BODY + 512 * 1024;
    my $first = 1;
    my $res = raw_exchange(head_for('/run', 'Transfer-Encoding' => 'chunked'), sub {
        return undef if $left < 0;
        if ($left == 0) { $left = -1; return "0\r\n\r\n" }
        my $data = $first ? '{"code": "' . ('x' x 65_000) : 'x' x 65_536;
        $first = 0;
        $data = substr($data, 0, $left) if length $data > $left;
        $left -= length $data;
        return sprintf("%x\r\n%s\r\n", length $data, $data);
    });
    is_error($res, 413, "chunked, ${\ ($MAX_BODY + 512 * 1024)} bytes", code => 'body_too_large');
};

writes_no_job 'a single 10 MB input: 413' => sub {
    is_error($stack->post_json('/run', { code => 'return input_str', inputs => ['x' x (10 * 1024 * 1024)] }),
             413, '10 MB input', code => 'body_too_large');
};

# ------------------------------------------------------------ wrong fields

my @WRONG = (JSON::PP::true, 5, 1.5, [], ['x'], {}, { a => 1 });
my %RUN_OK = (code => 'return input_str');
my %PROBLEM_OK = (userCode => 'x = 1', solutionCode => 'x = 1', testCases => [{ id => 1, input => 'x' }]);

writes_no_job 'wrong types for every field of /run: 400 naming it' => sub {
    for my $value (@WRONG) {
        my $shown = $JSON->allow_nonref->encode($value);
        for my $field (qw(code language mode)) {
            is_error($stack->post_json('/run', { %RUN_OK, $field => $value }), 400, "$field = $shown", field => $field);
        }
        next if ref $value eq 'ARRAY';
        is_error($stack->post_json('/run', { %RUN_OK, inputs => $value }), 400, "inputs = $shown", field => 'inputs');
        is_error($stack->post_json('/run', { %RUN_OK, inputs => [$value] }), 400, "inputs = [$shown]", field => 'inputs');
        next if ref $value eq 'HASH';
        is_error($stack->post_json('/run', { %RUN_OK, limits => $value }), 400, "limits = $shown", field => 'limits');
        for my $limit (qw(time_ms memory_mb output_kb)) {
            next if $shown eq '5';    # a valid limit
            is_error($stack->post_json('/run', { %RUN_OK, limits => { $limit => $value } }), 400,
                     "limits.$limit = $shown", field => "limits.$limit");
        }
    }
    for my $limit (qw(time_ms memory_mb output_kb)) {
        is_error($stack->post_json('/run', { %RUN_OK, limits => { $limit => "100" } }), 400,
                 "limits.$limit = \"100\"", field => "limits.$limit");
    }
    is_error($stack->post_json('/run', { %RUN_OK, inputs => [undef] }), 400, 'inputs = [null]', field => 'inputs');
    is_error($stack->post_json('/run', { %RUN_OK, inputs => [] }), 400, 'inputs = []', field => 'inputs');
    is_error($stack->post_json('/run', { %RUN_OK, mode => 'problem' }), 400, 'mode = "problem"', field => 'mode');
    is_error($stack->post_json('/run', { %RUN_OK, language => 'no-such' }), 400, 'unknown language', field => 'language');
    is_error($stack->post_json('/run', { %RUN_OK, code => undef }), 400, 'code = null', field => 'code');
};

writes_no_job 'wrong types for every field of /execute-problem: 400 naming it' => sub {
    for my $value (@WRONG) {
        my $shown = $JSON->allow_nonref->encode($value);
        for my $field (qw(userCode solutionCode language)) {
            is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, $field => $value }), 400,
                     "$field = $shown", field => $field);
        }
        is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => [{ id => 1, input => $value }] }),
                 400, "testCases[0].input = $shown", field => 'testCases');
        next if ref $value eq 'ARRAY';
        is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => $value }), 400,
                 "testCases = $shown", field => 'testCases');
        is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => [$value] }), 400,
                 "testCases = [$shown]", field => 'testCases') unless ref $value eq 'HASH';
        next if ref $value eq 'HASH';
        is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, limits => $value }), 400,
                 "limits = $shown", field => 'limits');
        is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, limits => { time_ms => $value } }), 400,
                 "limits.time_ms = $shown", field => 'limits.time_ms') unless $shown eq '5';
    }
    for my $field (qw(userCode solutionCode testCases)) {
        my %body = %PROBLEM_OK;
        delete $body{$field};
        is_error($stack->post_json('/execute-problem', \%body), 400, "no $field", field => $field);
    }
    is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => [{ id => 1 }] }), 400,
             'a test case without input', field => 'testCases');
    is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => [] }), 400,
             'testCases = []', field => 'testCases');
};

writes_no_job 'empty code: 400' => sub {
    is_error($stack->post_json('/run', { code => '' }), 400, 'code ""', field => 'code');
    is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, userCode => '' }), 400, 'userCode ""', field => 'userCode');
    is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, solutionCode => '' }), 400, 'solutionCode ""',
             field => 'solutionCode');
};

writes_no_job '10,001 inputs: 400 too_many_inputs' => sub {
    is_error($stack->post_json('/run', { %RUN_OK, inputs => [('1') x 10_001] }), 400, '10,001 inputs',
             field => 'inputs', code => 'too_many_inputs');
    is_error($stack->post_json('/execute-problem', { %PROBLEM_OK, testCases => [({ id => 1, input => '1' }) x 10_001] }),
             400, '10,001 test cases', field => 'testCases', code => 'too_many_inputs');
};

writes_no_job 'negative, zero and huge limits: 400 naming the limit' => sub {
    for my $limit (qw(time_ms memory_mb output_kb)) {
        for my $value ('-1', '0', '-9223372036854775808', '2147483648', '9223372036854775807',
                       '99999999999999999999999', '1e999', '-1e999') {
            is_error(post_raw('/run', qq({"code": "x", "limits": {"$limit": $value}})), 400,
                     "limits.$limit = $value", field => "limits.$limit");
        }
    }
    is_error($stack->post_json('/run', { %RUN_OK, limits => { time_ms => $MAX_TIME + 1 } }), 400,
             'time_ms one over the maximum', field => 'limits.time_ms', code => 'limit_too_high');
};

# ----------------------------------------------------------- strings inside

writes_no_job 'invalid UTF-8 in strings: 400' => sub {
    my %bad = ('lone byte \xff' => "\xff", 'truncated sequence \xc3' => "\xc3",
               'overlong \xc0\xaf' => "\xc0\xaf", 'UTF-16 surrogate \xed\xa0\x80' => "\xed\xa0\x80",
               'over U+10FFFF \xf4\x90\x80\x80' => "\xf4\x90\x80\x80");
    for my $name (sort keys %bad) {
        my $b = $bad{$name};
        is_error(post_raw('/run', qq({"code": "x$b"})), 400, "code: $name");
        is_error(post_raw('/run', qq({"code": "x", "inputs": ["a$b"]})), 400, "inputs: $name");
        is_error(post_raw('/run', qq({"code": "x", "language": "py$b"})), 400, "language: $name");
        is_error(post_raw('/execute-problem', qq({"userCode": "x$b", "solutionCode": "x", "testCases": [{"id": 1, "input": "x"}]})),
                 400, "userCode: $name");
        is_error(post_raw('/execute-problem', qq({"userCode": "x", "solutionCode": "x", "testCases": [{"id": "$b", "input": "x"}]})),
                 400, "testCases[0].id: $name");
    }
};

writes_no_job 'NUL bytes and \u0000 escapes: 400' => sub {
    is_error(post_raw('/run', qq({"code": "a\0b"})), 400, 'raw NUL in code');
    is_error(post_raw('/run', qq({"code": "ab"}\0)), 400, 'raw NUL after the JSON value');
    for my $field (qw(code language mode)) {
        is_error(post_raw('/run', qq({"code": "x", "$field": "a\\u0000b"})), 400, "\\u0000 in $field", field => $field);
    }
    is_error(post_raw('/run', '{"code": "x", "inputs": ["ok", "a\u0000b"]}'), 400, '\u0000 in inputs', field => 'inputs');
    for my $field (qw(userCode solutionCode)) {
        is_error(post_raw('/execute-problem', $JSON->encode({ %PROBLEM_OK, $field => "a\0b" })), 400,
                 "\\u0000 in $field", field => $field);
    }
    is_error(post_raw('/execute-problem', $JSON->encode({ %PROBLEM_OK, testCases => [{ id => 1, input => "a\0" }] })),
             400, '\u0000 in testCases[0].input', field => 'testCases');
    is_error(post_raw('/execute-problem', $JSON->encode({ %PROBLEM_OK, testCases => [{ id => "a\0b", input => 'x' }] })),
             400, '\u0000 in testCases[0].id', field => 'testCases');
};

subtest 'unknown fields are ignored (documented: job_request.h, API.md conventions)' => sub {
    my $before = job_count($stack);
    my $res = $stack->post_json('/run', { %RUN_OK, inputs => ['u'], priority => -100, worker => 'x',
                                          state => 'finished', nested => { a => [1, { b => undef }] } });
    is($res->{status}, 202, 'POST /run with unknown fields: 202') or diag($res->{content});
    my $job = $stack->wait_result($res->{json}{exec_id} // 'none');
    is($job->{json}{results}[0]{output}, 'u', 'the job ran as if they were absent');
    isnt($stack->psql("SELECT priority FROM coderun.jobs WHERE id = '$res->{json}{exec_id}'"), '-100',
         'a client cannot set the priority') if $res->{status} == 202;
    $res = $stack->post_json('/execute-problem', { %PROBLEM_OK, extra => [1, 2] });
    is($res->{status}, 202, 'POST /execute-problem with unknown fields: 202') or diag($res->{content});
    is(job_count($stack), $before + 2, 'two jobs written');
};

subtest 'SQL metacharacters in every string are stored verbatim' => sub {
    my $evil = q{'; DROP TABLE coderun.jobs; -- " \\ $$ $1 %s %% ?::text /* */ E'\\x00' ) ; COMMIT; };
    my $code = "return input_str  # $evil";
    my $res = $stack->post_json('/run', { code => $code, inputs => [$evil, "x$evil\n"] });
    is($res->{status}, 202, 'POST /run: 202') or diag($res->{content});
    my $id = $res->{json}{exec_id} // 'none';
    my $job = $stack->wait_result($id);
    is($job->{json}{status}, 'finished', 'finished');
    is_deeply([map { $_->{input} } @{ $job->{json}{results} // [] }], [$evil, "x$evil\n"], 'inputs read back verbatim');
    is_deeply([map { $_->{output} } @{ $job->{json}{results} // [] }], [$evil, "x$evil\n"], 'the program saw them verbatim');
    is($stack->psql("SELECT code = :'code' FROM coderun.jobs WHERE id = '$id'", code => $code), 't',
       'code stored verbatim') if $id =~ $UUID_RE;
    is_error($stack->post_json('/run', { code => 'x', language => $evil }), 400, 'language: unknown, not SQL',
             field => 'language');

    $res = $stack->post_json('/execute-problem', { userCode => "v = 1  # $evil", solutionCode => "v = 1  # $evil",
                                                   testCases => [{ id => $evil, input => "v  # $evil" }] });
    is($res->{status}, 202, 'POST /execute-problem: 202') or diag($res->{content});
    my $problem = $stack->wait_result($res->{json}{job_id} // 'none', prefix => '/result-problem/');
    my ($case) = @{ $problem->{json}{results} // [] };
    is($case->{id}, $evil, 'test case id read back verbatim');
    is($case->{input}, "v  # $evil", 'test case input read back verbatim');
    ok($case->{passed}, 'and the case ran');
    is($stack->psql('SELECT count(*) > 0 FROM coderun.jobs'), 't', 'coderun.jobs is still there');
};

# ---------------------------------------------------------------- ids, paths

writes_no_job 'non-UUID ids and path traversal: 404 JSON' => sub {
    my @ids = ('x', '1', '-1', '0' x 36, '00000000-0000-0000-0000-00000000000', '00000000-0000-0000-0000-0000000000000',
               '{00000000-0000-0000-0000-000000000000}', '00000000000000000000000000000000',
               'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', "00000000-0000-0000-0000-000000000000'--",
               '%00', '%2500', '..', '...', '%2e%2e', '..%2f..%2fetc%2fpasswd', '..;', 'a%0d%0aSet-Cookie:x',
               "00000000-0000-0000-0000-000000000000/extra", 'ffffffff-ffff-ffff-ffff-ffffffffffff');
    for my $prefix ('/result/', '/result-problem/') {
        for my $id (@ids) {
            is_error($stack->get_json("$prefix$id"), 404, "GET $prefix$id");
        }
    }
    for my $path ('/result/../../etc/passwd', '/result/../run', '/result/%2e%2e/%2e%2e/etc/passwd',
                  '/result/..%2F..%2Fetc%2Fpasswd', '/../../../../etc/passwd', '/result/%00') {
        my $res = $stack->get_json($path);
        ok($res->{status} =~ /^40[045]$/, "GET $path: 400, 404 or 405 (got $res->{status})");
        like($res->{headers}{'content-type'} // '', qr{^application/json}, "GET $path: JSON")
            or diag("Not JSON: GET $path -> $res->{status} $res->{headers}{'content-type'}\n" . substr($res->{content}, 0, 300));
        unlike($res->{content} // '', qr/root:/, "GET $path: no file content");
    }
};

# --------------------------------------------------------------- methods

writes_no_job 'methods other than the allowed ones: 405 with Allow' => sub {
    my $id = '00000000-0000-0000-0000-000000000000';
    my %allow = ('/run' => qr/^POST$/, '/execute-problem' => qr/^POST$/, "/result/$id" => qr/\bGET\b/,
                 "/result-problem/$id" => qr/\bGET\b/, '/metrics' => qr/\bGET\b/, '/languages' => qr/\bGET\b/,
                 '/health' => qr/\bGET\b/, '/openapi.json' => qr/\bGET\b/);
    for my $path (sort keys %allow) {
        for my $method (qw(PUT DELETE PATCH OPTIONS), $path =~ /run|problem$/ ? 'GET' : 'POST') {
            my $res = $stack->request($method, $path, content => '{}', headers => { 'content-type' => 'application/json' });
            is_error($res, 405, "$method $path");
            like($res->{headers}{allow} // '', $allow{$path}, "$method $path: Allow");
        }
    }
    my $res = $stack->request('TRACE', '/run');
    isnt($res->{status}, 200, 'TRACE is not echoed back (it would show the x-api-key)')
        or diag("TRACE /run -> $res->{status} $res->{headers}{'content-type'}");
    like($res->{headers}{'content-type'} // '', qr{^application/json}, 'TRACE /run: JSON');
};

# ------------------------------------------------------------ huge headers

writes_no_job 'headers with huge values: a JSON error, the server stays up' => sub {
    my $near = 'k' x 8000;    # under httpd's LimitRequestFieldSize (8190)
    is_error($stack->get_json('/metrics', key => $near), 401, 'x-api-key of 8,000 bytes');
    is_error($stack->get_json('/metrics', key => undef, headers => { authorization => "Bearer $near" }), 401,
             'Authorization of 8,000 bytes');
    for my $case (['x-api-key of 100 KB', key => 'k' x 100_000],
                  ['a 100 KB header', headers => { 'x-junk' => 'j' x 100_000 }],
                  ['200 headers', headers => { map { ("x-h$_" => 'v') } 1 .. 200 }],
                  ['a 20 KB query string', path => '/metrics?' . ('a' x 20_000)],
                  ['a 100 KB Content-Type', method => 'POST', path => '/run',
                   headers => { 'content-type' => 'application/json' . ('x' x 100_000) }]) {
        my ($name, %opt) = @$case;
        my $res = $stack->request(delete $opt{method} // 'GET', delete $opt{path} // '/metrics', %opt);
        ok($res->{status} >= 400 && $res->{status} < 500, "$name: 4xx (got $res->{status})");
        like($res->{headers}{'content-type'} // '', qr{^application/json}, "$name: JSON")
            or diag("Not JSON: $name -> $res->{status} " . ($res->{headers}{'content-type'} // '') . "\n"
                    . substr($res->{content} // '', 0, 200));
    }
    is($stack->get_json('/health')->{status}, 200, 'httpd still answers');
};

done_testing;
