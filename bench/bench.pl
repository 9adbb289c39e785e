#!/usr/bin/perl
# `make bench`: brings up its own coderun stack in var/bench (own ports, own
# sandbox uids) through Coderun::Stack, measures every figure of issue 8
# next to its bare reference in the same run, prints
#   bench <name>: project=<x> ref=<y> unit=<u> ratio=<x/y>
# and writes the same to var/bench.json. Loopback only; every load is a
# fixed count or a fixed duration. BENCH_SCALE=0.5 halves the counts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib", "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::BenchClient;
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX qw(WNOHANG);
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time sleep);

# HTTP::Tiny writes a request's headers and its body in two writes without
# TCP_NODELAY, so Nagle holds the body back until httpd's delayed ACK: 40 ms
# on every POST that no real client (curl, requests, fetch) pays. The bench
# times the service, not that.
{
    no warnings 'redefine';
    my $connect = \&HTTP::Tiny::Handle::connect;
    *HTTP::Tiny::Handle::connect = sub {
        my $handle = $connect->(@_);
        setsockopt($handle->{fh}, IPPROTO_TCP, TCP_NODELAY, 1) or die "TCP_NODELAY: $!\n";
        return $handle;
    };
}

my $ROOT  = $Coderun::Stack::ROOT;
my $DIR   = "$ROOT/var/bench";    # not /tmp: the sandbox mounts its own /tmp over it
my $OUT   = "$ROOT/var/bench.json";
my $PY    = '/usr/bin/python3';
my $SCALE = $ENV{BENCH_SCALE} // 1;
my $SLOTS = Coderun::Stack::cpu_count();
my $JSON  = JSON::PP->new->canonical->pretty;
my $CODE  = 'return input_str';    # the trivial function of every python figure
# The same function run bare: python3 -c PROGRAM INPUT.
my $BARE_PY = "import sys\ndef solve(input_str):\n    return input_str\nsys.stdout.write(solve(sys.argv[1]))\n";

my (@figures, $stack);
my $started = time;

sub n { my ($count) = @_; int($count * $SCALE + 0.5) || 1 }

# figure(NAME, PROJECT, REF, UNIT, [note => TEXT], [added => X]): one line.
sub figure {
    my ($name, $project, $ref, $unit, %extra) = @_;
    my $ratio = $ref ? sprintf('%.3f', $project / $ref) : 'n/a';
    my $line = sprintf 'bench %s: project=%s ref=%s unit=%s ratio=%s', $name, num($project), num($ref), $unit, $ratio;
    $line .= ' added=' . num($extra{added}) if defined $extra{added};
    $line .= "  # $extra{note}" if $extra{note};
    print "$line\n";
    push @figures, { name => $name, project => $project + 0, ref => $ref + 0, unit => $unit,
                     ratio => $ref ? $project / $ref : undef, %extra };
}

sub num { my ($x) = @_; $x == int($x) ? $x : sprintf('%.3f', $x) }

sub note { print "# $_[0]\n" }

sub median { percentile(50, @_) }

sub percentile {
    my ($p, @v) = @_;
    @v = sort { $a <=> $b } @v;
    return $v[ int(($p / 100) * $#v + 0.5) ];
}

# Runs COUNT commands, PAR at a time (MAKE(i) gives the argv of run i);
# returns the wall seconds of the whole batch.
sub bare_parallel {
    my ($count, $par, $make) = @_;
    my $t0 = time;
    my @kids;
    for my $w (0 .. $par - 1) {
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            open STDOUT, '>', '/dev/null';
            for (my $i = $w; $i < $count; $i += $par) {
                my @cmd = $make->($i);
                system { $cmd[0] } @cmd;
                POSIX::_exit(1) if $?;
            }
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    for (@kids) { waitpid $_, 0; die "bare run failed\n" if $? }
    return time - $t0;
}

sub bare_py { ($PY, '-c', $BARE_PY, $_[0]) }

# ------------------------------------------------------------ the python jobs

# Submits one job and long-polls it to the end; returns its result JSON.
sub run_job {
    my ($inputs) = @_;
    my $res = $stack->post_json('/run', { code => $CODE, inputs => $inputs, language => 'python' });
    $res->{status} == 202 or die "POST /run: $res->{status} $res->{content}\n";
    my $id = $res->{json}{exec_id};
    while (1) {
        my $r = $stack->get_json("/result/$id?wait=10");
        $r->{status} == 200 or die "GET /result: $r->{status} $r->{content}\n";
        my $status = $r->{json}{status};
        return $r->{json} if $status eq 'finished' || $status eq 'failed';
    }
}

sub bench_e2e {
    my $count = n(200);
    my (@project, @bare);
    run_job(['warm']) for 1 .. 3;
    for (1 .. $count) {
        my $t0 = time;
        my $job = run_job(['x']);
        push @project, (time - $t0) * 1000;
        $job->{status} eq 'finished' or die "job failed: $job->{error}\n";
    }
    open my $saved, '>&', \*STDOUT or die "dup: $!\n";
    open STDOUT, '>', '/dev/null' or die "/dev/null: $!\n";
    for (1 .. $count) {
        my $t0 = time;
        my @cmd = bare_py('x');
        system { $cmd[0] } @cmd;
        push @bare, (time - $t0) * 1000;
    }
    open STDOUT, '>&', $saved or die "dup: $!\n";
    my $p50 = median(@bare);
    figure('e2e_latency_p50', median(@project), $p50, 'ms', added => median(@project) - $p50,
           note => "$count sequential one-input jobs, POST + GET ?wait=10, vs python3 -c");
    figure('e2e_latency_p99', percentile(99, @project), percentile(99, @bare), 'ms');
}

sub bench_function_1000 {
    my $count = n(1000);
    my @inputs = map { "in$_" } 1 .. $count;
    my $t0 = time;
    my $job = run_job(\@inputs);
    my $project = time - $t0;
    my %verdicts;
    $verdicts{ $_->{status} }++ for @{ $job->{results} };
    my ($bad) = grep { $_->{status} ne 'ok' } @{ $job->{results} };
    note("function_1000_inputs: not ok: $bad->{status} $bad->{error}") if $bad;
    my $bare = bare_parallel($count, $SLOTS, sub { bare_py($inputs[$_[0]]) });
    figure('function_1000_inputs', $project, $bare, 's',
           note => "one job of $count inputs (execution_time $job->{execution_time} s, verdicts "
                 . join(',', map { "$_=$verdicts{$_}" } sort keys %verdicts) . ')'
                 . " vs $count python3 -c, $SLOTS at a time (= slots)");
}

# RSS of PID in kB (0 once it is gone).
sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)/ }
    return 0;
}

sub bench_throughput {
    my ($rss_idle) = @_;
    my ($count, $clients) = (n(1000), 16);
    my $sandboxd = $stack->sandboxd_pid;
    my $t0 = time;
    my @kids;
    for my $c (0 .. $clients - 1) {
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            delete $stack->{http};    # a connection of its own
            my $ok = eval { for (my $i = $c; $i < $count; $i += $clients) { run_job(["t$i"]) } 1 };
            print STDERR $@ unless $ok;
            POSIX::_exit($ok ? 0 : 1);
        }
        push @kids, $pid;
    }
    my $rss_load = 0;
    my %left = map { $_ => 1 } @kids;
    while (%left) {
        for (keys %left) {
            next unless waitpid($_, WNOHANG) == $_;
            die "a throughput client failed\n" if $?;
            delete $left{$_};
        }
        my $rss = rss_kb($sandboxd);
        $rss_load = $rss if $rss > $rss_load;
        sleep 0.05;
    }
    my $project = $count / (time - $t0);
    my $bare_count = n(400);
    my $bare = $bare_count / bare_parallel($bare_count, $SLOTS, sub { bare_py("t$_[0]") });
    figure('throughput_jobs_per_s', $project, $bare, 'jobs/s',
           note => "$count one-input jobs (scaled down from 2000 to stay within 5 min on $SLOTS cores),"
                 . " $clients clients, vs python3 -c runs/s $SLOTS at a time");
    figure('sandboxd_rss_kb', $rss_load, $rss_idle, 'kB', note => 'sandboxd VmRSS: peak during throughput vs idle');
}

# ---------------------------------------------- the pipeline: CPU per job

# pid => [ppid, utime + stime, cutime + cstime] of every process, in ticks.
sub proc_times {
    my %p;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // next;
        my ($pid, $rest) = $line =~ /^(\d+) \(.*\) (.*)$/ or next;
        my @f = split ' ', $rest;    # f[0] is field 3 (state)
        $p{$pid} = [$f[1], $f[11] + $f[12], $f[13] + $f[14]];
    }
    return \%p;
}

sub descendants {
    my ($p, $root) = @_;
    my %kids;
    push @{ $kids{ $p->{$_}[0] } }, $_ for keys %$p;
    my (@out, @todo) = ((), @{ $kids{$root} // [] });
    while (defined(my $pid = shift @todo)) { push @out, $pid; push @todo, @{ $kids{$pid} // [] } }
    return @out;
}

# CPU ticks per process group. A group's exited processes count through
# their parent's cutime (PostgreSQL's backends, httpd's children, the
# programs a slot's keeper reaps), so each descendant counts with its
# cutime; the boxed programs are sandboxd's descendants.
sub group_ticks {
    my $p = proc_times();
    my ($pg) = Coderun::Stack::slurp($stack->path('pg', 'postmaster.pid')) =~ /^(\d+)/;
    my %t;
    for ([postgresql => $pg], [httpd => $stack->httpd_pid]) {
        my ($name, $root) = @$_;
        $t{$name} = $p->{$root}[1] + $p->{$root}[2];
        $t{$name} += $p->{$_}[1] + $p->{$_}[2] for descendants($p, $root);
    }
    my $sd = $stack->sandboxd_pid;
    $t{sandboxd} = $p->{$sd}[1];
    $t{boxed} = $p->{$sd}[2];
    $t{boxed} += $p->{$_}[1] + $p->{$_}[2] for descendants($p, $sd);
    return \%t;
}

# Transactions committed in database coderun (its statistics are flushed
# about once a second: read after a pause).
sub commits {
    sleep 1.5;
    return $stack->psql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'coderun'");
}

my @GROUPS = qw(postgresql httpd sandboxd boxed);
my %TARGET_MS = (postgresql => 1.5, httpd => 0.5);

# CPU ms per job of each group for 1, 10 and 100 clients, each POSTing
# one-input jobs and long-polling them; commits per job.
sub bench_pipeline_cpu {
    my $tick_ms = 1000 / POSIX::sysconf(POSIX::_SC_CLK_TCK());
    my %one;
    for my $clients (1, 10, 100) {
        my $jobs = n({ 1 => 200, 10 => 400, 100 => 1000 }->{$clients});
        my $c0 = commits();
        my $t0 = group_ticks();
        my $run = Coderun::BenchClient::run(port => $stack->http_port, token => $stack->token,
                                            clients => $clients, jobs => $jobs);
        my $t1 = group_ticks();
        my $c1 = commits();
        my $n = $run->{done} || 1;
        note("pipeline $clients clients: $run->{done}/$run->{jobs} jobs right in " . sprintf('%.1f s', $run->{seconds})
             . ", errors: " . scalar(@{ $run->{errors} }) . ", wrong: " . scalar(@{ $run->{wrong} })
             . ($run->{errors}[0] ? " (first: $run->{errors}[0])" : ''));
        for my $g (@GROUPS) {
            my $ms = ($t1->{$g} - $t0->{$g}) * $tick_ms / $n;
            $one{$g} = $ms if $clients == 1;
            # ref: the target for one client, the one-client figure for more (flat: <= 1.2).
            my $ref = $clients == 1 ? $TARGET_MS{$g} // 0 : $one{$g};
            figure("cpu_ms_per_job_${g}_$clients", $ms, $ref, 'ms',
                   note => ($clients == 1 ? ($TARGET_MS{$g} ? "ref = the target" : 'no target')
                                          : 'ref = the same with 1 client')
                         . ", /proc CPU of the group over $n jobs, $clients long-polling clients");
        }
        figure("commits_per_job_$clients", ($c1 - $c0 - 1) / $n, 0, 'commits',
               note => 'pg_stat_database xact_commit of database coderun (the bench\'s own read excluded)');
    }
}

# A class at once: 1000 clients each POST one job and long-poll it.
sub bench_burst {
    my $clients = n(1000);
    my $run = Coderun::BenchClient::run(port => $stack->http_port, token => $stack->token,
                                        clients => $clients, jobs => $clients);
    my @errors = @{ $run->{errors} };
    figure('burst_jobs_right', $run->{done}, $clients, 'jobs',
           note => sprintf('%d clients, one job each, POST + long-poll, in %.1f s; connection/HTTP errors: %d%s;'
                           . ' keep-alive connections closed by httpd: %d; wrong outputs: %d', $clients,
                           $run->{seconds}, scalar @errors, @errors ? " (first: $errors[0])" : '',
                           $run->{reconnects}, scalar @{ $run->{wrong} }));
}

# -------------------------------------------------------------- result reads

sub wrk_rps {
    my ($url) = @_;
    my $token = $stack->token;
    my $out = `wrk -t1 -c8 -d5s -H 'x-api-key: $token' '$url' 2>&1`;
    my ($rps) = $out =~ /Requests\/sec:\s*([\d.]+)/ or die "wrk: $out\n";
    $out =~ /Non-2xx/ and die "wrk saw errors on $url:\n$out\n";
    return $rps;
}

sub httpd_children {
    my $parent = $stack->httpd_pid;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my ($pid, $ppid) = (<$fh> // '') =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @kids, $pid if $ppid == $parent;
    }
    return @kids;
}

# kB the httpd children (those alive before and after) grew over REQUESTS
# requests of URL after a warm-up.
sub httpd_growth {
    my ($url, $requests) = @_;
    my $ab = sub {
        my ($n) = @_;
        my $token = $stack->token;
        my $out = `ab -q -k -n $n -c 4 -H 'x-api-key: $token' '$url' 2>&1`;
        $out =~ /Complete requests:\s+$n\b/ && $out !~ /Non-2xx/ or die "ab on $url:\n$out\n";
    };
    $ab->(2000);
    my %before = map { $_ => rss_kb($_) } httpd_children();
    $ab->($requests);
    my $growth = 0;
    for (httpd_children()) { $growth += rss_kb($_) - $before{$_} if exists $before{$_} }
    return $growth;
}

sub bench_result_reads {
    my ($job_id) = @_;
    my $body = $stack->get_json("/result/$job_id")->{content};
    open my $fh, '>', $stack->path('www', 'result.json') or die "$!\n";
    print {$fh} $body;
    close $fh;
    my ($api, $static) = ($stack->url("/result/$job_id"), $stack->url('/bench-static/result.json'));
    figure('result_reads_per_s', wrk_rps($api), wrk_rps($static), 'req/s',
           note => 'wrk -t1 -c8 -d5s, GET /result/{id} vs a static file of the same size (' . length($body) . ' B), same httpd');
    my $requests = n(10000);
    figure('httpd_rss_growth_kb', httpd_growth($api, $requests), httpd_growth($static, $requests), 'kB',
           note => "httpd children's RSS growth over $requests GET /result/{id} vs $requests static reads (after 2000 warm-up)");
}

# ------------------------------------------------------------------- claims

# Jobs/s of pgbench running SCRIPT TRANSACTIONS times from each of CLIENTS
# connections as sandboxd's role; OPTIONS go to PGOPTIONS (session
# settings). Jobs per second: pgbench's transactions (one per batch) times
# the batch. A fixed count, not a duration: a fast host cannot drain the
# queue and go on claiming nothing.
sub pgbench_tps {
    my ($script, $clients, $transactions, $batch, $options) = @_;
    my @cmd = ($stack->pg_tool('pgbench'), '-n', '-M', 'prepared', '-f', $script,
               '-c', $clients, '-j', $clients, '-t', $transactions,
               '-h', $stack->path('run'), '-p', $stack->pg_port, '-U', 'coderun_sandboxd',
               '-D', 'worker=bench:1', '-D', 'lease=30', '-D', 'exec_time=0.001', '-D', "batch=$batch",
               '-D', 'cases=[{"idx":0,"output":"x","verdict":"ok","error":"","exit_code":0,"signal":0,'
                   . '"cpu_ms":0.1,"wall_ms":0.1,"memory_kb":1,"output_truncated":false}]',
               'coderun');
    local $ENV{PGPASSWORD} = $stack->secret('pg_sandboxd');
    local $ENV{PGOPTIONS} = $options // '';
    open my $fh, '-|', @cmd or die "pgbench: $!\n";
    my $out = do { local $/; <$fh> };
    close $fh or die "pgbench failed: $out\n";
    my ($tps) = $out =~ /tps = ([\d.]+) \(without initial connection time\)/ or die "pgbench: $out\n";
    return $tps * $batch;
}

# Queues JOBS one-input jobs straight into the table (as POST /run would).
sub queue_jobs {
    my ($jobs) = @_;
    $stack->psql(<<'SQL', n => $jobs);
WITH j AS (
    INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb)
    SELECT (SELECT id FROM coderun.api_keys WHERE name = 'default' AND revoked_at IS NULL),
           'python', 'function', 'return input_str', 2000, 256, 64
      FROM generate_series(1, :n)
    RETURNING id)
INSERT INTO coderun.cases (job_id, idx, input) SELECT id, 0, 'x' FROM j;
ANALYZE coderun.jobs, coderun.cases;
SQL
}

# sandboxd would claim the jobs (and roll up days) itself: the SQL runs alone.
sub stop_sandboxd {
    my $pid = $stack->sandboxd_pid or return;
    kill 'TERM', $pid;
    Coderun::Stack::stop_or_kill($pid, 'sandboxd');
}

sub bench_claims {
    stop_sandboxd();
    my ($queued, $batch) = (60000, 64);    # sandboxd claims up to 64 jobs for idle slots at once
    my @runs = ([1, ''], [4, ''], [4, '-c synchronous_commit=off']);
    for (@runs) {
        my ($clients, $options) = @$_;
        # 90 % of the queue between the clients: none of them runs dry.
        my $transactions = int(0.9 * $queued / $batch / $clients);
        queue_jobs($queued);
        my $claims = pgbench_tps("$FindBin::Bin/claim.sql", $clients, $transactions, $batch, $options);
        my $ref = pgbench_tps("$FindBin::Bin/roundtrips.sql", $clients, $transactions, $batch, $options);
        if ($options) {
            figure("claim_per_s_${clients}_async_commit", $claims, $ref, 'jobs/s',
                   note => "experiment, not the product: the same with synchronous_commit=off");
        } else {
            figure("claim_per_s_$clients", $claims, $ref, 'jobs/s',
                   note => "SQL path of sandboxd/worker/queue_sql.c in batches of $batch (claim with cases,"
                         . " write results and counters, no-op runner), pgbench -M prepared -t $transactions,"
                         . " $clients connection(s) like $clients sandboxd; ref = the same 2 round trips of"
                         . " SELECT 1 per batch");
        }
    }
}

# ------------------------------------------------------------ reports and purge

# Seconds a command (argv) takes; dies when it fails.
sub timed {
    my (@cmd) = @_;
    my $t0 = time;
    system(@cmd) == 0 or die "@cmd failed\n";
    return time - $t0;
}

sub owner_psql {
    my ($file, %vars) = @_;
    local $ENV{PGPASSWORD} = $stack->secret('pg_superuser');
    return timed($stack->pg_tool('psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', (map { ('-v', "$_=$vars{$_}") } sort keys %vars),
                 '-h', $stack->path('run'), '-p', $stack->pg_port, '-U', 'postgres', '-d', 'coderun', '-f', $file);
}

# Median ms of a 30-day report from VIEW (5 runs after one warm-up).
sub report_ms {
    my ($view) = @_;
    my $sql = "\\timing on\n" . "SELECT * FROM coderun.$view WHERE day >= current_date - 30 \\g /dev/null\n" x 6;
    local $ENV{PGPASSWORD} = $stack->secret('pg_superuser');
    my @ms = $stack->_run([$stack->pg_tool('psql'), '-X', '-h', $stack->path('run'), '-p', $stack->pg_port,
                           '-U', 'postgres', '-d', 'coderun'], input => $sql) =~ /Time: ([\d.]+) ms/g;
    shift @ms;
    return median(@ms);
}

# Issue 23: JOBS generated jobs over 100 days (BENCH_REPORT_JOBS, default
# one million: ten million takes about an hour to generate here), each
# report view over 30 days from the rollups against the 100 ms it must
# answer in, and the claim rate while a purge deletes 200,000 jobs
# against the claim rate without it.
sub bench_reports {
    stop_sandboxd();
    my $jobs = $ENV{BENCH_REPORT_JOBS} // n(1_000_000);
    my $days = 100;
    my $generate = owner_psql("$FindBin::Bin/generate.sql", jobs => $jobs, days => $days);
    my @VIEWS = qw(report_daily report_keys report_verdicts report_case_percentiles report_latency);
    my %raw = map { $_ => report_ms($_) } @VIEWS;
    my $rollup = timed($stack->sandboxd_bin, '-c', $stack->path('admin.conf'), 'purge', '--before', '1970-01-01');
    note(sprintf '%d jobs and cases generated in %.0f s, %d days rolled up in %.0f s', $jobs, $generate, $days, $rollup);
    figure("report_30d_ms_$_", report_ms($_), 100, 'ms', note => sprintf('30 days of %s from %d jobs,'
           . ' rollups vs the 100 ms it must answer in (raw rows before the rollup: %.0f ms)', $_, $jobs, $raw{$_}))
        for @VIEWS;

    # The claim rate without and with a purge of the oldest 100,000 jobs.
    my $purge_days = int(200_000 / ($jobs / $days)) || 1;
    my $cut = $stack->psql("SELECT coderun.rfc3339(min(created_at) + interval '$purge_days days') FROM coderun.jobs");
    my ($queued, $clients, $batch) = (60000, 4, 64);
    my $transactions = int(0.9 * $queued / $batch / $clients);
    queue_jobs($queued);
    my $alone = pgbench_tps("$FindBin::Bin/claim.sql", $clients, $transactions, $batch);
    queue_jobs($queued);
    my $t0 = time;
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        open STDOUT, '>', "$DIR/purge.out";
        exec $stack->sandboxd_bin, '-c', $stack->path('admin.conf'), 'purge', '--before', $cut or POSIX::_exit(127);
    }
    my $beside = pgbench_tps("$FindBin::Bin/claim.sql", $clients, $transactions, $batch);
    waitpid $pid, 0;
    die "sandboxd purge failed\n" if $?;
    my $purge_s = time - $t0;
    my ($purged) = Coderun::Stack::slurp("$DIR/purge.out") =~ /^purged (\d+) jobs/m or die "purge: no count\n";
    figure('purge_claim_per_s', $beside, $alone, 'jobs/s',
           note => sprintf('claims (%d connections, batches of %d, pgbench -t %d) while sandboxd purge deletes'
                           . ' the oldest %d days (%d jobs in %.1f s, longer than the claims) vs without;'
                           . ' must stay >= 0.9', $clients, $batch, $transactions, $purge_days, $purged, $purge_s));
}

# ------------------------------------------------------------ sandbox overhead

sub hyperfine_median_ms {
    my (@cmd) = @_;
    my $json = "$DIR/hyperfine.json";
    # Paths here never hold blanks or quotes (Coderun::Stack checks the directory).
    system("hyperfine -N --style none --warmup 10 --runs 200 --export-json $json '@cmd'"
           . " >>$DIR/hyperfine.log 2>&1") == 0 or die "hyperfine failed: see $DIR/hyperfine.log\n";
    return JSON::PP->new->decode(Coderun::Stack::slurp($json))->{results}[0]{median} * 1000;
}

# A bench-only language whose run command is a prebuilt `gcc -static`
# binary, bound read-only into the box (languages.conf binds): the stack's
# languages.conf is the project's plus this one. Binds may not lie under
# /tmp (the box mounts its own there), where a checkout may well be: the
# binary goes to a directory of its own.
my $STATIC_BIN;
sub static_language {
    my $bin = tempdir('coderun-bench-XXXXXX', DIR => '/var/tmp', CLEANUP => 1);
    chmod 0755, $bin;
    $STATIC_BIN = "$bin/trivial";
    system('gcc', '-O2', '-static', '-o', $STATIC_BIN, "$FindBin::Bin/trivial.c") == 0 or die "gcc -static failed\n";
    Coderun::Stack::write_file("$DIR/languages.conf", Coderun::Stack::slurp("$ROOT/languages.conf") . <<"CONF", 0644);

[static]
source  = main.txt
compile =
run     = $STATIC_BIN
version = $STATIC_BIN
binds   = $bin
CONF
    return "$DIR/languages.conf";
}

# `sandboxd run` of the static binary: handed to the stack's serve over its
# run socket (a box kept built), and with --standalone (a box built and
# torn down for the one run); then 200 runs in one process.
sub bench_sandbox_overhead {
    Coderun::Stack::write_file("$DIR/main.txt", "prebuilt\n", 0644);
    my @run = ($stack->sandboxd_bin, '-c', $stack->path('sandboxd.conf'), 'run', '--lang', 'static', "$DIR/main.txt");
    my @standalone = (@run[0 .. 3], '--standalone', @run[4 .. $#run]);
    for my $cmd (\@run, \@standalone) {
        my $check = `@$cmd </dev/null`;
        $check =~ /"verdict": "ok"/ or die "@$cmd: $check\n";
    }
    my ($project, $standalone) = (hyperfine_median_ms(@run), hyperfine_median_ms(@standalone));
    my $bare = hyperfine_median_ms($STATIC_BIN);
    figure('sandbox_overhead_ms', $project, $bare, 'ms', added => $project - $bare,
           note => 'median of 200 runs: sandboxd run of a gcc -static binary (handed to serve over its'
                 . ' run socket) vs exec of it bare');
    figure('sandbox_overhead_standalone_ms', $standalone, $bare, 'ms', added => $standalone - $bare,
           note => 'the same with --standalone: a box built and torn down for each run');
    # The same runs inside one sandboxd process: what serve pays per run.
    my $repeated = `@standalone[0 .. $#standalone - 1] --repeat 200 $standalone[-1] </dev/null`;
    my ($per_run) = $repeated =~ /"run_ms_median": ([\d.]+)/ or die "sandboxd run --repeat: $repeated\n";
    figure('sandbox_overhead_in_process_ms', $per_run, $bare, 'ms', added => $per_run - $bare,
           note => 'median of 200 runs in one sandboxd process (run --repeat): set-up, program, tear-down');
    if (grep { -x "$_/bwrap" } split /:/, $ENV{PATH}) {
        my $bwrap = hyperfine_median_ms('bwrap', '--unshare-all', '--ro-bind', '/', '/', $STATIC_BIN);
        figure('sandbox_overhead_bwrap_ms', $bwrap, $bare, 'ms', added => $bwrap - $bare,
               note => 'peer: bwrap --unshare-all on the same binary');
    } else {
        note('bwrap is not installed: no peer line');
    }
}

# ------------------------------------------------------------------- main

sub bring_up {
    Coderun::Stack->new(dir => "$DIR/stack")->down if -e "$DIR/stack/stack.json";
    remove_tree($DIR);
    make_path("$DIR/build/sandboxd");
    # A snapshot of what `make` built: others rebuild the tree while we run.
    for my $file ('sandboxd/sandboxd', 'sandboxd/sandboxd-db', 'mod_coderun.so') {
        system('cp', "$Coderun::Stack::BUILD/$file", "$DIR/build/$file") == 0 or die "copy $file failed\n";
    }
    $Coderun::Stack::BUILD = "$DIR/build";
    # Static reads of the result body through the same httpd: a bench-only
    # Alias next to the module's <Location />.
    my $sample = Coderun::Stack::slurp("$ROOT/httpd.conf.sample") . <<"CONF";

# bench only: a static copy of a result body (result_reads_per_s reference)
Alias "/bench-static/" "$DIR/stack/www/"
<Location "/bench-static/">
    SetHandler none
</Location>
CONF
    Coderun::Stack::write_file("$DIR/httpd.conf.sample", $sample, 0644);
    $stack = Coderun::Stack->new(dir => "$DIR/stack", port => Coderun::Stack::free_port(),
                                 pg_port => Coderun::Stack::free_port(), uid_base => 65500,
                                 slots => $SLOTS, httpd_sample => "$DIR/httpd.conf.sample",
                                 languages => static_language());
    $stack->up;
}

# local $?: the stack's shutdown runs commands, which must not turn a
# failed bench into exit status 0.
END { local $?; eval { $stack->down if $stack; 1 } or warn "stopping the bench stack: $@" }
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

bring_up();
note("coderun bench: $SLOTS cores, $SLOTS sandboxd slots, stack in $DIR/stack");
sleep 1;
# BENCH_PARTS=reports (a comma list of: box, api, claims, reports) runs those parts only.
my %part = map { $_ => 1 } split /,/, $ENV{BENCH_PARTS} // 'box,api,claims,reports';
my $rss_idle = rss_kb($stack->sandboxd_pid);
bench_sandbox_overhead() if $part{box};
if ($part{api}) {
    bench_e2e();
    my $last = run_job(['r']);
    bench_function_1000();
    bench_throughput($rss_idle);
    bench_pipeline_cpu();
    bench_burst();
    bench_result_reads($last->{exec_id});
}
bench_claims() if $part{claims};
bench_reports() if $part{reports};
my $elapsed = time - $started;
note(sprintf 'bench took %.0f s', $elapsed);
Coderun::Stack::write_file($OUT, $JSON->encode({ figures => \@figures, cores => $SLOTS, slots => $SLOTS,
                                                 seconds => $elapsed, at => scalar gmtime }), 0644);
