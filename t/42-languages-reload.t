#!/usr/bin/perl
# The language table is data (issues 5 and 6): on SIGHUP sandboxd reads it
# again, with no rebuild and no restart. A language added to the file runs,
# a removed one is unknown, a job running during the reload finishes with the
# table it started with, and a file that does not parse keeps the old table.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Coderun::Stack;
use Coderun::Test qw(conforms);

# Outside /tmp: every box mounts a tmpfs of its own there, over any bind.
my $work = tempdir('coderun-languages-XXXXXX', DIR => '/var/tmp', CLEANUP => !$ENV{CODERUN_KEEP});
chmod 0755, $work or die "chmod $work: $!\n";
my $gate = "$work/gate";    # the held job waits for $gate/open
mkdir $gate, 0755 or die "mkdir $gate: $!\n";
my $table = "$work/languages.conf";

my $REPO_TABLE = Coderun::Stack::slurp("$Coderun::Stack::ROOT/languages.conf");

# Program mode only; its run command names the gate, so the job is seen
# among the host's processes once its code runs.
my $GATED = <<"CONF";

[python-gate]
source = main.py
run    = /usr/bin/python3 -B main.py $gate/open
binds  = $gate
CONF

# A runtime no table had before: the shell, in program and function mode.
my $SH = <<'CONF';

[sh]
source  = main.sh
compile =
run     = /bin/sh main.sh
version = /usr/bin/dpkg-query -W dash
template <<END
input_str=$(cat)
solve() {
    {{code}}
}
solve "$input_str"
END
CONF

my $START = $REPO_TABLE . $GATED;
my $RELOADED = without($REPO_TABLE, 'javascript') . $SH;

Coderun::Stack::write_file($table, $START, 0644);
my $stack = Coderun::Stack->for_tests(languages => $table, slots => 2);
my $sandboxd = $stack->sandboxd_pid;

subtest 'GET /languages lists the table sandboxd started with' => sub {
    my $res = $stack->get_json('/languages');
    is($res->{status}, 200, 'status 200');
    is_deeply([names($res)], [names_in($START)], 'the names of the file');
    is_deeply(modes($res, 'python-gate'), ['program'], 'a language without templates: program mode only');
    conforms($res, 'the /languages answer');
};

# Held at its gate (wall limit 2 x 10 s + 1 s) until the reload is visible.
my $held = submit({ language => 'python-gate', mode => 'program', inputs => ['21'],
                    limits => { time_ms => 10000 }, code => <<'PY' });
import os
import sys
import time

while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
print(int(sys.stdin.read()) * 2, end='')
PY
Coderun::Stack::poll_until('the held job to run its code', sub { processes_naming($gate) > 0 });

Coderun::Stack::write_file($table, $RELOADED, 0644);
kill 'HUP', $sandboxd or die "kill -HUP $sandboxd: $!\n";
Coderun::Stack::poll_until('sh in GET /languages after SIGHUP', sub {
    grep { $_ eq 'sh' } names($stack->get_json('/languages'));
});
Coderun::Stack::write_file("$gate/open", '', 0644);    # the reload is in: let the held job go

subtest 'after SIGHUP: the new table' => sub {
    my $res = $stack->get_json('/languages');
    is_deeply(modes($res, 'sh'), ['function', 'program'], 'sh: function and program mode');
    like(version($res, 'sh'), qr/^\d+\.\d+/, "sh: the version its command printed");
    is(sandboxd_pid(), $sandboxd, 'the same sandboxd (no restart)');
    conforms($res, 'the /languages answer');
    is_deeply([names($res)], [names_in($RELOADED)], 'the names of the new file, no more');
    for my $gone (qw(javascript python-gate)) {
        my $post = $stack->post_json('/run', { language => $gone, mode => 'program', code => '1' });
        is($post->{status}, 400, "$gone (removed): 400");
        is($post->{json}{code} // '', 'unknown_language', "$gone (removed): unknown_language");
    }
    like(Coderun::Stack::slurp($stack->path('log', 'sandboxd.out')), qr/"event":"reload","config":"[^"]+sandboxd\.conf"/,
         'the config file was read again too');
};

subtest 'a job running during the reload finishes with the table it started with' => sub {
    finished_with($held, { '21' => '42' });
};

subtest 'the added language runs' => sub {
    finished_with(submit({ language => 'sh', mode => 'program', inputs => ['4', '7'],
                           code => "read n\nprintf '%d' \$((n * n))\n" }),
                  { '4' => '16', '7' => '49' });
    finished_with(submit({ language => 'sh', mode => 'function', inputs => ['5'],
                           code => "printf '%s' \"\$((\$1 * 3)) \$input_str\"\n" }),
                  { '5' => '15 5' });
};

subtest 'SIGHUP with a file that does not parse keeps the old table' => sub {
    my $before = $stack->get_json('/languages');
    my $failures = reload_failures();
    Coderun::Stack::write_file($table, $RELOADED . "\n[Not A Name]\n", 0644);
    kill 'HUP', $sandboxd or die "kill -HUP $sandboxd: $!\n";
    Coderun::Stack::poll_until('reload_failed in the log', sub { reload_failures() > $failures });
    like($stack->log_tail('sandboxd.out', 20), qr/"reload_failed".*\Q$table\E:\d+: language names/,
         'the log names the file, the line and why');
    is(sandboxd_pid(), $sandboxd, 'sandboxd still serves');
    is_deeply($stack->get_json('/languages')->{json}, $before->{json}, 'GET /languages unchanged');
    finished_with(submit({ language => 'sh', mode => 'program', inputs => ['3'],
                           code => "read n\nprintf '%d' \$((n + 1))\n" }), { '3' => '4' });
    finished_with(submit({ language => 'python', mode => 'function', inputs => ['6'],
                           code => "return str(int(input_str) * 7)\n" }), { '6' => '42' });
};

# The table TEXT without the section [NAME].
sub without {
    my ($text, $name) = @_;
    my @sections = split /^(?=\[[a-z0-9_+-]+\]\s*$)/m, $text;
    return join '', grep { !/^\[\Q$name\E\]/ } @sections;
}

sub names_in { sort +($_[0] =~ /^\[([a-z0-9_+-]+)\]\s*$/mg) }

sub names {
    my ($res) = @_;
    return sort map { $_->{name} } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] };
}

sub entry {
    my ($res, $name) = @_;
    my ($entry) = grep { $_->{name} eq $name } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] };
    return $entry // {};
}

sub modes   { [sort @{ entry(@_)->{modes} // [] }] }
sub version { entry(@_)->{version} // '' }

sub sandboxd_pid { Coderun::Stack::live_pid($stack->path('run', 'sandboxd.pid'), 'sandboxd') }

sub reload_failures {
    my $log = $stack->path('log', 'sandboxd.out');
    return scalar(() = Coderun::Stack::slurp($log) =~ /"reload_failed"/g);
}

# Host processes whose command line contains TEXT.
sub processes_naming {
    my ($text) = @_;
    return grep { index(eval { Coderun::Stack::slurp("$_/cmdline") } // '', $text) >= 0 }
           glob '/proc/[0-9]*';
}

# POSTs a job; returns its id.
sub submit {
    my ($request) = @_;
    my $res = $stack->post_json('/run', $request);
    is($res->{status}, 202, "$request->{language} $request->{mode}: 202") or diag($res->{content});
    return $res->{json}{exec_id} // '';
}

# The job finishes and every input's case is ok with its OUTPUT.
sub finished_with {
    my ($id, $outputs) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $body = $stack->wait_result($id, timeout => 60)->{json} // {};
    is($body->{status}, 'finished', 'finished') or return diag(explain($body));
    my %case = map { $_->{input} => $_ } @{ $body->{results} // [] };
    for my $input (sort keys %$outputs) {
        is($case{$input}{status}, 'ok', "'$input' ok") or diag(explain($case{$input}));
        is($case{$input}{output}, $outputs->{$input}, "'$input' output");
    }
}

done_testing;
