#!/usr/bin/perl
# CoderunAnonymousKey (issue 24): in the scope an admin gives it (here a
# <Location "/public">), requests without a key run as that key, with its
# limits and budget, and are accounted to it; everywhere else a key is still
# required. Also the seeds' remaining details this stack serves: /metrics
# counts total_executions and in_progress at submission; Idempotency-Key
# makes a retried POST return the first job; /swagger and /docs (no slash)
# redirect with a JSON body; problem mode's default time limit is 5 s.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp;
use HTTP::Tiny;
use JSON::PP;
use Coderun::Stack;
use Coderun::Test qw(is_error job_count conforms);
use Coderun::Queue qw(stop_stack_worker start_worker);

my $sample = Coderun::Stack::slurp("$Coderun::Stack::ROOT/httpd.conf.sample");
$sample .= qq{\n<Location "/public">\n    CoderunAnonymousKey public\n</Location>\n};
my $conf = File::Temp->new(SUFFIX => '.conf');
print {$conf} $sample;
close $conf;
my $stack = Coderun::Stack->for_tests(httpd_sample => $conf->filename);
stop_stack_worker($stack);    # jobs stay queued: the metrics below count submissions

my $problem = { userCode => "def add(a, b):\n    return a + b", solutionCode => "def add(a, b):\n    return a + b",
                testCases => [{ id => 1, input => 'add(1, 2)' }] };
sub owner { $_[0]->psql("SELECT k.name FROM coderun.jobs j JOIN coderun.api_keys k ON k.id = j.key_id WHERE j.id = '$_[1]'") }

# ------------------------------------------------------------ anonymous scope
is_error($stack->post_json('/public/execute-problem', $problem, key => undef), 401,
         'the anonymous key does not exist yet: 401', code => 'unauthorized');
$stack->sandboxd_cmd(['key', 'add', 'public', '--max-time-ms', 2000, '--languages', 'python']);
my $res = $stack->post_json('/public/execute-problem', $problem, key => undef);
is($res->{status}, 202, 'no key inside the anonymous scope: 202') or diag $res->{content};
my $id = $res->{json}{job_id};
is(owner($stack, $id), 'public', '  the job is accounted to the anonymous key');
is($stack->psql("SELECT time_ms FROM coderun.jobs WHERE id = '$id'"), 2000,
   "  under its limits (problem mode's 5 s default lowered to its 2 s maximum)");
is($stack->get_json("/public/result-problem/$id", key => undef)->{status}, 200, '  and read back without a key there');
is_error($stack->post_json('/execute-problem', $problem, key => undef), 401,
         'no key outside the scope: 401', code => 'unauthorized');
is_error($stack->get_json("/result-problem/$id", key => undef), 401, '  reading outside it too');
is_error($stack->post_json('/public/execute-problem', { %$problem, limits => { time_ms => 3000 } }, key => undef),
         400, "the anonymous key's own limits apply", field => 'limits.time_ms');
$res = $stack->post_json('/public/execute-problem', $problem);
is(owner($stack, $res->{json}{job_id}), 'default', 'a key sent inside the scope is used, not the anonymous one');
$res = $stack->post_json('/execute-problem', $problem);
is($stack->psql("SELECT time_ms FROM coderun.jobs WHERE id = '$res->{json}{job_id}'"), 5000,
   "problem mode's default time limit is 5 s (CoderunProblemDefaultTimeMs)");
$stack->revoke_key('public');
is_error($stack->post_json('/public/execute-problem', $problem, key => undef), 401,
         'the anonymous key revoked: 401 in its scope');

# ------------------------------------------------------------ metrics count at submission
my $before = $stack->get_json('/metrics')->{json};
$stack->post_json('/run', { code => 'return input_str' }) for 1 .. 2;
my $after = $stack->get_json('/metrics');
conforms($after, 'GET /metrics');
$after = $after->{json};
is($after->{total_executions} - $before->{total_executions}, 2, 'total_executions counts the 2 jobs when submitted');
is($after->{in_progress} - $before->{in_progress}, 2, 'in_progress too, before any worker runs them');
is_deeply([@$after{qw(running success failure)}], [0, @$before{qw(succeeded failed)}],
          'running 0; success and failure are succeeded and failed');
ok(defined $after->{duration}, 'duration is present');

# ------------------------------------------------------------ Idempotency-Key
my $job = { code => 'return input_str', inputs => ['i'] };
my $jobs = job_count($stack);
my $first = $stack->post_json('/run', $job, headers => { 'idempotency-key' => 'attempt-1' });
is($first->{status}, 202, 'a POST with an Idempotency-Key: 202');
my $again = $stack->post_json('/run', $job, headers => { 'idempotency-key' => 'attempt-1' });
is($again->{status}, 202, 'the same request again: 202');
is($again->{json}{exec_id}, $first->{json}{exec_id}, '  with the first job');
is($again->{headers}{'idempotent-replayed'}, 'true', '  marked Idempotent-Replayed');
is(job_count($stack), $jobs + 1, '  and only one job queued');
is_error($stack->post_json('/run', { %$job, inputs => ['other'] }, headers => { 'idempotency-key' => 'attempt-1' }),
         409, 'the same Idempotency-Key with another body: 409', code => 'idempotency_conflict');
my $other = $stack->add_key('other');
isnt($stack->post_json('/run', $job, key => $other, headers => { 'idempotency-key' => 'attempt-1' })->{json}{exec_id},
     $first->{json}{exec_id}, 'Idempotency-Keys are per API key');
is_error($stack->post_json('/run', $job, headers => { 'idempotency-key' => "x" x 256 }), 400,
         'an Idempotency-Key over 255 characters: 400', field => 'Idempotency-Key');

# ------------------------------------------------------------ Swagger UI addresses
my $no_follow = HTTP::Tiny->new(max_redirect => 0);
for my $path ('/swagger', '/docs') {
    my $r = $no_follow->get($stack->url($path));
    my $body = eval { JSON::PP->new->decode($r->{content}) } // {};
    is($r->{status}, 301, "$path redirects");
    is($r->{headers}{location} =~ s{^https?://[^/]+}{}r, "$path/", "  to $path/");
    is($body->{code}, 'moved', '  with a JSON body, not internal_error');
}
SKIP: {
    skip 'swagger-ui-dist is not installed (make deps)', 1 unless -d $stack->swagger_dir;
    like($stack->http->get($stack->url('/docs/'))->{content}, qr/swagger-ui/i, '/docs/ serves Swagger UI');
}
done_testing;
