#!/usr/bin/perl
# Every language of languages.conf over HTTP on the real stack (issue 6), in
# function and program mode: output, runtime error with its message, time
# limit and fresh state per input, all in one job per language and mode (one
# compile each); a compile error for c, cpp and java.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(conforms);

my $stack = Coderun::Stack->for_tests;

# Every job gets the same inputs: "4" and "7" square the number and report how
# many runs the program's global counter has seen (always 1: fresh state),
# "err" fails with a message, "loop" never ends.
my @INPUTS = ('4', 'err', 'loop', '7');
my %LIMITS = (time_ms => 1000);
# The JVM starts in about half a CPU second on this machine.
my %JAVA_LIMITS = (time_ms => 2000, memory_mb => 512);

my %CODE;
$CODE{python}{function} = <<'PY';
global count
count = globals().get('count', 0) + 1
if input_str == 'err':
    raise ValueError('bad input: ' + input_str)
while input_str == 'loop':
    pass
n = int(input_str)
return f'{n * n} {count}'
PY
$CODE{python}{program} = <<'PY';
import sys

count = 0


def bump():
    global count
    count += 1


text = sys.stdin.read()
bump()
if text == 'err':
    raise ValueError('bad input: ' + text)
while text == 'loop':
    pass
print(int(text) ** 2, count, end='')
PY
$CODE{javascript}{function} = <<'JS';
globalThis.count = (globalThis.count || 0) + 1;
if (input_str === "err")
    null.x;
while (input_str === "loop") {}
const n = Number(input_str);
return `${n * n} ${globalThis.count}`;
JS
$CODE{javascript}{program} = <<'JS';
const text = require("fs").readFileSync(0, "utf8");
globalThis.count = (globalThis.count || 0) + 1;
if (text === "err")
    null.x;
while (text === "loop") {}
process.stdout.write(`${Number(text) ** 2} ${globalThis.count}`);
JS
$CODE{c}{function} = <<'C';
static int count;
static char out[64];
count++;
if (strcmp(input_str, "err") == 0)
    abort();
if (strcmp(input_str, "loop") == 0)
    for (volatile int spin = 1; spin;)
        ;
long n = atol(input_str);
snprintf(out, sizeof out, "%ld %d", n * n, count);
return out;
C
$CODE{c}{program} = <<'C';
#include <stdio.h>
#include <string.h>

static int count;

int main(void)
{
    char text[64] = "";
    if (!fgets(text, sizeof text, stdin))
        return 2;
    count++;
    if (strcmp(text, "err") == 0) {
        fprintf(stderr, "bad input: %s\n", text);
        return 3;
    }
    if (strcmp(text, "loop") == 0)
        for (volatile int spin = 1; spin;)
            ;
    long n = 0;
    sscanf(text, "%ld", &n);
    printf("%ld %d", n * n, count);
    return 0;
}
C
$CODE{cpp}{function} = <<'CPP';
static int count = 0;
++count;
if (input_str == "err")
    throw invalid_argument("bad input: " + input_str);
if (input_str == "loop")
    for (volatile int spin = 1; spin;)
        ;
long n = stol(input_str);
return to_string(n * n) + " " + to_string(count);
CPP
$CODE{cpp}{program} = <<'CPP';
#include <iostream>
#include <string>

static int count = 0;

int main()
{
    std::string text;
    std::getline(std::cin, text);
    ++count;
    if (text == "err") {
        std::cerr << "bad input: " << text << "\n";
        return 3;
    }
    if (text == "loop")
        for (volatile int spin = 1; spin;)
            ;
    long n = std::stol(text);
    std::cout << n * n << " " << count;
    return 0;
}
CPP
$CODE{java}{function} = <<'JAVA';
// The JVM's system properties are its global state.
int count = Integer.getInteger("coderun.count", 0) + 1;
System.setProperty("coderun.count", String.valueOf(count));
if (input_str.equals("err"))
    throw new IllegalArgumentException("bad input: " + input_str);
while (input_str.equals("loop")) {
}
long n = Long.parseLong(input_str);
return (n * n) + " " + count;
JAVA
$CODE{java}{program} = <<'JAVA';
import java.io.*;

public class Main {
    static int count;

    public static void main(String[] args) throws IOException {
        String text = new String(System.in.readAllBytes(), "UTF-8");
        count++;
        if (text.equals("err"))
            throw new IllegalArgumentException("bad input: " + text);
        while (text.equals("loop")) {
        }
        long n = Long.parseLong(text);
        System.out.print((n * n) + " " + count);
    }
}
JAVA

# What the "err" input must report.
my %ERROR = (
    python     => { function => qr/^ValueError: bad input: err$/,
                    program  => qr/ValueError: bad input: err/ },
    javascript => { function => qr/^TypeError: Cannot read properties of null/,
                    program  => qr/TypeError: Cannot read properties of null/ },
    java       => { function => qr/^IllegalArgumentException: bad input: err$/,
                    program  => qr/java\.lang\.IllegalArgumentException: bad input: err/ },
    cpp        => { function => qr/^std::invalid_argument: bad input: err$/,
                    program  => qr/bad input: err/ },
    c          => { program  => qr/bad input: err/ },
);

my %COMPILE_ERROR = (
    c    => { mode => 'program',  code => "int main(void) { return undeclared_c; }\n",
              message => qr/undeclared_c/ },
    cpp  => { mode => 'function', code => "return undeclared_cpp;\n", message => qr/undeclared_cpp/ },
    java => { mode => 'program',  code => "public class Main { int f() { return undeclared_java; } }\n",
              message => qr/cannot find symbol/ },
);

subtest 'GET /languages: every language with function and program mode' => sub {
    my $res = $stack->get_json('/languages');
    is($res->{status}, 200, 'status 200');
    my %by_name = map { $_->{name} => $_ } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] };
    for my $lang (qw(python c cpp javascript java)) {
        my $modes = $by_name{$lang}{modes} // [];
        ok((grep { $_ eq 'function' } @$modes) && (grep { $_ eq 'program' } @$modes),
           "$lang: function and program") or diag(explain($by_name{$lang}));
        like($by_name{$lang}{version} // '', qr/\d/, "$lang: a version");
        ok((grep { $_ eq 'problem' } @$modes) == ($lang eq 'python' || $lang eq 'javascript'),
           "$lang: problem mode only where a template gives it");
    }
    conforms($res, 'the /languages answer');
};

# Everything is queued first so that both worker slots stay busy.
my (@jobs, %failing);
for my $lang (sort keys %CODE) {
    for my $mode (qw(function program)) {
        my $limits = $lang eq 'java' ? \%JAVA_LIMITS : \%LIMITS;
        push @jobs, [$lang, $mode, submit({ language => $lang, mode => $mode, code => $CODE{$lang}{$mode},
                                            inputs => \@INPUTS, limits => $limits })];
    }
}
for my $lang (sort keys %COMPILE_ERROR) {
    my $bad = $COMPILE_ERROR{$lang};
    $failing{$lang} = submit({ language => $lang, mode => $bad->{mode}, code => $bad->{code},
                               inputs => ['1', '2'], limits => \%JAVA_LIMITS });
}

for my $job (@jobs) {
    my ($lang, $mode, $id) = @$job;
    subtest "$lang $mode mode" => sub {
        my $res = $stack->wait_result($id, timeout => 90);
        my $body = $res->{json} // {};
        is($body->{status}, 'finished', 'finished') or return diag(explain($body));
        conforms($res, 'the result');
        is($body->{compile}{status}, 'ok', 'compile.status ok');
        my %case = map { $_->{input} => $_ } @{ $body->{results} // [] };

        for my $input ('4', '7') {
            is($case{$input}{status}, 'ok', "'$input' ok") or diag(explain($case{$input}));
            is($case{$input}{output}, $input ** 2 . ' 1', "'$input' output, the global counter fresh");
        }

        my $err = $case{err} // {};
        is($err->{status}, 'runtime_error', "'err' runtime_error");
        if ($lang eq 'c' && $mode eq 'function') {
            is($err->{signal}, 6, "'err' killed by SIGABRT");
        } else {
            like($err->{error}, $ERROR{$lang}{$mode}, "'err' error names the failure")
                or diag(explain($err));
            ok(($err->{exit_code} // 0) != 0 || defined $err->{signal}, "'err' failed exit");
        }

        my $loop = $case{loop} // {};
        is($loop->{status}, 'time_limit', "'loop' time_limit") or diag(explain($loop));
    };
}

for my $lang (sort keys %failing) {
    subtest "$lang compile error" => sub {
        my $res = $stack->wait_result($failing{$lang}, timeout => 90);
        my $body = $res->{json} // {};
        is($body->{status}, 'failed', 'job failed') or return diag(explain($body));
        conforms($res, 'the result');
        is($body->{compile}{status}, 'error', 'compile.status error');
        like($body->{compile}{output}, $COMPILE_ERROR{$lang}{message}, "compile.output has the compiler's message");
        like($body->{error}, $COMPILE_ERROR{$lang}{message}, "error has the compiler's message");
        is_deeply($body->{results}, [], 'no case ran');
    };
}

# POSTs a job; returns its id.
sub submit {
    my ($request) = @_;
    my $res = $stack->post_json('/run', $request);
    is($res->{status}, 202, "$request->{language} $request->{mode}: 202") or diag($res->{content});
    return $res->{json}{exec_id} // '';
}

done_testing;
