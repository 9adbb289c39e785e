package Coderun::Queue;

# Helpers for the queue tests (t/50-queue-*.t), composed from Coderun::Stack's
# public methods: extra sandboxd workers with their own settings (lease_s,
# slots, ...), PostgreSQL stopped and started under a running stack, jobs
# queued in bulk and SQL checks of their end state.
#
# Each worker gets its own box_dir, uid range and cgroup parent: sandboxd
# names its per-slot cgroups <parent>/coderun/uid-U, and the cgroup of its
# own lets the tests remove what a killed worker leaves behind.

use strict;
use warnings;
use Exporter qw(import);
use File::Path qw(make_path);
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Coderun::Stack;

our @EXPORT_OK = qw(start_worker signal_worker wait_exit stop_stack_worker stop_postgres
                    start_postgres queue_jobs wait_until job_states case_problems);

my $JSON = JSON::PP->new->utf8->canonical;
my $POLL_S = 0.05;
my %WORKERS;         # pid => {stack, cgroups}, stopped in END
my $COUNT = 0;

# wait_until(WHAT, TIMEOUT_S, CHECK): polls CHECK until true; dies naming WHAT.
sub wait_until {
    my ($what, $timeout, $check) = @_;
    return Coderun::Stack::poll_until($what, $check, $timeout);
}

# The stack's own sandboxd (default settings) out of the way: the tests run
# workers of their own.
sub stop_stack_worker {
    my ($stack) = @_;
    my $pid = $stack->sandboxd_pid or return;
    kill 'TERM', $pid;
    wait_until("the stack's sandboxd (pid $pid) to exit", 30, sub { !Coderun::Stack::alive($pid) });
    unlink $stack->path('run', 'sandboxd.pid');
}

# A cgroup directory of our own under each v1 controller sandboxd uses, so
# the worker's slot cgroups do not collide with another daemon's.
sub _own_cgroups {
    my ($tag) = @_;
    my @dirs;
    open my $fh, '<', '/proc/self/cgroup' or return ();
    while (my $line = <$fh>) {
        my (undef, $controllers, $path) = split /:/, $line, 3;
        chomp $path;
        next unless grep { /^(memory|pids|cpuacct)$/ } split /,/, $controllers;
        my ($first) = split /,/, $controllers;
        my $mount = "/sys/fs/cgroup/$first";
        next unless -d $mount;
        my $dir = "$mount" . ($path eq '/' ? '' : $path) . "/$tag";
        mkdir $dir;
        push @dirs, $dir if -d $dir;
    }
    return @dirs;
}

# start_worker($stack, lease_s => S, slots => N, max_attempts => N,
#              poll_ms => MS): a sandboxd serve of its own (settings added
# to the stack's sandboxd.conf), registered in coderun.workers. Returns its
# pid; it is a child of this process (wait_exit gets its status).
sub start_worker {
    my ($stack, %opt) = @_;
    my $n = $COUNT++;
    my $tag = "queue-$$-$n";
    my $slots = $opt{slots} // 2;
    (my $base = Coderun::Stack::slurp($stack->path('sandboxd.conf'))) =~ s/^(?:box_dir|slots|uid_base)\s*=.*\n//mg;
    my ($stack_uid) = Coderun::Stack::slurp($stack->path('sandboxd.conf')) =~ /^uid_base\s*=\s*(\d+)/m;
    my $conf = $base . "box_dir = ${\ $stack->path(qq(box-$n)) }\nslots = $slots\n"
             . 'uid_base = ' . (($stack_uid // 64000) + 4 * ($n % 4)) . "\n";
    $conf .= "$_ = $opt{$_}\n" for grep { defined $opt{$_} } qw(lease_s max_attempts poll_ms retention_days);
    my $file = $stack->path("worker-$n.conf");
    Coderun::Stack::write_file($file, $conf, 0600);
    my @cgroups = _own_cgroups("coderun-test-$tag");
    my $log = $stack->path('log', "worker-$n.out");
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        for my $dir (@cgroups) {
            open my $procs, '>', "$dir/cgroup.procs" or next;
            print {$procs} "$$\n";
            close $procs;
        }
        POSIX::setsid();
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec { $stack->sandboxd_bin } $stack->sandboxd_bin, "-c", $file, "serve" or POSIX::_exit(127);
    }
    $WORKERS{$pid} = { cgroups => \@cgroups, log => $log };
    wait_until("worker $pid to register", 30, sub {
        die "worker $pid exited during start-up:\n" . $stack->log_tail("worker-$n.out", 5)
            if waitpid($pid, WNOHANG) == $pid;
        $stack->psql("SELECT count(*) FROM coderun.workers WHERE pid = $pid") > 0;
    });
    return $pid;
}

sub signal_worker {
    my ($pid, $signal) = @_;
    kill $signal, $pid;
}

# wait_exit(PID, TIMEOUT_S): waits for a worker to exit; returns its wait
# status ($?), or undef after the deadline.
sub wait_exit {
    my ($pid, $timeout) = @_;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            my $status = $?;
            _forget($pid);
            return $status;
        }
        sleep $POLL_S;
    }
    return undef;
}

sub _forget {
    my ($pid) = @_;
    my $w = delete $WORKERS{$pid} or return;
    # Empty by now: a killed worker leaves its last slot cgroups behind.
    for my $dir (@{ $w->{cgroups} }) {
        rmdir for glob "$dir/coderun/uid-*";
        rmdir "$dir/coderun";
        rmdir $dir;
    }
}

END {
    my $status = $?;
    for my $pid (keys %WORKERS) {
        kill 'TERM', $pid;
        defined wait_exit($pid, 20) or do { kill 'KILL', $pid; wait_exit($pid, 5) };
    }
    $? = $status;
}

# PostgreSQL under a running stack: stop (fast: connections are cut) and
# start again, as its own user with the stack's data directory.
sub _pg_ctl {
    my ($stack, @args) = @_;
    my @cmd = ('runuser', '-u', 'postgres', '--', $stack->pg_tool('pg_ctl'), @args,
               '-D', $stack->path('pg'), '-w', '-t', 60);
    system(@cmd) == 0 or die "@cmd failed: $?\n";
}

sub stop_postgres  { _pg_ctl($_[0], 'stop', '-m', 'fast') }
sub start_postgres { _pg_ctl($_[0], 'start', '-l', $_[0]->path('log', 'postgresql.log')) }

# queue_jobs($stack, COUNT, {code, inputs, ...}): POSTs COUNT jobs over one
# keep-alive connection; returns their ids. Dies on any answer but 202.
sub queue_jobs {
    my ($stack, $count, $request) = @_;
    my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
    my %headers = ('x-api-key' => $stack->token, 'content-type' => 'application/json');
    my $body = $JSON->encode($request);
    my @ids;
    for (1 .. $count) {
        my $res = $http->request('POST', $stack->url('/run'), { headers => \%headers, content => $body });
        $res->{status} == 202 or die "POST /run answered $res->{status}: $res->{content}\n";
        push @ids, $JSON->decode($res->{content})->{exec_id};
    }
    return @ids;
}

# { state => count } over all jobs.
sub job_states {
    my ($stack) = @_;
    my %n = map { split /\|/ } split /\n/,
        $stack->psql('SELECT state, count(*) FROM coderun.jobs GROUP BY state');
    return \%n;
}

# Cases without exactly one verdict: rows with a NULL verdict, and
# (job, idx) pairs that occur more than once. Empty list when all is well.
sub case_problems {
    my ($stack) = @_;
    return grep { length } split /\n/, $stack->psql(<<'SQL');
SELECT 'null verdict: ' || job_id || '/' || idx FROM coderun.cases WHERE verdict IS NULL
UNION ALL
SELECT 'duplicate: ' || job_id || '/' || idx FROM coderun.cases GROUP BY job_id, idx HAVING count(*) > 1
SQL
}

1;
