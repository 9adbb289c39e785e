#!/usr/bin/perl
# Problem mode (POST /execute-problem) in ruby, php, perl, lua and
# typescript on the real stack: per language a solution and a user code
# that agree on an object built differently (fields in another order, the
# user's prints discarded) and on a shared structure, disagree on a value,
# and differ where the user code raises. The canonical JSON is python's
# form in every language: keys sorted, ", " and ": ", floats as python's
# repr. A language is skipped only when its Debian package is not installed.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(conforms);

# name => [Debian package, solution, user code, the user's error on f(0)].
my %LANG = (
    ruby => ['ruby', <<'SOLUTION', <<'USER', 'ArgumentError: n must not be 0'],
class Point
  def initialize(x, y)
    @x = x
    @y = y
  end
end

def make(x, y) = Point.new(x, y)
def shape = { "s" => "a\"b", "f" => 0.1 + 0.2, "a" => [1, 2] }
def f(n) = n + 1
SOLUTION
Point = Struct.new(:y, :x)

def make(x, y)
  puts "debugging output is not the answer"
  Point.new(y, x)
end

def shape = { a: [1, 2], f: 0.30000000000000004, s: 'a"b' }

def f(n)
  raise ArgumentError, "n must not be 0" if n.zero?
  n + 2
end
USER
    php => ['php-cli', <<'SOLUTION', <<'USER', 'InvalidArgumentException: n must not be 0'],
class Point { public function __construct(public $x, public $y) {} }
function make($x, $y) { return new Point($x, $y); }
function shape() { return ["s" => "a\"b", "f" => 0.1 + 0.2, "a" => [1, 2]]; }
function f($n) { return $n + 1; }
SOLUTION
<?php
class Point { private $y; protected $x; public function __construct($x, $y) { $this->y = $y; $this->x = $x; } }
function make($x, $y) { echo "debugging output is not the answer\n"; return new Point($x, $y); }
function shape() { return ["a" => [1, 2], "f" => 0.30000000000000004, "s" => 'a"b']; }
function f($n) {
    if ($n === 0)
        throw new InvalidArgumentException("n must not be 0");
    return $n + 2;
}
SOLUTION_END
USER
    perl => ['perl', <<'SOLUTION', <<'USER', 'Error: n must not be 0'],
sub make { my ($x, $y) = @_; return bless { x => $x, y => $y }, 'Point'; }
sub shape { return { s => 'a"b', f => 0.1 + 0.2, a => [1, 2] }; }
sub f { my ($n) = @_; return $n + 1; }
SOLUTION
package Point;
sub new { my ($class, %fields) = @_; return bless {%fields}, $class; }
package main;
sub make { print "debugging output is not the answer\n"; return Point->new(y => $_[1], x => $_[0]); }
my %shape = (a => [1, 2], f => 0.30000000000000004, s => "a\"b");
sub shape { return \%shape; }
sub f {
    my ($n) = @_;
    die "n must not be 0\n" if $n == 0;
    return $n + 2;
}
USER
    lua => ['lua5.4', <<'SOLUTION', <<'USER', 'Error: n must not be 0'],
function make(x, y) return { x = x, y = y } end
function shape() return { s = 'a"b', f = 0.1 + 0.2, a = { 1, 2 } } end
function f(n) return n + 1 end
SOLUTION
local function point(x, y)
    local p = {}
    p.y, p.x = y, x
    return p
end
function make(x, y)
    print("debugging output is not the answer")
    return point(x, y)
end
local shared = { a = { 1, 2 }, f = 0.30000000000000004, s = "a\"b" }
function shape() return shared end
function f(n)
    if n == 0 then error("n must not be 0") end
    return n + 2
end
USER
    typescript => ['node-typescript', <<'SOLUTION', <<'USER', 'RangeError: n must not be 0'],
class Point { constructor(public x: number, public y: number) {} }
function make(x: number, y: number): Point { return new Point(x, y); }
function shape() { return { s: 'a"b', f: 0.1 + 0.2, a: [1, 2] }; }
function f(n: number): number { return n + 1; }
SOLUTION
class Point { constructor(public y: number, public x: number) {} }
function make(x: number, y: number): Point {
    console.log("debugging output is not the answer");
    return new Point(y, x);
}
const shape = () => ({ a: new Set([2, 1]), f: 0.30000000000000004, s: "a\"b" });
function f(n: number): number {
    if (n === 0)
        throw new RangeError("n must not be 0");
    return n + 2;
}
USER
);
$LANG{php}[2] =~ s/SOLUTION_END\n//;

my @CASES = ({ id => 'pass', input => 'make(1, 2)' }, { id => 'shape', input => 'shape()' },
             { id => 'fail', input => 'f(5)' }, { id => 'error', input => 'f(0)' });

my %installed = map { $_ => installed($LANG{$_}[0]) } keys %LANG;
my @langs = sort grep { $installed{$_} } keys %LANG;
plan skip_all => 'none of the five toolchains is installed' unless @langs;
diag("not installed, skipped: @{[sort grep { !$installed{$_} } keys %LANG]}") if @langs < keys %LANG;

my $stack = Coderun::Stack->for_tests;

subtest 'GET /languages offers problem mode' => sub {
    my $res = $stack->get_json('/languages');
    my %modes = map { $_->{name} => $_->{modes} } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] };
    ok((grep { $_ eq 'problem' } @{ $modes{$_} // [] }), "$_ has problem mode") for @langs;
};

# Every job is queued first, so that both slots stay busy.
my %job;
for my $lang (@langs) {
    my (undef, $solution, $user) = @{ $LANG{$lang} };
    my $res = $stack->post_json('/execute-problem', { language => $lang, limits => { time_ms => 5000 },
                                                      solutionCode => $solution, userCode => $user,
                                                      testCases => \@CASES });
    is($res->{status}, 202, "$lang: queued") or diag($res->{content});
    $job{$lang} = $res->{json}{job_id};
}

for my $lang (@langs) {
    subtest $lang => sub {
        my $res = $stack->wait_result($job{$lang}, prefix => '/result-problem/', timeout => 180);
        is($res->{json}{status}, 'finished', 'finished') or diag(explain($res->{json}));
        conforms($res, 'the result');
        my %case = map { $_->{id} => $_ } @{ $res->{json}{results} // [] };

        my $pass = $case{pass} // {};
        ok($pass->{passed}, 'an object by its fields: passed') or diag(explain($pass));
        is($pass->{userOutput}, '{"x": 1, "y": 2}', 'fields sorted, prints discarded');
        is($pass->{solutionOutput}, $pass->{userOutput}, 'equal outputs');

        my $shape = $case{shape} // {};
        ok($shape->{passed}, 'a structure built differently: passed') or diag(explain($shape));
        is($shape->{solutionOutput}, '{"a": [1, 2], "f": 0.30000000000000004, "s": "a\"b"}',
           'the canonical JSON of python and javascript');

        my $fail = $case{fail} // {};
        ok(!$fail->{passed}, 'a wrong answer does not pass');
        is_deeply([@$fail{qw(solutionOutput userOutput)}], ['6', '7'], 'both outputs');
        is($fail->{userError} . $fail->{solutionError}, '', 'a wrong answer is no error');

        my $error = $case{error} // {};
        ok(!$error->{passed}, 'a raising user code does not pass');
        is($error->{userStatus}, 'runtime_error', 'userStatus runtime_error');
        is($error->{userError}, $LANG{$lang}[3], 'userError is "TypeName: message"');
        is($error->{userOutput}, '', 'no userOutput');
        is($error->{solutionOutput}, '1', 'the solution still answered');
    };
}

done_testing;

sub installed {
    my ($package) = @_;
    my $status = `dpkg-query -W -f='\${db:Status-Status}' $package 2>/dev/null`;
    return $status eq 'installed';
}
