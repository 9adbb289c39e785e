#!/usr/bin/perl
# The sandbox's cgroup limits on a kernel of their own: runs inside the
# user-mode-linux guest of `make test-kernel` (t/kernel/boot), where
# CODERUN_KERNEL_CGROUP names the hierarchies t/kernel/init mounted (v2:
# cgroup2 at /sys/fs/cgroup; v1: memory, pids and cpu,cpuacct hierarchies).
# Each check runs `sandboxd run --standalone`: the mode, the memory limit
# (OOM kill counted by the kernel), the CPU limit, the pids limit (pids.max,
# not RLIMIT_NPROC, stops a fork loop), sandboxd in a delegated cgroup of
# its own (systemd's Delegate=yes), sandboxd in a cgroup shared with other
# processes (v2: refused with the reason, or degraded when allowed; v1:
# works) and no cgroup left behind.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $version = $ENV{CODERUN_KERNEL_CGROUP} // '';
plan skip_all => 'runs inside the guest of make test-kernel (t/kernel/boot)'
    unless $version =~ /^v[12]$/;
my $root     = abs_path(dirname(__FILE__) . '/../..');
my $sandboxd = "$root/build/sandboxd/sandboxd";
my $mode     = $version eq 'v2' ? 'cgroup2' : 'cgroup1';
my $CG       = '/sys/fs/cgroup';
# v1: the hierarchies init mounted, each a place sandboxd's cgroup may be in
my @HIERS    = $version eq 'v2' ? ($CG) : map { "$CG/$_" } "memory", "pids", "cpu,cpuacct";
my $scale    = $ENV{CODERUN_TIME_SCALE} || 1;
my $MB       = 64;
my $dir      = tempdir(CLEANUP => 1);

my $conf     = config('');
my $degraded = config("allow_degraded = yes\n");
my %src = (
    hello => ['python', "print('hello')\n"],
    # 512 MB touched a MB at a time: only the memory limit can stop it
    hog   => ['c', <<'C'],
#include <stdlib.h>
#include <string.h>
int main(void) { for (int i = 0; i < 512; i++) memset(malloc(1 << 20), 1, 1 << 20); return 0; }
C
    spin  => ['c', <<'C'],
#include <pthread.h>
static void *burn(void *arg) { for (volatile unsigned long i = 0;; i++) ; return arg; }
int main(void) { pthread_t t; pthread_create(&t, NULL, burn, NULL); burn(NULL); return 0; }
C
    # children that wait, until fork fails: how many and why
    forks => ['c', <<'C'],
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
    int n = 0;
    pid_t pid;
    while ((pid = fork()) > 0)
        n++;
    if (pid == 0) { pause(); return 0; }
    printf("forked %d: %s\n", n, strerror(errno));
    return 0;
}
C
);
for my $name (keys %src) {
    my $ext = $src{$name}[0] eq 'c' ? 'c' : 'py';
    write_file("$dir/$name.$ext", $src{$name}[1]);
    $src{$name}[1] = "$dir/$name.$ext";
}
my @before = cgroup_dirs();

subtest 'mode' => sub {
    my $r = run_box($conf, 'hello');
    is($r->{json}{sandbox_mode}, $mode, "run names the mode: $mode");
    is($r->{json}{verdict}, 'ok', 'and runs');
};

subtest 'memory limit' => sub {
    my $ooms = parent_oom_kills('');
    my $r = run_box($conf, 'hog');
    is($r->{json}{verdict}, 'memory_limit', 'memory_limit (the kernel counted an OOM kill)');
    my $kb = $r->{json}{memory_kb} // 0;
    cmp_ok($kb, '>=', $MB * 1024 * 0.9, "peak near the limit ($kb kB)");
    cmp_ok($kb, '<=', $MB * 1024 * 1.02, 'and not above it');
    cmp_ok(parent_oom_kills(''), '>', $ooms, 'memory.events of coderun/ counts the kill')
        if $version eq 'v2';
};

subtest 'CPU limit' => sub {
    my $limit = 2000;    # spinning is not slower in the guest
    my $r = run_box($conf, 'spin', time_ms => $limit);
    is($r->{json}{verdict}, 'time_limit', 'time_limit');
    my $cpu = $r->{json}{cpu_ms} // 0;
    diag(sprintf 'cpu_ms %.0f for a limit of %d (%+.1f%%)', $cpu, $limit, 100 * ($cpu / $limit - 1));
    cmp_ok($cpu, '>=', $limit, 'the cgroup counted both threads up to the limit');
};

subtest 'pids limit' => sub {
    my $kmsg = kernel_log();
    my $r = run_box($conf, 'forks');
    is($r->{json}{verdict}, 'ok', 'the program ends by itself');
    like($r->{json}{stdout}, qr/^forked \d+: Resource temporarily unavailable$/, 'fork failed: EAGAIN')
        or diag($r->{json}{stdout});
    my ($n) = ($r->{json}{stdout} // '') =~ /forked (\d+)/;
    cmp_ok($n // 0, '<', 64, 'below the limit of 64 tasks');
    like(kernel_log($kmsg), qr{fork rejected by pids controller in \S*/coderun/uid-\d+},
         'pids.max rejected it (RLIMIT_NPROC is above)');
};

subtest 'a delegated cgroup of its own (Delegate=yes)' => sub {
    my @svc = make_cgroups("svc-$$");
    my $ooms = parent_oom_kills("svc-$$");
    my $r = run_box($conf, 'hog', cgroups => \@svc);
    is($r->{json}{sandbox_mode}, $mode, "mode $mode");
    is($r->{json}{verdict}, 'memory_limit', 'memory_limit');
    cmp_ok(parent_oom_kills("svc-$$"), '>', $ooms, 'counted in the service cgroup')
        if $version eq 'v2';
    ok(-d "$svc[0]/coderun", 'slots under <service cgroup>/coderun');
    is_deeply([slot_cgroups()], [], 'no slot cgroup left');
    ok(remove_cgroups(@svc), 'the service cgroup holds nothing: removed');
};

subtest 'a cgroup shared with other processes' => sub {
    my @shared = make_cgroups("shared-$$");
    my $other = fork // die "fork: $!";
    if (!$other) { enter(@shared); exec 'sleep', '600'; exit 127 }
    wait_member($shared[0], $other);
    if ($version eq 'v2') {
        my $r = run_box($conf, 'hello', cgroups => \@shared);
        isnt($r->{status}, 0, 'run refuses');
        ok(!$r->{json}, 'and runs nothing');
        like($r->{stderr}, qr/no cgroup to enforce the memory and process limits with .*holds other processes/,
             'the reason is printed') or diag($r->{stderr});
        like($r->{stderr}, qr/allow_degraded = yes/, 'and how to run anyway');
        ok(!-e "$shared[0]/daemon", 'no daemon cgroup left behind');
        my $d = run_box($degraded, 'hello', cgroups => \@shared);
        is($d->{json}{sandbox_mode}, 'degraded', 'allow_degraded = yes: runs, mode degraded');
        is($d->{json}{verdict}, 'ok', 'ok');
        like($d->{stderr}, qr/warning: limits by rlimits only/, 'with a warning');
    } else {
        my $r = run_box($conf, 'hog', cgroups => \@shared);
        is($r->{json}{sandbox_mode}, 'cgroup1', 'v1 has no "no internal processes" rule: cgroup1');
        is($r->{json}{verdict}, 'memory_limit', 'memory_limit');
    }
    is(slurp("$shared[0]/cgroup.procs"), "$other\n", 'the other process stayed where it was');
    kill 'KILL', $other;
    waitpid $other, 0;
    is_deeply([slot_cgroups()], [], 'no slot cgroup left');
    ok(remove_cgroups(@shared), 'the shared cgroup holds nothing: removed');
};

subtest 'no cgroup left behind' => sub {
    is_deeply([slot_cgroups()], [], 'no slot cgroup');
    my %was = map { $_ => 1 } @before;
    # coderun/ in sandboxd's own cgroup stays: the parent of the next runs' slots
    is_deeply([grep { !$was{$_} && !m{/coderun$} } cgroup_dirs()], [], 'nothing else new');
};

done_testing();

sub config {
    my ($extra) = @_;
    my $path = "$dir/sandboxd-" . length($extra) . '.conf';
    write_file($path, "slots = 1\nbox_dir = /var/lib/coderun/box\n$extra");
    return $path;
}

# Runs a program; cgroups => the cgroup dirs sandboxd starts in.
sub run_box {
    my ($config, $name, %o) = @_;
    my ($lang, $file) = @{$src{$name}};
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        enter(@{$o{cgroups} || []});
        open STDIN, '<', '/dev/null' or die;
        open STDOUT, '>', "$dir/out" or die;
        open STDERR, '>', "$dir/err" or die;
        exec $sandboxd, '-c', $config, 'run', '--standalone', '--lang', $lang,
            '--time-ms', $o{time_ms} // 2000 * $scale, '--memory-mb', $MB, $file;
        exit 127;
    }
    waitpid $pid, 0;
    my %r = (status => $? >> 8, stderr => scalar slurp("$dir/err"));
    $r{json} = eval { decode_json(scalar slurp("$dir/out")) };
    diag("stderr: $r{stderr}") if $r{stderr} && !$r{json};
    return \%r;
}

# This process into the cgroups (one per v1 hierarchy).
sub enter { write_file("$_/cgroup.procs", "$$\n") for @_ }

sub make_cgroups {
    my ($name) = @_;
    my @dirs = map { "$_/$name" } @HIERS;
    mkdir $_ or die "$_: $!" for @dirs;
    return @dirs;
}

# rmdir depth first: fails if any of them still holds a process.
sub remove_cgroups {
    my $ok = 1;
    for my $top (@_) {
        open my $find, '-|', 'find', $top, '-depth', '-type', 'd' or die "find: $!";
        chomp(my @dirs = <$find>);
        for my $d (@dirs) {
            next if rmdir $d;
            diag("rmdir $d: $!");
            $ok = 0;
        }
    }
    return $ok;
}

sub wait_member {
    my ($cg, $pid) = @_;
    my $deadline = time + 10 * $scale;
    select undef, undef, undef, 0.02 until slurp("$cg/cgroup.procs") =~ /^$pid$/m || time > $deadline;
}

# v2: oom_kill in memory.events of <NAME>/coderun (hierarchical: it counts
# every slot below).
sub parent_oom_kills {
    my ($name) = @_;
    my $events = slurp(join('/', $CG, $name || (), 'coderun', 'memory.events')) // '';
    return $events =~ /^oom_kill (\d+)/m ? $1 : 0;
}

# The kernel log, or what was added to it since $since.
sub kernel_log {
    my ($since) = @_;
    my $log = qx{dmesg};
    return defined $since ? substr($log, length $since) : $log;
}

sub cgroup_dirs {
    open my $find, '-|', 'find', $CG, '-mindepth', '1', '-type', 'd' or die "find: $!";
    chomp(my @dirs = <$find>);
    return sort @dirs;
}

sub slot_cgroups { return grep { m{/coderun/uid-} } cgroup_dirs() }

sub slurp { open my $fh, '<', $_[0] or return undef; local $/; return <$fh> }
sub write_file { open my $fh, '>', $_[0] or die "$_[0]: $!"; print {$fh} $_[1]; close $fh or die "$_[0]: $!" }
