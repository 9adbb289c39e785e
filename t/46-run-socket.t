#!/usr/bin/perl
# The run socket (issue 4): `sandboxd run` hands its run to a serve that
# listens on the same box_dir's run.sock, which runs it in the slot past
# its serve slots, in a box kept between runs, and sends the outcome back.
# Without a serve (no socket, or a stale one), or with --standalone, the
# command builds a box of its own. Only root gets through; a stop cancels
# the run under way and removes the socket.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use JSON::PP;
use IO::Socket::UNIX;
use POSIX qw(WNOHANG);
use Socket qw(SOCK_SEQPACKET);
use File::Temp qw(tempfile);

plan skip_all => 'needs root (namespaces, cgroups)' if $> != 0;
my $stack = Coderun::Stack->for_tests(slots => 1);
my $sandboxd = $stack->sandboxd_bin;
my $socket = $stack->path('box', 'run.sock');
my $cli_uid = $stack->{uid_base} + 1;    # the slot past the one serve slot

# The command's own config: the stack's box_dir, and a languages.conf that
# does not exist. Only a run serve does can find python then.
my $cli_conf = $stack->path('cli.conf');
Coderun::Stack::write_file($cli_conf, "box_dir = ${\ $stack->path('box')}\n"
    . "languages = ${\ $stack->path('no-such-languages.conf')}\nslots = 1\n"
    . "uid_base = $stack->{uid_base}\n", 0600);

sub code_file {
    my ($suffix, $text) = @_;
    my ($fh, $path) = tempfile(SUFFIX => $suffix, UNLINK => 1);
    print {$fh} $text;
    close $fh;
    return $path;
}

# (exit status, decoded stdout or undef, stderr)
sub run_cli {
    my ($conf, $input, @args) = @_;
    my ($status, $out, $err) = $stack->_run([$sandboxd, '-c', $conf, 'run', @args],
                                           input => $input, may_fail => 1);
    my $res = eval { JSON::PP->new->decode($out) };
    return ($status >> 8, $res, $err);
}

my $echo = code_file('.py', <<'PY');
import os, sys
data = sys.stdin.buffer.read()
print(len(data), data.count(b"\0"), data[:5].decode(), os.getuid())
PY

my @st = stat $socket;
ok(-S _, 'serve listens on box_dir/run.sock');
is($st[4], 0, 'the socket is root\'s');
is($st[2] & 07777, 0600, 'mode 0600');

subtest 'a run goes through serve' => sub {
    my $input = "hello\0" . ('x' x 1_000_000);
    my ($status, $res, $err) = run_cli($cli_conf, $input, '--lang', 'python', $echo);
    is($status, 0, 'exit status 0') or diag($err);
    is($res->{verdict}, 'ok', 'verdict ok');
    is($res->{stdout}, "1000006 1 hello $cli_uid\n",
       'the whole input, NUL byte included, ran as the uid of the slot past the serve slots');
    ok(exists $res->{signal} && !defined $res->{signal}, 'signal is null, as in the API');
    poll_log(qr/"event":"run","file":"\Q$echo\E","language":"python","mode":"program","exit_status":"0"/);
    pass('serve logged the run');
    ($status, $res, $err) = run_cli($cli_conf, '', '--standalone', '--lang', 'python', $echo);
    is($status, 1, '--standalone builds its own box, with its own (missing) languages.conf');
    like($err, qr/no-such-languages\.conf/, '... and says so');
};

subtest 'language by file name, function mode, the time limit' => sub {
    my ($status, $res) = run_cli($cli_conf, "abc\n", $echo);
    is($res->{stdout}, "4 0 abc\n $cli_uid\n", '.py picks python');
    my $fn = code_file('.py', "return input_str[::-1]\n");
    ($status, $res) = run_cli($cli_conf, 'stressed', '--mode', 'function', $fn);
    is($res->{stdout}, 'desserts', 'function mode');
    my $loop = code_file('.py', "while True:\n    pass\n");
    ($status, $res) = run_cli($cli_conf, '', '--time-ms', 300, $loop);
    is($res->{verdict}, 'time_limit', 'the limits come along');
};

subtest 'compile step through serve' => sub {
    my ($status, $res) = run_cli($cli_conf, '', code_file('.c', "int main(void) { return x; }\n"));
    is($status, 1, 'exit status 1');
    is($res->{stage}, 'compile', 'the compile step\'s result');
    like($res->{stderr}, qr/x/, 'with the compiler\'s message');
    ($status, $res) = run_cli($cli_conf, '', code_file('.c', "#include <stdio.h>\nint main(void) { puts(\"built\"); return 3; }\n"));
    is($status, 0, 'a compiled program ran');
    is_deeply([@$res{qw(stdout exit_code verdict)}], ["built\n", 3, 'runtime_error'], 'its output and exit code');
};

subtest 'errors come back as the command\'s' => sub {
    my ($status, $res, $err) = run_cli($cli_conf, '', '--lang', 'nope', $echo);
    is($status, 1, 'unknown language: exit status 1');
    like($err, qr/no language for nope/, 'and the message');
    ($status, $res, $err) = run_cli($cli_conf, '', '--lang', 'python', '--mode', 'weird', $echo);
    like($err, qr/python has no weird mode/, 'a mode the language lacks');
};

subtest 'runs at once are taken one after the other' => sub {
    my $slow = code_file('.py', "import time\ntime.sleep(0.3)\nprint(input())\n");
    my %kids;
    for my $n (1 .. 3) {
        my ($fh, $out) = tempfile(UNLINK => 1);
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my ($status, $res) = run_cli($cli_conf, "run $n\n", $slow);
            print {$fh} "$status " . ($res ? $res->{stdout} : "no result\n");
            close $fh;
            POSIX::_exit(0);
        }
        $kids{$pid} = [$n, $out];
    }
    for my $pid (keys %kids) {
        waitpid $pid, 0;
        my ($n, $out) = @{ $kids{$pid} };
        is(Coderun::Stack::slurp($out), "0 run $n\n", "run $n got its own output");
    }
};

subtest 'only root gets through' => sub {
    my $as_nobody = sub {
        my ($send) = @_;
        my ($fh, $out) = tempfile(UNLINK => 1);
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            Coderun::Stack::become('nobody');
            my $s = IO::Socket::UNIX->new(Type => SOCK_SEQPACKET, Peer => $socket);
            my $got = 'refused';
            if ($s) {
                $s->send($send);
                my $buf;
                $got = defined $s->recv($buf, 4096) && length $buf ? 'reply' : 'closed';
            }
            print {$fh} $got;
            close $fh;
            POSIX::_exit(0);
        }
        waitpid $pid, 0;
        return Coderun::Stack::slurp($out);
    };
    is($as_nobody->('x'), 'refused', 'connect refused by the socket\'s mode');
    chmod 0666, $socket or die "chmod: $!";
    is($as_nobody->('x' x 64), 'closed', 'with the mode opened up: closed without a reply');
    chmod 0600, $socket or die "chmod: $!";
    poll_log(qr/"event":"run_socket_failed","error":"turned away a peer that is not root"/);
    pass('logged');
    my $s = IO::Socket::UNIX->new(Type => SOCK_SEQPACKET, Peer => $socket) or die "connect: $!";
    $s->send('junk');
    my $buf;
    ok(!(defined $s->recv($buf, 4096) && length $buf), 'a root peer with no valid request: closed');
    my ($status, $res) = run_cli($cli_conf, "still\n", $echo);
    is($res->{verdict}, 'ok', 'serve goes on taking runs');
};

subtest 'a stop cancels the run under way and removes the socket' => sub {
    my $sleepy = code_file('.py', "import time\ntime.sleep(30)\n");
    my ($fh, $out) = tempfile(UNLINK => 1);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my ($status, $res, $err) = run_cli($cli_conf, '', '--time-ms', 20000, $sleepy);
        print {$fh} JSON::PP->new->canonical->encode([$status, $res, $err]);
        close $fh;
        POSIX::_exit(0);
    }
    Coderun::Stack::poll_until('the sleeper to run', sub { box_uid_running($cli_uid) });
    my $t0 = time;
    kill 'TERM', $stack->sandboxd_pid;
    waitpid $pid, 0;
    my ($status, $res, $err) = @{ JSON::PP->new->decode(Coderun::Stack::slurp($out)) };
    cmp_ok(time - $t0, '<', 15, 'the command returned soon after the stop');
    is($res->{verdict}, 'internal_error', 'the run was cancelled') or diag($err);
    like($res->{reason}, qr/cancelled/, 'and says so');
    Coderun::Stack::poll_until('sandboxd to exit', sub { !$stack->sandboxd_pid });
    ok(!-e $socket, 'the stopped serve removed its socket');
    ok(!box_uid_running($cli_uid), 'nothing of the run is left');
};

subtest 'without serve, the command runs it itself' => sub {
    my ($status, $res, $err) = run_cli($stack->path('sandboxd.conf'), "abc\n", $echo);
    is($res->{stdout}, "4 0 abc\n $cli_uid\n", 'no socket: a box of its own') or diag($err);
    # a socket file nobody listens on, as a serve killed with -9 leaves it
    my $stale = IO::Socket::UNIX->new(Type => SOCK_SEQPACKET, Local => $socket, Listen => 1) or die "bind: $!";
    close $stale;
    ok(-S $socket, 'a stale socket');
    ($status, $res, $err) = run_cli($stack->path('sandboxd.conf'), "abc\n", $echo);
    is($res->{stdout}, "4 0 abc\n $cli_uid\n", 'a stale socket: a box of its own') or diag($err);
    ($status, $res, $err) = run_cli($cli_conf, "abc\n", $echo);
    is($status, 1, 'and so its own languages.conf');
    unlink $socket;
};

done_testing();

sub poll_log {
    my ($re) = @_;
    Coderun::Stack::poll_until("sandboxd.out to match $re",
        sub { Coderun::Stack::slurp($stack->path('log', 'sandboxd.out')) =~ $re });
}

sub box_uid_running {
    my ($uid) = @_;
    for my $status (glob '/proc/[0-9]*/status') {
        open my $fh, '<', $status or next;
        my ($real) = join('', <$fh>) =~ /^Uid:\s+(\d+)/m;
        return 1 if defined $real && $real == $uid;
    }
    return 0;
}
