#!/usr/bin/perl
# sandboxd's daily JSON-lines log (issue 7): one line per ended job (id, key
# name, language, mode, state, verdict counts, execution time) and per worker
# event (start, stop); never the code, the inputs or an API token, even when
# the program's own errors quote them.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Coderun::Stack;
use Coderun::Test qw($RFC3339_RE);
use Coderun::Queue qw(stop_stack_worker wait_until);

my $stack = Coderun::Stack->for_tests;
my $JSON = JSON::PP->new->utf8->canonical;
my $token = $stack->add_key('logkey');
my $tag = join '', map { sprintf '%04x', int rand 65536 } 1 .. 3;

# Each job's code and inputs carry markers of their own; the programs'
# errors repeat them (an exception message, a traceback, a compiler
# diagnostic), so a log line that copied an error would show them too.
my @jobs = (
    { what => 'python function, an exception quoting the input',
      body => { code => "# code0_$tag\nif input_str.endswith('bad'):\n    raise ValueError(input_str)\nreturn input_str[::-1]",
                inputs => ["input0_${tag}_ok", "input0_${tag}_bad"] } },
    { what => 'python program, a traceback quoting the code',
      body => { mode => 'program', inputs => ["input1_$tag"],
                code => "import sys\ndata = sys.stdin.read()\nprint(data)\nassert data == 'x', 'code1_$tag ' + data" } },
    { what => 'C program that does not compile, the diagnostic quoting the code',
      body => { language => 'c', mode => 'program', inputs => ["input2_$tag"],
                code => "int main(void) { return code2_$tag; }" } },
    { what => 'problem mode', path => '/execute-problem', inputs => ["add(1, 2)  # input3_$tag"],
      body => { userCode => "def add(a, b):\n    return a + b  # code3_$tag",
                solutionCode => "def add(a, b):\n    return b + a  # code3_$tag",
                testCases => [{ id => 1, input => "add(1, 2)  # input3_$tag" }] } },
);
$_->{inputs} //= $_->{body}{inputs} for @jobs;

for my $job (@jobs) {
    my $res = $stack->post_json($job->{path} // '/run', $job->{body}, key => $token);
    is($res->{status}, 202, "queued: $job->{what}") or diag($res->{content});
    $job->{id} = $res->{json}{exec_id} // $res->{json}{job_id};
}
for my $job (@jobs) {
    my $path = $job->{path} ? '/result-problem/' : '/result/';
    $job->{result} = $stack->wait_result($job->{id}, key => $token, prefix => $path)->{json};
    $job->{state} = $job->{result}{status};
    next if $job->{path};
    # The verdict counts the API shows, as the log line should have them.
    $job->{verdicts}{ $_->{status} }++ for @{ $job->{result}{results} };
    $job->{verdicts} //= {};
}
is_deeply([map { $_->{state} } @jobs], [qw(finished finished failed finished)], 'the jobs ended as planned');

sub log_files { sort glob $stack->path('log', '????-??-??.log') }

# Every line of the daily logs, decoded (undef for a line that is not JSON),
# with the day its file is named for.
sub log_lines {
    my @lines;
    for my $file (log_files()) {
        my ($day) = $file =~ m{(\d{4}-\d\d-\d\d)\.log$};
        push @lines, map { { day => $day, text => $_, json => eval { $JSON->decode($_) } } }
                     split /\n/, Coderun::Stack::slurp($file);
    }
    return @lines;
}

sub job_lines {
    my ($id) = @_;
    return grep { ($_->{json}{event} // '') eq 'job' && ($_->{json}{job} // '') eq $id } log_lines();
}

# The line is written after the job's commit: the API may show the result first.
wait_until('a log line for every job', 30, sub { !grep { !job_lines($_->{id}) } @jobs });
my @files = log_files();
ok(scalar @files, 'the daily log is LOG_DIR/YYYY-MM-DD.log: ' . join ' ', map { s{.*/}{}r } @files);

my @lines = log_lines();
is_deeply([map { $_->{text} } grep { ref $_->{json} ne 'HASH' || !defined $_->{json}{event} } @lines], [],
          'every line is a JSON object with an "event"');
is_deeply([map { $_->{text} } grep { ($_->{json}{ts} // '') !~ $RFC3339_RE || $_->{json}{ts} !~ /Z$/ } @lines], [],
          'every line has an RFC 3339 UTC "ts"');
is_deeply([map { $_->{text} } grep { substr($_->{json}{ts} // '', 0, 10) ne $_->{day} } @lines], [],
          "every line is in the file of its ts's UTC day");

for my $job (@jobs) {
    subtest "the log line of the job: $job->{what}" => sub {
        my @mine = job_lines($job->{id});
        is(scalar @mine, 1, 'exactly one line') or return;
        my $line = $mine[0]{json};
        is($line->{key}, 'logkey', 'the key by name');
        is($line->{language}, $job->{body}{language} // 'python', 'the language');
        is($line->{mode}, $job->{body}{mode} // ($job->{path} ? 'problem' : 'function'), 'the mode');
        is($line->{state}, $job->{state}, "state $job->{state}");
        is($line->{cases}, scalar @{ $job->{inputs} }, 'the number of inputs');
        is_deeply($line->{verdicts}, $job->{verdicts}, 'the verdict counts the API shows') if $job->{verdicts};
        like($line->{execution_time} // '', qr/^\d+(?:\.\d+)?(?:e-?\d+)?$/i, 'an execution time in seconds');
    };
}

# Markers that must appear in no log line (sandboxd.out is its stderr copy).
my %files = map { ($_ => Coderun::Stack::slurp($_)) } log_files(), $stack->path('log', 'sandboxd.out');
sub files_with {
    my ($needle) = @_;
    return [sort map { s{.*/}{}r } grep { index($files{$_}, $needle) >= 0 } keys %files];
}
for my $n (0 .. $#jobs) {
    my $leaked = files_with("code${n}_$tag");
    is_deeply($leaked, [], "no log holds the code of: $jobs[$n]{what}");
}
is_deeply(files_with("input${_}_$tag"), [], "no log holds the inputs of: $jobs[$_]{what}") for 0 .. $#jobs;
$files{ $stack->path('log', 'httpd_error.log') } = Coderun::Stack::slurp($stack->path('log', 'httpd_error.log'));
is_deeply(files_with($token), [], "no log (httpd's included) holds the job's API token");
is_deeply(files_with($stack->token), [], "nor the stack's own token");

# Worker events: the worker's start (with its sandbox mode), then its stop.
my $worker = $stack->psql('SELECT name || chr(9) || sandbox_mode || chr(9) || slots FROM coderun.workers');
my ($name, $mode, $slots) = split /\t/, $worker;
my @start = grep { ($_->{json}{event} // '') eq 'start' } @lines;
is(scalar @start, 1, 'one start line');
is_deeply([@{ $start[0]{json} // {} }{qw(worker sandbox slots)}], [$name, $mode, $slots],
          'it names the worker, its sandbox mode and slots as coderun.workers has them');
stop_stack_worker($stack);
my @stop = grep { ($_->{json}{event} // '') eq 'stop' && ($_->{json}{worker} // '') eq $name } log_lines();
is(scalar @stop, 1, 'a stop line for the worker once it has stopped');
my ($last) = (log_lines())[-1];
is($last->{json}{event}, 'stop', 'and it is the last line');
done_testing;
