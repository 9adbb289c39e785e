#!/usr/bin/perl
# The hostile corpus: every program in t/sandbox/corpus runs once through
# `sandboxd run`; its header names the exact verdict (`expect:`), optionally
# a reason substring (`reason:`), stdin (`stdin:`, \0 \n escapes; default:
# the bait, see $bait) and exact stdout (`stdout:`). After each run the host must be untouched: canary
# files, loopback TCP and unix-socket listeners, a canary process, no
# process of a box uid and no cgroup slot left behind.
use strict;
use warnings;
use feature qw(state);
use Test::More;
use JSON::PP;
use IO::Socket::INET;
use IO::Socket::UNIX;
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempfile);
use Cwd qw(abs_path);
use FindBin;
use lib "$FindBin::Bin/../lib";
use Coderun::Stack;

my $root    = abs_path(dirname(__FILE__) . '/../..');
# What `make` built, or CODERUN_BUILD's tree (make test-asan).
my $build   = $ENV{CODERUN_BUILD} ? abs_path($ENV{CODERUN_BUILD}) : "$root/build";
my $sandboxd = "$build/sandboxd/sandboxd";
plan skip_all => 'needs root (namespaces, cgroups)' if $> != 0;
plan skip_all => "build $sandboxd first" unless -x $sandboxd;

my $SECRET     = 'CANARY-SECRET-' . join('', map { int rand 10 } 1 .. 12);
my $CANARY_DIR = "/tmp/coderun-canary-$$";
my $BOX_DIR    = "/tmp/coderun-corpus-$$/box";
# `sandboxd run` uses slot `slots` (one past the serve slots); a uid block
# of its own keeps this test apart from daemons and parallel test files.
my $SLOT       = 1;
my $UID_BASE   = Coderun::Stack::uid_block();
my ($cfg_fh, $config) = tempfile(UNLINK => 1);
print {$cfg_fh} "slots = $SLOT\nuid_base = $UID_BASE\nbox_dir = $BOX_DIR\n";
close $cfg_fh;
my %LANG       = (c => 'c', py => 'python', js => 'javascript');
# CPU time limit of a run; CODERUN_TIME_SCALE stretches it where page faults
# and interpreter start-up are slower (t/kernel's user-mode-linux: ~10x).
my $TIME_MS    = 1000 * ($ENV{CODERUN_TIME_SCALE} || 1);

# Host-side bait.
remove_tree($CANARY_DIR);
make_path($CANARY_DIR, "$BOX_DIR/slot-0");
write_file("$CANARY_DIR/canary", "$SECRET\n");
write_file("$BOX_DIR/slot-0/secret-$$.txt", "$SECRET\n");
# forked before the listeners exist, so it holds none of them
my $canary_pid = fork // die "fork: $!";
if (!$canary_pid) { exec 'sleep', '3600'; exit 127 }
END { kill 'KILL', $canary_pid if $canary_pid }
my $tcp = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5,
                                Blocking => 0) or die "tcp listener: $!";
my $unix = IO::Socket::UNIX->new(Local => "$CANARY_DIR/host.sock", Listen => 5, Blocking => 0)
    or die "unix listener: $!";
my $abstract = IO::Socket::UNIX->new(Local => "\0coderun-host-$$", Listen => 5, Blocking => 0)
    or die "abstract listener: $!";
my @canary_listing = dir_listing($CANARY_DIR);
# What the programs aim at, as their default stdin: the TCP port, the unix
# socket path, the abstract socket name and the canary directory.
my $bait = join("\n", $tcp->sockport, "$CANARY_DIR/host.sock", "coderun-host-$$", $CANARY_DIR) . "\n";
local $ENV{CODERUN_TEST_SECRET} = $SECRET;
local $ENV{PGPASSWORD} = $SECRET;

subtest 'the leftover check sees the cgroup of a killed run' => \&leftover_seen;

my @files = sort grep { /\.(c|py|js)$/ } glob("$root/t/sandbox/corpus/*");
cmp_ok(scalar @files, '>=', 40, 'corpus has at least 40 programs');
for my $file (@files) {
    subtest basename($file) => sub { run_one($file) };
}

kill 'KILL', $canary_pid;
waitpid $canary_pid, 0;
remove_tree(dirname($BOX_DIR));
remove_tree($CANARY_DIR);
done_testing();

sub run_one {
    my ($file) = @_;
    my %h = headers($file);
    my ($ext) = $file =~ /\.(\w+)$/;
    die "$file: no expect: header" unless $h{expect};
    if ($h{'expect-without-ia32'} && ia32_abi() ne 'i386') {
        plan skip_all => 'int 0x80 runs the native system call table here (user-mode-linux):'
                       . ' no i386 ABI to test' if ia32_abi() eq 'native';
        $h{expect} = $h{'expect-without-ia32'};
        delete $h{reason};
    }
    my ($in, $in_path) = tempfile(UNLINK => 1);
    print {$in} defined $h{stdin} ? unescape($h{stdin}) : $bait;
    close $in;
    my @cmd = ($sandboxd, '-c', $config, 'run', '--lang', $LANG{$ext}, '--time-ms', $TIME_MS, '--memory-mb', 128,
               '--output-kb', 64, $file);
    my $json = qx{@cmd < $in_path 2>/dev/null};
    my $res = eval { JSON::PP->new->decode($json) };
    ok($res, 'result is valid JSON') or return diag("output: $json");
    is($res->{verdict}, $h{expect}, "verdict $h{expect}")
        or diag("reason: $res->{reason}\nstdout: " . substr($res->{stdout} // '', 0, 400)
                . "\nstderr: " . substr($res->{stderr} // '', 0, 400));
    like($res->{reason}, qr/\Q$h{reason}\E/i, "reason mentions $h{reason}") if $h{reason};
    is($res->{stdout}, unescape($h{stdout}) . "\n", 'stdout') if defined $h{stdout};
    my $all = join "\n", $res->{stdout} // '', $res->{stderr} // '';
    unlike($all, qr/ESCAPED/, 'no escape reported');
    unlike($all, qr/\Q$SECRET\E/, 'no secret leaked');
    host_untouched();
}

# A run whose sandboxd is killed leaves its cgroup; the check must see it,
# and the next run of the slot must clear it.
sub leftover_seen {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null' or die;
        open STDOUT, '>', '/dev/null' or die;
        exec $sandboxd, '-c', $config, 'run', '--lang', 'c', '--time-ms', 60_000,
            "$root/t/sandbox/corpus/infinite_loop.c";
        exit 127;
    }
    my $deadline = time + 30 * ($ENV{CODERUN_TIME_SCALE} || 1);
    select undef, undef, undef, 0.05 until cgroup_slots() || time > $deadline;
    kill 'KILL', $pid;
    waitpid $pid, 0;
    ok(scalar cgroup_slots(), 'the killed run left its cgroup and the check sees it')
        or return;
    my $json = qx{$sandboxd -c $config run --lang python --time-ms $TIME_MS $root/t/sandbox/corpus/exit_code.py </dev/null 2>&1};
    like($json, qr/"verdict": "runtime_error"/, 'the next run of the slot works') or diag($json);
    is_deeply([cgroup_slots()], [], 'and leaves no cgroup');
    is_deeply([box_processes()], [], 'nor a process of the slot uid');
}

sub host_untouched {
    is(slurp("$CANARY_DIR/canary"), "$SECRET\n", 'canary file unchanged');
    is_deeply([dir_listing($CANARY_DIR)], \@canary_listing, 'no file created next to it');
    ok(!-e "$root/PWNED" && !-e '/pwned', 'nothing written on the host');
    for my $l ([tcp => $tcp], [unix => $unix], [abstract => $abstract]) {
        my $peer = $l->[1]->accept;
        ok(!$peer, "no connection to the host $l->[0] listener");
    }
    ok(kill(0, $canary_pid), 'host canary process alive');
    is_deeply([box_processes()], [], 'no process of the slot uid left');
    is_deeply([cgroup_slots()], [], 'no cgroup slot left');
}

sub headers {
    my ($file) = @_;
    my %h;
    open my $fh, '<', $file or die "$file: $!";
    while (my $line = <$fh>) {
        last unless $line =~ m{^\s*(?://|#)};
        $h{$1} = $2 if $line =~ m{^\s*(?://|#)\s*(expect|expect-without-ia32|reason|stdin|stdout):\s?(.*?)\s*$};
    }
    return %h;
}

# What int 0x80 does on this kernel: 'i386' (IA-32 emulation runs the i386
# system call), 'none' (SIGSEGV: built without it) or 'native' (it runs the
# native table, as user-mode-linux does: the filter sees a native call).
sub ia32_abi {
    state $abi;
    return $abi if defined $abi;
    my ($src, $src_path) = tempfile(SUFFIX => '.c', UNLINK => 1);
    print {$src} 'int main(void) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L)); return r <= 0; }';
    close $src;
    my $bin = "$src_path.bin";
    system('cc', '-o', $bin, $src_path) == 0 or die "cc: $?";
    my $status = system($bin);
    $abi = $status == 0 ? 'i386' : $status & 127 ? 'none' : 'native';
    unlink $bin;
    return $abi;
}

sub unescape {
    my ($s) = @_;
    $s =~ s/\\0/\0/g;
    $s =~ s/\\n/\n/g;
    return $s;
}

sub box_processes {
    my @found;
    for my $status (glob '/proc/[0-9]*/status') {
        open my $fh, '<', $status or next;
        while (<$fh>) {
            next unless /^Uid:\s+(\d+)/;
            push @found, "$status uid $1" if $1 == $UID_BASE + $SLOT;
            last;
        }
    }
    return @found;
}

# The run's cgroups: <own cgroup>/coderun/uid-U (and uid-U-input for a warm
# server's input) in every hierarchy, U the slot's uid.
sub cgroup_slots {
    my $uid = $UID_BASE + $SLOT;
    open my $find, '-|', 'find', '/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd',
        '(', '-path', "*/coderun/uid-$uid", '-o', '-path', "*/coderun/uid-$uid-input", ')'
        or die "find: $!";
    chomp(my @found = <$find>);
    return @found;
}

sub dir_listing { opendir my $d, $_[0] or return (); return sort grep { !/^\.\.?$/ } readdir $d }
sub slurp { open my $fh, '<', $_[0] or return undef; local $/; return <$fh> }
sub write_file { open my $fh, '>', $_[0] or die "$_[0]: $!"; print {$fh} $_[1]; close $fh }
