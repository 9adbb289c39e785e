#!/usr/bin/perl
# The problem API on the real stack (issue 6): POST /execute-problem and
# GET /result-problem/{id} with the seed's shapes; the solution and the user
# code each evaluate a test case's expression, compared as canonical JSON.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(conforms is_error is_json_number $UUID_RE);

my $stack = Coderun::Stack->for_tests;

my @CASE_KEYS = qw(id input solutionOutput userOutput passed solutionError userError
                   solutionRuntime solutionMemory userRuntime userMemory solutionStatus userStatus);

# POSTs a problem; checks the 202 answer; returns the job id.
sub submit {
    my ($request, $name) = @_;
    my $res = $stack->post_json('/execute-problem', $request);
    is($res->{status}, 202, "$name: 202") or diag($res->{content});
    my $id = $res->{json}{job_id} // '';
    like($id, $UUID_RE, "$name: job_id is a UUID");
    is_deeply([keys %{ $res->{json} // {} }], ['job_id'], "$name: the answer is {job_id}");
    conforms($res, "$name: the POST answer");
    return $id;
}

# The finished result of a submitted problem: {id => case}.
sub cases_of {
    my ($id, $name) = @_;
    my $res = $stack->wait_result($id, prefix => '/result-problem/', timeout => 90);
    is($res->{status}, 200, "$name: 200");
    my $body = $res->{json} // {};
    is($body->{status}, 'finished', "$name: finished") or diag(explain($body));
    is($body->{error}, '', "$name: no job error");
    conforms($res, "$name: the result");
    for my $case (@{ $body->{results} // [] }) {
        is_deeply([sort keys %$case], [sort @CASE_KEYS], "$name: case $case->{id} has the seed's fields");
    }
    return { map { $_->{id} => $_ } @{ $body->{results} // [] } };
}

sub passes {
    my ($case, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    ok($case->{passed}, "$name: passed")
        or diag(explain($case));
    is($case->{userOutput}, $case->{solutionOutput}, "$name: equal outputs");
    is($case->{userError} . $case->{solutionError}, '', "$name: no errors");
}

# Everything is queued first so that both worker slots stay busy; the
# subtests then collect the results.
my %LIMITS = (time_ms => 1000);
my %job;

my $SEED_CODE = "def add(a, b): return a + b";
$job{seed} = submit({ userCode => $SEED_CODE, solutionCode => $SEED_CODE,
                      testCases => [{ id => 1, input => 'add(1, 2)' }] }, 'seed');

# A user's infinite loop; queued early, so that it is still pending below.
$job{loop} = submit({ limits => \%LIMITS,
                      solutionCode => "def f(n):\n    return n * 2\n",
                      userCode => "def f(n):\n    while n == 2:\n        pass\n    return n * 2\n",
                      testCases => [map { { id => $_, input => "f($_)" } } 1 .. 3] }, 'loop');

# Equal states built differently: attribute order, tuples for lists, set
# order, __slots__, nested objects; prints and a __main__ block do not
# disturb it.
$job{state} = submit({ limits => \%LIMITS,
    solutionCode => <<'PY',
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class Node:
    def __init__(self, value, rest=None):
        self.value, self.next = value, rest


def make(x, y):
    return Point(x, y)


def shape():
    return {"b": (1, 2), "a": {3, 1, 2}, "f": 0.1 + 0.2}


def slotted():
    return Slotted([1], {"k": Point(0, 0)})


def chain(n):
    head = None
    for i in range(n):
        head = Node(i, head)
    return head
PY
    userCode => <<'PY',
print("debugging output is not the answer")
list = dict = set = str = None    # rebound builtins do not break the comparison


class Point:
    def __init__(self, x, y):
        self.y = y
        self.x = x


class Slotted:
    __slots__ = ("b", "a")


class Node:
    pass


def make(x, y):
    print("still not the answer")
    return Point(x, y)


def shape():
    return {"f": 0.30000000000000004, "a": {2, 3, 1}, "b": [1, 2]}


def slotted():
    s = Slotted()
    s.b = {"k": Point(0, 0)}
    s.a = (1,)
    return s


def chain(n):
    head = None
    for i in range(n):
        node = Node()
        node.next, node.value = head, i
        head = node
    return head


if __name__ == "__main__":    # a script's own tests do not run
    print(chain(int(input())))
PY
    testCases => [{ id => 'class', input => 'make(1, 2)' },
                  { id => 'shape', input => 'shape()' },
                  { id => 'slots', input => 'slotted()' },
                  { id => 'deep',  input => 'chain(1500)' },
                  { id => 'two',   input => '[make(1, 2), make(1, 2)]' }] }, 'state');

# A user exception, a wrong answer, a different float, a broken solution.
$job{wrong} = submit({ limits => \%LIMITS,
    solutionCode => "def f(n):\n    return n + 1\n\ndef g():\n    return 0.3\n",
    userCode => "def f(n):\n    if n == 0:\n        raise ValueError('n must not be 0')\n    return n + 2\n\n"
              . "def g():\n    return 0.1 + 0.2\n",
    testCases => [{ id => 1, input => 'f(0)' }, { id => 2, input => 'f(5)' },
                  { id => 3, input => 'g()' }, { id => 4, input => 'h()' }] }, 'wrong');
$job{broken} = submit({ limits => \%LIMITS,
    solutionCode => "def f(n):\n    return n / 0\n",
    userCode => "def f(n):\n    return n\n",
    testCases => [{ id => 1, input => 'f(1)' }] }, 'broken solution');

$job{js} = submit({ limits => \%LIMITS, language => 'javascript',
    solutionCode => <<'JS',
class Point { constructor(x, y) { this.x = x; this.y = y; } }
function add(a, b) { return a + b; }
function make(x, y) { return new Point(x, y); }
function shape() { return {b: [1, 2], a: new Set([3, 10, 2])}; }
function f(n) { return n + 1; }
JS
    userCode => <<'JS',
class Point { constructor(x, y) { this.y = y; this.x = x; } norm() { return 0; } }
const add = (a, b) => b + a;
function make(x, y) { console.log("noise"); return new Point(x, y); }
function shape() { return {a: new Set([10, 2, 3]), b: [1, 2]}; }
function f(n) { if (n === 0) throw new TypeError("n must not be 0"); return n + 2; }
JS
    testCases => [{ id => 1, input => 'add(1, 2)' }, { id => 2, input => 'make(1, 2)' },
                  { id => 3, input => 'shape()' }, { id => 4, input => 'f(0)' },
                  { id => 5, input => 'f(5)' }] }, 'javascript');

subtest 'pending while queued or running' => sub {
    my $res = $stack->get_json("/result-problem/$job{loop}");
    is($res->{status}, 200, 'status 200');
    is($res->{json}{status}, 'pending', 'pending') or diag(explain($res->{json}));
    is_deeply($res->{json}{results}, [], 'no results yet');
    conforms($res, 'the pending answer');
};

subtest 'the seed example' => sub {
    my $cases = cases_of($job{seed}, 'seed');
    my $case = $cases->{1} // {};
    is($case->{input}, 'add(1, 2)', 'input echoed');
    is($case->{id}, 1, 'id echoed as a number');
    passes($case, 'add(1, 2)');
    is($case->{userOutput}, '3', 'userOutput "3"');
    is($case->{$_}, 'ok', "$_ ok") for qw(userStatus solutionStatus);
    for my $field (qw(solutionRuntime userRuntime solutionMemory userMemory)) {
        is_json_number($case->{$field}, $field);
        cmp_ok($case->{$field} // -1, '>', 0, "$field > 0");
    }
    cmp_ok($case->{userRuntime} // 99, '<', 5, 'runtime in seconds');
    cmp_ok($case->{userMemory} // 9999, '<', 256, 'memory in MB');
};

subtest 'a user infinite loop: time_limit, other cases still graded' => sub {
    my $cases = cases_of($job{loop}, 'loop');
    is($cases->{2}{userStatus}, 'time_limit', 'userStatus time_limit');
    ok(!$cases->{2}{passed}, 'not passed');
    is($cases->{2}{solutionStatus}, 'ok', 'the solution ran');
    passes($cases->{$_}, "case $_") for 1, 3;
};

subtest 'objects compared by state' => sub {
    my $cases = cases_of($job{state}, 'state');
    passes($cases->{$_}, $_) for qw(class shape slots deep two);
    is($cases->{class}{userOutput}, '{"x": 1, "y": 2}', 'an object is its attribute dict, keys sorted');
    is($cases->{shape}{userOutput}, '{"a": [1, 2, 3], "b": [1, 2], "f": 0.30000000000000004}',
       'sets sorted, tuples as lists, floats as repr');
    is($cases->{slots}{userOutput}, '{"a": [1], "b": {"k": {"x": 0, "y": 0}}}', '__slots__ and nesting');
};

subtest 'a user exception, a wrong answer, a broken solution' => sub {
    my $cases = cases_of($job{wrong}, 'wrong');
    my $raised = $cases->{1} // {};
    is($raised->{userError}, 'ValueError: n must not be 0', 'userError is the exception text');
    is($raised->{userStatus}, 'runtime_error', 'userStatus runtime_error');
    is($raised->{userOutput}, '', 'no userOutput');
    ok(!$raised->{passed}, 'not passed');
    is($raised->{solutionOutput}, '1', 'the solution still answered');

    my $wrong = $cases->{2} // {};
    ok(!$wrong->{passed}, 'a wrong answer does not pass');
    is($wrong->{userError} . $wrong->{solutionError}, '', 'a wrong answer is no error');
    is_deeply([@$wrong{qw(solutionOutput userOutput)}], ['6', '7'], 'both outputs');

    ok(!$cases->{3}{passed}, '0.1 + 0.2 is not 0.3');
    is($cases->{3}{userOutput}, '0.30000000000000004', "python's repr");

    is($cases->{4}{solutionError}, "NameError: name 'h' is not defined", 'an undefined name in the input');
    ok(!$cases->{4}{passed}, 'not passed');

    my $broken = cases_of($job{broken}, 'broken')->{1} // {};
    is($broken->{solutionError}, 'ZeroDivisionError: division by zero', 'solutionError');
    is($broken->{solutionStatus}, 'runtime_error', 'solutionStatus runtime_error');
    is($broken->{userError}, '', 'the user code is fine');
    ok(!$broken->{passed}, 'not passed');
};

subtest 'javascript' => sub {
    my $cases = cases_of($job{js}, 'javascript');
    passes($cases->{$_}, "case $_") for 1, 2, 3;
    is($cases->{2}{userOutput}, '{"x": 1, "y": 2}', 'an object by its own properties, keys sorted');
    is($cases->{3}{userOutput}, '{"a": [2, 3, 10], "b": [1, 2]}', 'sets sorted');
    is($cases->{4}{userError}, 'TypeError: n must not be 0', 'userError');
    is($cases->{4}{userStatus}, 'runtime_error', 'userStatus runtime_error');
    ok(!$cases->{5}{passed}, 'a wrong answer does not pass');
};

subtest 'a language without problem mode: 400' => sub {
    my $before = $stack->psql('SELECT count(*) FROM coderun.jobs');
    my $res = $stack->post_json('/execute-problem', { language => 'c', userCode => 'int x;',
                                                      solutionCode => 'int x;',
                                                      testCases => [{ id => 1, input => 'x' }] });
    is_error($res, 400, 'c has no problem mode', code => 'unsupported_mode', field => 'language');
    like($res->{json}{error} // '', qr/\bc\b/, 'the error names the language');
    is($stack->psql('SELECT count(*) FROM coderun.jobs'), $before, 'nothing queued');
};

subtest 'each API sees only its own jobs' => sub {
    my $run = $stack->post_json('/run', { code => 'return input_str' });
    is($run->{status}, 202, '/run job queued');
    is_error($stack->get_json("/result/$job{seed}"), 404, '/result of a problem job');
    is_error($stack->get_json("/result-problem/$run->{json}{exec_id}"), 404, '/result-problem of a run job');
};

done_testing;
