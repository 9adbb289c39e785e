#!/usr/bin/perl
# The 35 languages of issue 22 over HTTP on one real stack: for each, a
# program that answers "world" and fails on "err" (runtime_error with its
# message) and spins on "loop" (time_limit); a compile error for compiled
# languages (job failed with the compiler's message); function mode where
# offered; and the file and network probes of the hostile corpus in one
# language of each runtime family. Every job is queued first, then polled,
# so the slots stay busy. A language is skipped only when its Debian
# package is not installed (make deps-languages installs them all).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Coderun::Stack;
use Coderun::Test qw(conforms);

my $DIR = "$FindBin::Bin/languages";

# name => [Debian package, file extension, what "err" prints (program mode),
#          what the compile error prints (compiled languages), time_ms].
# The time limit covers the runtime's start (JVM and BEAM scripts take one
# to two CPU seconds) with room for the wall limit (twice the time plus a
# second) on a busy machine.
my %LANG = (
    typescript => ['node-typescript', 'ts',     qr/RangeError: bad input: err/,  qr/Cannot find name 'undeclared_name'/],
    go         => ['golang-go',       'go',     qr/panic: bad input: err/,       qr/undefined: undeclared_name/],
    rust       => ['rustc',           'rs',     qr/panicked at 'bad input: err'/, qr/cannot find function `undeclared_name`/],
    ruby       => ['ruby',            'rb',     qr/bad input: err \(ArgumentError\)/],
    php        => ['php-cli',         'php',    qr/InvalidArgumentException: bad input: err/],
    bash       => ['bash',            'sh',     qr/^bad input: err$/],
    perl       => ['perl',            'pl',     qr/^bad input: err$/],
    lua        => ['lua5.4',          'lua',    qr/main\.lua:3: bad input: err/],
    haskell    => ['ghc',             'hs',     qr/^bad input: err$/,            qr/Variable not in scope: undeclared_name/],
    ocaml      => ['ocaml-nox',       'ml',     qr/Failure\("bad input: err"\)/, qr/Unbound value undeclared_name/],
    r          => ['r-base-core',     'R',      qr/Error: bad input: err/, undef, 3000],
    csharp     => ['mono-mcs',        'cs',     qr/System\.ArgumentException: bad input: err/, qr/`undeclared_name' does not exist/],
    kotlin     => ['kotlin',          'kt',     qr/IllegalArgumentException: bad input: err/, qr/unresolved reference: undeclared_name/],
    scala      => ['scala',           'scala',  qr/IllegalArgumentException: bad input: err/, qr/not found: value undeclared_name/, 3000],
    prolog     => ['swi-prolog-nox',  'pro',    qr/^bad input: err$/],
    scheme     => ['guile-3.0',       'scm',    qr/bad input: "err"/],
    racket     => ['racket',          'rkt',    qr/main: bad input: err/,        qr/undeclared_name: unbound identifier/, 4000],
    commonlisp => ['sbcl',            'lisp',   qr/bad input: err/],
    clojure    => ['clojure',         'clj',    qr/\(IllegalArgumentException\).*\nbad input: err/s, undef, 10000],
    elixir     => ['elixir',          'exs',    qr/\(ArgumentError\) bad input: err/, undef, 5000],
    erlang     => ['erlang-nox',      'erl',    qr/^bad input: err$/,            qr/function undeclared_name\/0 undefined/, 3000],
    fortran    => ['gfortran',        'f90',    qr/bad input: err/,              qr/undeclared_name/],
    pascal     => ['fpc',             'pas',    qr/^bad input: err$/,            qr/Identifier not found "undeclared_name"/],
    ada        => ['gnat',            'adb',    qr/^bad input: err$/,            qr/"undeclared_name" is undefined/],
    cobol      => ['gnucobol3',       'cob',    qr/^bad input: err$/,            qr/'undeclared_name' is not defined/],
    d          => ['gdc',             'd',      qr/Exception\@main\.d\(\d+\): bad input: err/, qr/undefined identifier .undeclared_name./],
    nim        => ['nim',             'nim',    qr/bad input: err \[ValueError\]/, qr/undeclared identifier: 'undeclared_name'/],
    octave     => ['octave',          'm',      qr/error: bad input: err/, undef, 3000],
    groovy     => ['groovy',          'groovy', qr/IllegalArgumentException: bad input: err/, undef, 6000],
    tcl        => ['tcl8.6',          'tcl',    qr/^bad input: err\n/],
    awk        => ['gawk',            'awk',    qr/^bad input: err$/],
    sqlite     => ['sqlite3',         'sql',    qr/bad input: err/],
    assembly   => ['nasm',            'asm',    qr/^bad input: err$/,            qr/symbol `undeclared_name' not defined/],
    crystal    => ['crystal',         'cr',     qr/bad input: err \(ArgumentError\)/, qr/undefined local variable or method 'undeclared_name'/],
    vala       => ['valac',           'vala',   qr/^bad input: err$/,            qr/The name `undeclared_name' does not exist/],
);
# Function mode: the error line is "TypeName: message" (or "Error: ...").
my %FUNCTION_ERROR = (
    typescript => qr/^RangeError: bad input: err$/,
    go         => qr/^Error: bad input: err$/,
    rust       => qr/^Error: bad input: err$/,
    ruby       => qr/^ArgumentError: bad input: err$/,
    php        => qr/^InvalidArgumentException: bad input: err$/,
    perl       => qr/^Error: bad input: err$/,
    lua        => qr/^Error: bad input: err$/,
    csharp     => qr/^ArgumentException: bad input: err$/,
    kotlin     => qr/^IllegalArgumentException: bad input: err$/,
);
# One language of each runtime family runs the file and network probes.
my %PROBE = (go => 'native', kotlin => 'JVM', elixir => 'BEAM', csharp => '.NET (mono)', ruby => 'interpreter');

my %installed = map { $_ => installed($LANG{$_}[0]) } keys %LANG;
my @langs = sort grep { $installed{$_} } keys %LANG;
plan skip_all => 'no toolchain of make deps-languages is installed' unless @langs;
diag("not installed, skipped: @{[sort grep { !$installed{$_} } keys %LANG]}") if @langs < keys %LANG;

my $stack = Coderun::Stack->for_tests(slots => 2);

subtest 'GET /languages offers every installed language, with a version' => sub {
    my $res = $stack->get_json('/languages');
    is($res->{status}, 200, 'status 200');
    conforms($res, 'the /languages answer');
    my %by_name = map { $_->{name} => $_ } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] };
    for my $lang (@langs) {
        my $modes = $by_name{$lang}{modes} // [];
        ok((grep { $_ eq 'program' } @$modes), "$lang: program mode") or diag(explain($by_name{$lang}));
        is(!!(grep { $_ eq 'function' } @$modes), !!$FUNCTION_ERROR{$lang}, "$lang: function mode as documented");
        like($by_name{$lang}{version} // '', qr/\d/, "$lang: a version");
    }
};

# Host-side bait for the probes: a world-readable canary file in a
# world-writable directory and a loopback listener.
my $bait_dir = tempdir('coderun-bait-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $bait_dir;
write_file("$bait_dir/canary", "CANARY\n");
chmod 0644, "$bait_dir/canary";
my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, Blocking => 0)
    or die "listener: $!";

# Everything is queued first: [name, id, check].
my @jobs;
for my $lang (@langs) {
    my ($package, $ext, $error, $compile_error, $time_ms) = @{ $LANG{$lang} };
    my %limits = (time_ms => $time_ms // 1000, memory_mb => 512);
    push @jobs, ["$lang program", submit($lang, 'program', slurp("$DIR/$lang/program.$ext"),
                                         ['world', 'err', 'loop'], \%limits),
                 sub { check_cases(@_, 'hello, world', $error) }];
    push @jobs, ["$lang function", submit($lang, 'function', slurp("$DIR/$lang/function.$ext"),
                                          ['4', 'err', 'loop'], \%limits),
                 sub { check_cases(@_, '16', $FUNCTION_ERROR{$lang}) }] if $FUNCTION_ERROR{$lang};
    push @jobs, ["$lang compile error", submit($lang, 'program', slurp("$DIR/$lang/compile_error.$ext"),
                                               ['1'], \%limits),
                 sub { check_compile_error(@_, $compile_error) }] if $compile_error;
    push @jobs, ["$lang probes ($PROBE{$lang})", submit($lang, 'program', slurp("$DIR/probes/probe.$ext"),
                                                        [$listener->sockport . "\n$bait_dir\n"],
                                                        { %limits, time_ms => 5000 }),
                 \&check_probes] if $PROBE{$lang};
}

for my $job (@jobs) {
    my ($name, $id, $check) = @$job;
    subtest $name => sub {
        my $res = $stack->wait_result($id, timeout => 600);
        conforms($res, 'the result');
        $check->($res->{json} // {});
    };
}

ok(!-e "$bait_dir/written", 'no probe wrote into the host directory');
ok(!$listener->accept, 'no probe reached the host listener');

# The job of inputs world (or 4), err and loop.
sub check_cases {
    my ($body, $want, $error) = @_;
    is($body->{status}, 'finished', 'finished') or return diag(explain($body));
    my %case = map { $_->{input} => $_ } @{ $body->{results} // [] };
    my ($input) = grep { exists $case{$_} } 'world', '4';
    is($case{$input}{status}, 'ok', "'$input' ok") or diag(explain($case{$input}));
    # Ada's Text_IO and sqlite3 end the output with a newline of their own.
    like($case{$input}{output} // '', qr/^\Q$want\E\n?\z/, "'$input' output");
    my $err = $case{err} // {};
    is($err->{status}, 'runtime_error', "'err' runtime_error") or diag(explain($err));
    like($err->{error} // '', $error, "'err' error has the message") or diag(explain($err));
    ok(($err->{exit_code} // 0) != 0 || defined $err->{signal}, "'err' failed exit");
    is(($case{loop} // {})->{status}, 'time_limit', "'loop' time_limit") or diag(explain($case{loop}));
}

sub check_compile_error {
    my ($body, $message) = @_;
    is($body->{status}, 'failed', 'job failed') or return diag(explain($body));
    is($body->{compile}{status}, 'error', 'compile.status error');
    like($body->{compile}{output} // '', $message, "compile.output has the compiler's message")
        or diag($body->{compile}{output});
    like($body->{error} // '', $message, "error has the compiler's message");
    is_deeply($body->{results}, [], 'no case ran');
}

sub check_probes {
    my ($body) = @_;
    is($body->{status}, 'finished', 'finished') or return diag(explain($body));
    my ($case) = @{ $body->{results} // [] };
    my $out = $case->{output} // '';
    unlike($out, qr/ESCAPED/, 'nothing escaped');
    is(scalar(() = $out =~ /^contained read /mg), 3, 'the canary, /etc/shadow and /work unreadable');
    like($out, qr/^contained write$/m, 'the host directory not writable');
    # Mono opens a netlink socket before it connects: that ends the run.
    my $killed = ($case->{status} // '') eq 'security_violation'
                 && ($case->{error} // '') =~ /forbidden system call: socket/;
    ok($out =~ /^contained connect$/m && $case->{status} eq 'ok' || $killed,
       'the host listener unreachable') or diag(explain($case));
}

# POSTs a job; returns its id.
sub submit {
    my ($lang, $mode, $code, $inputs, $limits) = @_;
    my $res = $stack->post_json('/run', { language => $lang, mode => $mode, code => $code,
                                          inputs => $inputs, limits => $limits });
    is($res->{status}, 202, "$lang $mode: 202") or diag($res->{content});
    return $res->{json}{exec_id} // '';
}

sub installed {
    my ($package) = @_;
    my $status = `dpkg-query -W -f='\${db:Status-Status}' $package 2>/dev/null`;
    return $status eq 'installed';
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print {$fh} $text;
    close $fh or die "$path: $!";
}

done_testing;
