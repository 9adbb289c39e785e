#!/usr/bin/perl
# Retention, rollups and purge (issue 23, sql/009): a database filled
# before 009 migrates and reports the same; `sandboxd purge --before`
# removes exactly the ended jobs created before the cut (never a queued or
# running one) and every report view answers the same after it (the
# percentile views within the histograms' stated 4.8 %); a purge runs
# beside a load of claims; a worker with retention_days purges by itself
# and a purged job's result is a JSON 404 that says how long results are kept.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Queue qw(stop_stack_worker start_worker wait_until);

my $stack = Coderun::Stack->for_tests;
# No worker runs the data set's queued job; workers of our own come later.
stop_stack_worker($stack);

my @DAYS = ('2024-03-01', '2024-03-02', '2024-03-03');
# Report views: (query, number of leading columns compared exactly; the
# rest are percentiles, compared within the histograms' error).
my %VIEWS = (
    report_daily => ['SELECT day, language, jobs, finished, failed, execution_seconds, avg_latency_seconds'
                     . ' FROM coderun.report_daily', 7],
    report_keys => ['SELECT key_name, day, jobs, failed, execution_seconds FROM coderun.report_keys', 5],
    report_verdicts => ['SELECT day, language, verdict, cases FROM coderun.report_verdicts', 4],
    report_case_percentiles => ['SELECT day, language, cases, cpu_ms_p50, cpu_ms_p95, wall_ms_p50, wall_ms_p95,'
                                . ' memory_kb_p50, memory_kb_p95 FROM coderun.report_case_percentiles', 3],
    report_latency => ['SELECT day, language, p50_seconds, p95_seconds, p99_seconds FROM coderun.report_latency', 2],
);

# 40 jobs a day of keys alice and bob (tokens report-alice, report-bob),
# python and c, every 20 minutes from midnight UTC; every fifth failed
# (no verdicts), the others three verdicted cases each.
sub data_set_sql {
    my (@days) = @_;
    my $days = join ',', map { "'$_ 00:00+00'" } @days;
    return <<"SQL";
INSERT INTO coderun.api_keys (name, digest)
SELECT n, sha256(convert_to('report-' || n, 'UTF8')) FROM unnest('{alice,bob}'::text[]) n
 WHERE NOT EXISTS (SELECT 1 FROM coderun.api_keys WHERE name = n);
WITH j AS (
    INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, attempts,
                              created_at, started_at, finished_at, execution_time, error)
    SELECT (SELECT id FROM coderun.api_keys WHERE name = CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END),
           CASE WHEN i % 3 = 0 THEN 'c' ELSE 'python' END, CASE WHEN i % 4 = 0 THEN 'program' ELSE 'function' END,
           'code ' || i, 2000, 256, 64, CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'finished' END, 1,
           d + i * interval '20 minutes', d + i * interval '20 minutes' + interval '0.5 s',
           d + i * interval '20 minutes' + (i % 7 + 1) * interval '1.25 s',
           CASE WHEN i % 5 = 0 THEN NULL ELSE i * 0.01 END,
           CASE WHEN i % 5 = 0 THEN 'internal error: box setup failed' ELSE '' END
      FROM unnest(ARRAY[$days]::timestamptz[]) d, generate_series(1, 40) i
    RETURNING id, state, execution_time)
INSERT INTO coderun.cases (job_id, idx, input, output, verdict, cpu_ms, wall_ms, memory_kb)
SELECT j.id, x, 'in', 'out',
       CASE WHEN j.state = 'finished' THEN (ARRAY['ok', 'runtime_error', 'time_limit', 'ok'])[(x + (j.execution_time * 100)::int) % 4 + 1] END,
       CASE WHEN j.state = 'finished' THEN ((j.execution_time * 700)::int + x * 13) % 97 + 0.5 END,
       CASE WHEN j.state = 'finished' THEN ((j.execution_time * 700)::int + x * 13) % 97 + 2.5 END,
       CASE WHEN j.state = 'finished' THEN 1000 + (j.execution_time * 3700)::int + x END
  FROM j, generate_series(0, 2) x;
SQL
}

# { view => [row, ...] } over DAYS (and D0 when given), rows as column lists.
sub reports {
    my ($psql, @days) = @_;
    my $in = join ',', map { "'$_'" } @days;
    my %out;
    for my $view (sort keys %VIEWS) {
        my $rows = $psql->("$VIEWS{$view}[0] WHERE day IN ($in) ORDER BY 1, 2, 3");
        $out{$view} = [map { [split /\|/, $_, -1] } split /\n/, $rows];
    }
    return \%out;
}

# Compares two reports: exact columns equal (numbers to 9 significant
# digits), percentiles within 4.8 % (or 0.001 near zero).
sub same_reports {
    my ($before, $after, $what) = @_;
    subtest $what => sub {
        for my $view (sort keys %VIEWS) {
            my ($b, $a) = ($before->{$view}, $after->{$view});
            ok(@$b > 0, "$view: the days have rows (" . scalar(@$b) . ')');
            is(scalar @$a, scalar @$b, "$view: as many rows") or next;
            my @bad;
            for my $r (0 .. $#$b) {
                for my $c (0 .. $#{ $b->[$r] }) {
                    my ($x, $y) = ($b->[$r][$c], $a->[$r][$c] // '');
                    my $num = $x =~ /^-?[\d.]+(?:e[-+]?\d+)?$/i && $y =~ /^-?[\d.]+(?:e[-+]?\d+)?$/i;
                    my $ok = $c < $VIEWS{$view}[1]
                        ? ($num ? sprintf('%.9g', $x) eq sprintf('%.9g', $y) : $x eq $y)
                        : ($num && abs($x - $y) <= 0.048 * abs($x) + 0.001);
                    push @bad, "row $r col $c: $x vs $y" unless $ok;
                }
            }
            is_deeply(\@bad, [], "$view: the same figures") or diag(explain($b, $a));
        }
    };
}

sub purge {
    my ($before, @global) = @_;
    return $stack->sandboxd_cmd([@global, 'purge', '--before', $before]);
}

sub count { $stack->psql($_[0]) + 0 }

# ------------------------------------------------------------ a filled database migrates

subtest 'a database filled before 009 migrates, and reports the same' => sub {
    my $sql_old = tempdir(CLEANUP => 1);
    system('cp', (grep { m{/00[0-8]_[^/]*$} } glob("$Coderun::Stack::ROOT/sql/0*.sql")), $sql_old) == 0 or die "cp failed\n";
    $stack->psql("CREATE DATABASE coderun_old OWNER coderun");
    (my $old = $stack->conninfo('owner')) =~ s/dbname=coderun\b/dbname=coderun_old/;
    $stack->sandboxd_cmd(['-d', $old, 'migrate', '-s', $sql_old]);
    my $psql_old = sub { $stack->_psql_in('coderun_old', $_[0]) };
    $psql_old->("BEGIN;\n" . data_set_sql(@DAYS) . "COMMIT;\n");
    is($psql_old->("SELECT count(*) FROM coderun.jobs"), 120, 'the old schema holds 120 jobs');
    my $before = reports($psql_old, @DAYS);
    $stack->sandboxd_cmd(['-d', $old, 'migrate']);
    is($psql_old->("SELECT count(*) FROM coderun.schema_migrations WHERE version LIKE '009_%'"), 1, '009 (and what follows) applied on top');
    same_reports($before, reports($psql_old, @DAYS), 'after the migration, on the raw rows');
    like(purge('2024-03-01 00:00+00', '-d', $old), qr/^purged 0 jobs and 0 cases created before 2024-03-01T00:00:00.000000Z \(3 days rolled up first\)$/m,
         'purge --before the first day: the days rolled up, nothing deleted');
    same_reports($before, reports($psql_old, @DAYS), 'from the rollups');
};

# ------------------------------------------------------------ purge --before

# And a big day before them, purged beside a load of claims below.
my $D0 = '2024-02-01';
$stack->psql("BEGIN;\n" . data_set_sql(@DAYS) . <<"SQL");
WITH j AS (
    INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, attempts,
                              created_at, started_at, finished_at, execution_time)
    SELECT (SELECT id FROM coderun.api_keys WHERE name = 'bob'), 'python', 'function', 'old', 2000, 256, 64,
           'finished', 1, '$D0 00:00+00'::timestamptz + i * interval '4 s', '$D0 00:00+00'::timestamptz + i * interval '4 s',
           '$D0 00:00+00'::timestamptz + i * interval '4 s' + (i % 50) * interval '0.1 s', (i % 90) * 0.001
      FROM generate_series(1, 20000) i RETURNING id, execution_time)
INSERT INTO coderun.cases (job_id, idx, input, output, verdict, cpu_ms, wall_ms, memory_kb)
SELECT id, 0, 'x', 'x', 'ok', execution_time * 1000, execution_time * 1100, 9000 FROM j;
-- Today's queue for the claims.
WITH j AS (
    INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb)
    SELECT (SELECT id FROM coderun.api_keys WHERE name = 'default' AND revoked_at IS NULL),
           'python', 'function', 'return input_str', 2000, 256, 64 FROM generate_series(1, 40000)
    RETURNING id)
INSERT INTO coderun.cases (job_id, idx, input) SELECT id, 0, 'x' FROM j;
-- 2024-03-02 waits: one job still queued, one running.
INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, worker, lease_until,
                          attempts, created_at)
SELECT (SELECT id FROM coderun.api_keys WHERE name = 'alice'), 'python', 'function', 'late', 2000, 256, 64, s,
       CASE WHEN s = 'running' THEN 'elsewhere:1' END, CASE WHEN s = 'running' THEN now() + interval '1 day' END,
       (s = 'running')::int, '2024-03-02 23:00+00'
  FROM unnest('{queued,running}'::text[]) s;
COMMIT;
SQL
my $alice = 'report-alice';
my ($early) = split /\n/, $stack->psql("SELECT j.id FROM coderun.jobs j JOIN coderun.api_keys k ON k.id = j.key_id"
                                      . " WHERE k.name = 'alice' AND j.created_at < '2024-03-01 06:00+00' LIMIT 1");
is($stack->get_json("/result/$early", key => $alice)->{status}, 200, 'a job of the data set answers before the purge');

my $psql = sub { $stack->psql($_[0]) };
my $before = reports($psql, @DAYS);

# ------------------------------------------------------------ beside a load of claims

subtest 'a purge beside a load of claims' => sub {
    my $day0 = reports($psql, $D0);
    # pgbench runs sandboxd's claim and write SQL (bench/claim.sql) as the worker role.
    my @cmd = ($stack->pg_tool('pgbench'), '-n', '-M', 'extended', '-f', "$Coderun::Stack::ROOT/bench/claim.sql",
               '-c', 2, '-j', 2, '-T', 10, '-h', $stack->path('run'), '-p', $stack->pg_port, '-U', 'coderun_sandboxd',
               '-D', 'worker=claims:1', '-D', 'lease=30', '-D', 'exec_time=0.001', '-D', 'batch=8',
               '-D', 'cases=[{"idx":0,"output":"x","verdict":"ok","error":"","exit_code":0,"signal":0,'
                   . '"cpu_ms":0.1,"wall_ms":0.1,"memory_kb":1,"output_truncated":false}]', 'coderun');
    my $log = $stack->path('log', 'pgbench.out');
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        $ENV{PGPASSWORD} = $stack->secret('pg_sandboxd');
        open STDOUT, '>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    my $claimed = sub { count("SELECT count(*) FROM coderun.jobs WHERE state = 'finished' AND worker LIKE 'claims:1%'") };
    wait_until('the claims to start', 30, sub { $claimed->() > 0 });
    my $claimed_at_start = $claimed->();
    my $out = purge('2024-03-01 00:00+00');
    my $claimed_during = $claimed->() - $claimed_at_start;
    waitpid $pid, 0;
    is($?, 0, 'the claims ran without an error') or diag(Coderun::Stack::slurp($log));
    ok($claimed_during > 0, "  $claimed_during jobs were claimed and written while the purge ran");
    like($out, qr/^purged 20000 jobs and 20000 cases .*\(3 days rolled up first\)$/m,
         "the purge removed $D0 (20000 jobs, 20000 cases), rolling up the days but the one with a queued job");
    is(count("SELECT count(*) FROM coderun.jobs WHERE worker LIKE 'claims:1%' AND state <> 'finished'"), 0,
       '  every claimed job written');
    same_reports($day0, reports($psql, $D0), "every report the same for $D0");
    # The rest of today's queue is not for the real worker below.
    $stack->psql("DELETE FROM coderun.jobs WHERE state = 'queued' AND code = 'return input_str'");
};

my $jobs_before = count('SELECT count(*) FROM coderun.jobs');
like(purge('2024-03-01 06:00+00'), qr/^purged 17 jobs and 51 cases created before 2024-03-01T06:00:00.000000Z \(0 days rolled up first\)$/m,
     'purge --before 06:00 of the first day: its 17 jobs before 06:00 (one every 20 min), 51 cases');
is(count("SELECT count(*) FROM coderun.jobs WHERE created_at < '2024-03-01 06:00+00'"), 0, '  none of them is left');
is(count('SELECT count(*) FROM coderun.jobs'), $jobs_before - 17, '  and no other job is gone');
is(count("SELECT count(*) FROM coderun.cases c LEFT JOIN coderun.jobs j ON j.id = c.job_id WHERE j.id IS NULL"), 0,
   '  no case without its job');
same_reports($before, reports($psql, @DAYS), 'every report the same after purging part of a day');

like(purge('2024-03-04'), qr/^purged 63 jobs and 189 cases /m,
     'purge --before 2024-03-04: the rest of the first and the third day (23 + 40 jobs)');
is($stack->psql("SELECT string_agg(state, ',' ORDER BY state) FROM coderun.jobs WHERE created_at::date = '2024-03-02'"
                . " AND state NOT IN ('finished', 'failed')"), 'queued,running', '  the queued and the running job are there');
is(count("SELECT count(*) FROM coderun.jobs WHERE (created_at AT TIME ZONE 'UTC')::date = '2024-03-02'"), 42,
   '  and their day waits for them: all its 42 jobs are kept');
same_reports($before, reports($psql, @DAYS), 'every report the same after purging two days');

# An httpd child answers a result it read in the last 5 s from its cache
# (mod_coderun/result_cache.h): the purge reaches the reader within that.
my $gone;
Coderun::Stack::poll_until('the purged job to be gone',
                           sub { ($gone = $stack->get_json("/result/$early", key => $alice))->{status} != 200 }, 10);
is($gone->{status}, 404, 'a purged job: 404');
is($gone->{json}{code}, 'not_found', '  JSON with code not_found');

# ------------------------------------------------------------ the worker's own purge

# The waiting day's last jobs end; a worker keeping results 30 days purges
# everything of March 2024 by itself.
$stack->psql("UPDATE coderun.jobs SET state = 'finished', finished_at = created_at + interval '3 s', lease_until = NULL"
             . " WHERE created_at = '2024-03-02 23:00+00'");
$before = reports($psql, @DAYS);
my ($late) = split /\n/, $stack->psql("SELECT id FROM coderun.jobs WHERE created_at = '2024-03-02 23:00+00' LIMIT 1");
start_worker($stack, retention_days => 30);
wait_until('the worker to purge 2024-03-02', 60,
           sub { count("SELECT count(*) FROM coderun.jobs WHERE created_at < '2024-03-04'") == 0 });
is($stack->psql("SELECT value FROM coderun.settings WHERE name = 'retention_days'"), '30',
   'the worker publishes retention_days');
same_reports($before, reports($psql, @DAYS), 'every report the same after the worker purged the last day');

for my $path ("/result/$late", "/result/$early", "/result-problem/$late") {
    my $res = $stack->get_json($path, key => $alice);
    is($res->{status}, 404, "GET $path of a purged job: 404");
    like($res->{json}{error} // '', qr/Results are kept 30 days/, '  its JSON message says results are kept 30 days');
}
done_testing;
