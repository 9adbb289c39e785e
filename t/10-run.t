#!/usr/bin/perl
# POST /run -> GET /result end to end on the real stack (issue 3): the seed
# example, program mode, defaults, what is stored; then stop leaves nothing.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(conforms is_json_number $UUID_RE $RFC3339_RE);

my $stack = Coderun::Stack->for_tests;

# POSTs a job, checks the 202 answer, waits for the result; returns its body.
sub run_job {
    my ($request, $name) = @_;
    my $res = $stack->post_json('/run', $request);
    is($res->{status}, 202, "$name: 202 Accepted") or diag($res->{content});
    my $id = $res->{json}{exec_id} // '';
    like($id, $UUID_RE, "$name: exec_id is a UUID");
    is($res->{json}{status}, 'queued', "$name: status queued");
    is($res->{headers}{location}, "/result/$id", "$name: Location");
    conforms($res, "$name: the POST /run answer");
    my $result = $stack->wait_result($id);
    is($result->{status}, 200, "$name: GET /result is 200");
    is($result->{json}{status}, 'finished', "$name: finished")
        or diag(explain($result->{json}));
    is($result->{json}{exec_id}, $id, "$name: exec_id echoed");
    conforms($result, "$name: the GET /result answer");
    return $result->{json} // {};
}

subtest 'seed example: function mode' => sub {
    my $job = run_job({ code => 'return str(int(input_str) * int(input_str))',
                        inputs => ['4', 'x'], language => 'python' }, 'seed');
    is($job->{language}, 'python', 'language');
    is($job->{mode}, 'function', 'mode defaults to function');
    like($job->{$_} // '', $RFC3339_RE, "$_ is RFC 3339") for qw(created_at started_at finished_at);
    is_json_number($job->{execution_time}, 'execution_time');
    cmp_ok($job->{execution_time} // -1, '>=', 0, 'execution_time >= 0');

    my $out = $job->{output} // {};
    is_deeply([sort keys %$out], ['4', 'x'], 'output keyed by input');
    is($out->{4}{output}, '16', '"4" -> "16"');
    is($out->{4}{status}, 'ok', '"4" ok');
    is($out->{x}{status}, 'runtime_error', '"x" runtime_error');
    is($out->{x}{error}, "ValueError: invalid literal for int() with base 10: 'x'", '"x" error is the seed text');

    my @results = @{ $job->{results} // [] };
    is(scalar @results, 2, 'two results');
    for my $i (0 .. $#results) {
        my $r = $results[$i];
        is($r->{index}, $i, "results[$i].index");
        ok(exists $r->{$_}, "results[$i] has $_")
            for qw(input output status error exit_code signal time_ms wall_ms memory_kb output_truncated);
        is_json_number($r->{$_}, "results[$i].$_") for qw(time_ms wall_ms memory_kb exit_code);
        ok(JSON::PP::is_bool($r->{output_truncated}) && !$r->{output_truncated},
           "results[$i].output_truncated is false");
        is($r->{signal}, undef, "results[$i].signal is null");
    }
    is_deeply([map { $_->{input} } @results], ['4', 'x'], 'inputs in order');
    is($results[0]{output}, '16', 'results[0].output');
    is($results[0]{status}, 'ok', 'results[0].status');
    is($results[0]{exit_code}, 0, 'results[0].exit_code 0');
    is($results[1]{status}, 'runtime_error', 'results[1].status');
    is($results[1]{exit_code}, 1, 'results[1].exit_code 1');
    like($results[1]{error}, qr/ValueError/, 'results[1].error');
};

subtest 'program mode: each input on stdin, output is stdout' => sub {
    my $job = run_job({ mode => 'program', language => 'python',
                        code => "import sys\ndata = sys.stdin.read()\nprint(data.upper(), end='')\n",
                        inputs => ['abc', "two\nlines\n", ''] }, 'program');
    is($job->{mode}, 'program', 'mode');
    is_deeply([map { $_->{output} } @{ $job->{results} }], ['ABC', "TWO\nLINES\n", ''], 'outputs');
    is_deeply([map { $_->{status} } @{ $job->{results} }], [('ok') x 3], 'all ok');
};

subtest 'program mode: exit status and stderr' => sub {
    my $job = run_job({ mode => 'program',
                        code => "import sys\nprint('bye', file=sys.stderr)\nsys.exit(int(sys.stdin.read()))\n",
                        inputs => ['0', '3'] }, 'exit codes');
    my ($zero, $three) = @{ $job->{results} };
    is($zero->{status}, 'ok', 'exit 0 is ok');
    is($three->{status}, 'runtime_error', 'exit 3 is runtime_error');
    is($three->{exit_code}, 3, 'exit_code 3');
    like($three->{error}, qr/bye/, 'error carries stderr');
};

subtest 'defaults: language python, inputs [""]' => sub {
    my $job = run_job({ code => 'return "hi " + repr(input_str)' }, 'defaults');
    is($job->{language}, 'python', 'language python');
    is_deeply([keys %{ $job->{output} // {} }], [''], 'one case, input ""');
    is($job->{output}{''}{output}, "hi ''", 'its output');
    is($job->{results}[0]{input}, '', 'results[0].input is ""');
};

subtest 'each input runs with fresh state' => sub {
    my $job = run_job({ code => "import builtins\nn = getattr(builtins, 'seen', 0) + 1\n"
                              . "builtins.seen = n\nreturn str(n)",
                        inputs => ['a', 'b', 'c'] }, 'isolation');
    is_deeply([map { $_->{output} } @{ $job->{results} }], ['1', '1', '1'], 'no state leaks between inputs');
};

subtest 'the job is stored with its cases' => sub {
    my $res = $stack->post_json('/run', { code => 'return input_str', inputs => ['p', 'q'] });
    my $id = $res->{json}{exec_id};
    $stack->wait_result($id);
    my $row = $stack->psql(<<'SQL', id => $id);
SELECT j.state, j.language, j.mode, k.name, j.attempts, j.finished_at IS NOT NULL,
       (SELECT string_agg(c.input || '=' || c.verdict, ',' ORDER BY c.idx) FROM coderun.cases c WHERE c.job_id = j.id)
  FROM coderun.jobs j JOIN coderun.api_keys k ON k.id = j.key_id
 WHERE j.id = :'id';
SQL
    is($row, 'finished|python|function|default|1|t|p=ok,q=ok', 'jobs and cases rows');
};

$stack->down;
is_deeply([$stack->leftover_pids], [], 'after stop no process uses the stack directory');
ok(!$stack->postgres_running && !$stack->httpd_pid && !$stack->sandboxd_pid, 'all components stopped');
done_testing;
