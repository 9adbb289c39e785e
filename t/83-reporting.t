#!/usr/bin/perl
# The reporting views of sql/004_reporting.sql (issue 7) on a known data set:
# jobs and cases written by the owner on two past days, two keys, two
# languages, every job state but running and every verdict. Each view's figures are checked
# against the data set; one real job shows up in them as the API ran it. A
# login role in coderun_report reads the views and nothing else.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Open3 qw(open3);
use List::Util qw(sum);
use Coderun::Stack;
use Coderun::Queue qw(stop_stack_worker);

my $stack = Coderun::Stack->for_tests;

# One real job through the API, before the data set (the only job of today).
my $real = $stack->post_json('/run', { code => 'return input_str', inputs => ['a', 'b', 'c'] });
my $real_id = $real->{json}{exec_id};
is($stack->wait_result($real_id)->{json}{status}, 'finished', 'a real job ran through the API');
# No worker from here on: the data set's queued job stays queued.
stop_stack_worker($stack);

# The data set. created: UTC unless an offset is given; day: its UTC day;
# latency: finished_at - created_at (s); cases: [verdict, cpu_ms, wall_ms, memory_kb].
my @JOBS = (
    { key => 'alice', lang => 'python', mode => 'function', state => 'finished', created => '2024-01-01 10:00:00+00',
      day => '2024-01-01', latency => 2, exec => 0.5,
      cases => [['ok', 10, 12, 9000], ['ok', 20, 25, 9100], ['runtime_error', 30, 33, 9200]] },
    { key => 'alice', lang => 'python', mode => 'program', state => 'finished', created => '2024-01-01 11:00:00+00',
      day => '2024-01-01', latency => 4, exec => 1.5, cases => [['time_limit', 1000, 1010, 9300], ['ok', 5, 6, 8000]] },
    { key => 'bob', lang => 'python', mode => 'function', state => 'failed', created => '2024-01-01 12:00:00+00',
      day => '2024-01-01', latency => 1, error => 'internal error: box setup failed', cases => [[undef], [undef]] },
    { key => 'bob', lang => 'c', mode => 'program', state => 'failed', created => '2024-01-01 13:00:00+00',
      day => '2024-01-01', latency => 3, error => 'compilation failed: main.c:1: error', cases => [[undef]] },
    # 2024-01-01 in New York, 2024-01-02 in UTC.
    { key => 'alice', lang => 'c', mode => 'program', state => 'finished', created => '2024-01-01 23:30:00-05',
      day => '2024-01-02', latency => 6, exec => 3, cases => [['ok', 1, 2, 1000], ['memory_limit', 50, 60, 256000]] },
    { key => 'bob', lang => 'python', mode => 'function', state => 'finished', created => '2024-01-02 09:00:00+00',
      day => '2024-01-02', latency => 10, exec => 0.25,
      cases => [['ok', 7, 8, 9000], ['output_limit', 9, 10, 9100], ['security_violation', 2, 3, 7000]] },
    { key => 'bob', lang => 'c', mode => 'program', state => 'failed', created => '2024-01-02 10:00:00+00',
      day => '2024-01-02', latency => 2, error => 'compilation failed: main.c:1: error', cases => [[undef]] },
    { key => 'alice', lang => 'python', mode => 'function', state => 'queued', created => '2024-01-02 11:00:00+00',
      day => '2024-01-02', cases => [[undef]] },
);

# ------------------------------------------------------------ the data set, as the owner writes it

my $sql = "INSERT INTO coderun.api_keys (name, digest) VALUES"
        . " ('alice', sha256('report-alice')), ('bob', sha256('report-bob'));\n";
for my $n (0 .. $#JOBS) {
    my $j = $JOBS[$n];
    my $ended = defined $j->{latency};
    my $finished = $ended ? "'$j->{created}'::timestamptz + interval '$j->{latency} seconds'" : 'NULL';
    my $started = $ended ? "'$j->{created}'::timestamptz + interval '0.5 seconds'" : 'NULL';
    $sql .= sprintf(<<'SQL', $j->{lang}, $j->{mode}, $j->{state}, $j->{created}, $started, $finished,
INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, created_at, started_at,
                          finished_at, execution_time, error, attempts)
SELECT id, '%s', '%s', 'code', 2000, 256, 64, '%s', '%s', %s, %s, %s, '%s', %d
  FROM coderun.api_keys WHERE name = '%s' AND revoked_at IS NULL RETURNING id \gset job%d_
SQL
        $j->{exec} // 'NULL', $j->{error} // '', $ended ? 1 : 0, $j->{key}, $n);
    for my $i (0 .. $#{ $j->{cases} }) {
        my ($verdict, $cpu, $wall, $mem) = map { $_ // 'NULL' } @{ $j->{cases}[$i] }[0 .. 3];
        $verdict = "'$verdict'" if $verdict ne 'NULL';
        $sql .= "INSERT INTO coderun.cases (job_id, idx, input, output, verdict, cpu_ms, wall_ms, memory_kb)"
              . " VALUES (:'job${n}_id', $i, 'in', 'out', $verdict, $cpu, $wall, $mem);\n";
    }
    $sql .= "SELECT :'job${n}_id';\n";
}
my @ids = split /\n/, $stack->psql($sql);
is(scalar @ids, scalar @JOBS, 'the data set is in: ' . scalar(@JOBS) . ' jobs');
$JOBS[$_]{id} = $ids[$_] for 0 .. $#JOBS;

# ------------------------------------------------------------ what each view should say

# percentile_cont: linear interpolation between the closest ranks.
sub percentile {
    my ($p, @v) = @_;
    @v = sort { $a <=> $b } @v;
    my $pos = $p * $#v;
    my $lo = int $pos;
    return $lo == $#v ? $v[$lo] : $v[$lo] + ($pos - $lo) * ($v[$lo + 1] - $v[$lo]);
}

sub avg { @_ ? sum(@_) / @_ : undef }

# Rows of a view as "col|col|..." strings in psql's unaligned format, numbers
# rounded to 6 decimals so both sides print alike.
sub fmt { join '|', map { !defined $_ ? '' : /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/i ? sprintf('%.6f', $_) =~ s/\.?0+$//r : $_ } @_ }

sub view_rows {
    my ($query) = @_;
    return [map { fmt(split /\|/, $_, -1) } split /\n/, $stack->psql($query)];
}

sub group_by {
    my ($key, @items) = @_;
    my %g;
    push @{ $g{ $key->($_) } }, $_ for @items;
    return map { [$_, $g{$_}] } sort keys %g;
}

my @DAYS = ('2024-01-01', '2024-01-02');
my $IN_DAYS = "day IN ('2024-01-01', '2024-01-02')";
my @cases = map { my $j = $_; map { { job => $j, verdict => $_->[0], cpu => $_->[1], wall => $_->[2], mem => $_->[3] } }
                                   @{ $j->{cases} } } @JOBS;
my @verdicted = grep { defined $_->{verdict} } @cases;
my @ended = grep { defined $_->{latency} } @JOBS;

my @daily = map {
    my ($group, $jobs) = @$_;
    my @exec = grep { defined } map { $_->{exec} } @$jobs;
    fmt(split(/\t/, $group), scalar @$jobs, scalar(grep { $_->{state} eq 'finished' } @$jobs),
        scalar(grep { $_->{state} eq 'failed' } @$jobs), @exec ? sum(@exec) : undef,
        avg(map { $_->{latency} // () } @$jobs));
} group_by(sub { "$_[0]{day}\t$_[0]{lang}" }, @JOBS);
is_deeply(view_rows("SELECT day, language, jobs, finished, failed, execution_seconds, avg_latency_seconds"
                    . " FROM coderun.report_daily WHERE $IN_DAYS ORDER BY 1, 2"), \@daily,
          'report_daily: jobs, finished, failed, execution seconds and average latency per day and language')
    or diag(explain(\@daily));
is_deeply(\@daily, ['2024-01-01|c|1|0|1||3', '2024-01-01|python|3|2|1|2|2.333333',
                    '2024-01-02|c|2|1|1|3|4', '2024-01-02|python|2|1|0|0.25|10'],
          '  (the figures by hand: the New York evening job counts on its UTC day)');

my @keys = map {
    my ($group, $jobs) = @$_;
    my @exec = grep { defined } map { $_->{exec} } @$jobs;
    fmt(split(/\t/, $group), scalar @$jobs, scalar(grep { $_->{state} eq 'failed' } @$jobs),
        @exec ? sum(@exec) : undef);
} group_by(sub { "$_[0]{key}\t$_[0]{day}" }, @JOBS);
is_deeply(view_rows("SELECT key_name, day, jobs, failed, execution_seconds FROM coderun.report_keys"
                    . " WHERE $IN_DAYS ORDER BY 1, 2"), \@keys,
          'report_keys: jobs, failed and execution seconds per key name and day');

my @verdicts = map { fmt(split(/\t/, $_->[0]), scalar @{ $_->[1] }) }
               group_by(sub { "$_[0]{job}{day}\t$_[0]{job}{lang}\t$_[0]{verdict}" }, @verdicted);
is_deeply(view_rows("SELECT day, language, verdict, cases FROM coderun.report_verdicts WHERE $IN_DAYS ORDER BY 1, 2, 3"),
          \@verdicts, 'report_verdicts: inputs per day, language and verdict (none without a verdict)');

my @percentiles = map {
    my ($group, $c) = @$_;
    fmt(split(/\t/, $group), scalar @$c,
        map { my $f = $_; map { percentile($_, map { $_->{$f} } @$c) } 0.5, 0.95 } qw(cpu wall mem));
} group_by(sub { "$_[0]{job}{day}\t$_[0]{job}{lang}" }, @verdicted);
is_deeply(view_rows("SELECT day, language, cases, cpu_ms_p50, cpu_ms_p95, wall_ms_p50, wall_ms_p95,"
                    . " memory_kb_p50, memory_kb_p95 FROM coderun.report_case_percentiles WHERE $IN_DAYS ORDER BY 1, 2"),
          \@percentiles, 'report_case_percentiles: CPU, wall and memory p50/p95 per day and language');
is($percentiles[0], '2024-01-01|python|5|20|806|25|814.6|9100|9280',
   '  (by hand: 2024-01-01 python, CPU 5, 10, 20, 30, 1000 ms: p50 20, p95 806)');

my @latency = map {
    my ($group, $jobs) = @$_;
    my @l = map { $_->{latency} } @$jobs;
    fmt(split(/\t/, $group), map { percentile($_, @l) } 0.5, 0.95, 0.99);
} group_by(sub { "$_[0]{day}\t$_[0]{lang}" }, @ended);
is_deeply(view_rows("SELECT day, language, p50_seconds, p95_seconds, p99_seconds FROM coderun.report_latency"
                    . " WHERE $IN_DAYS ORDER BY 1, 2"), \@latency,
          'report_latency: p50/p95/p99 of finished_at - created_at per day and language (ended jobs only)');

my $id_list = join ',', map { "'$_->{id}'" } @JOBS;
my @report_jobs = map { fmt($_->{id}, $_->{key}, $_->{lang}, $_->{mode}, $_->{state}, defined $_->{latency} ? 1 : 0,
                            $_->{exec}, scalar @{ $_->{cases} }, $_->{error} // '') }
                  sort { $a->{id} cmp $b->{id} } @JOBS;
is_deeply(view_rows("SELECT id, key_name, language, mode, state, attempts, execution_time, cases, error"
                    . " FROM coderun.report_jobs WHERE id IN ($id_list) ORDER BY id"), \@report_jobs,
          'report_jobs: key name, language, mode, state, attempts, execution time, cases and error per job');
is_deeply(view_rows("SELECT id FROM coderun.report_jobs WHERE id IN ($id_list)"
                    . " ORDER BY execution_time DESC NULLS LAST LIMIT 3"), [map { $JOBS[$_]{id} } 4, 1, 0],
          '  the three slowest jobs, slowest first (README\'s query)');

# report_failures has no day: the real job (all ok) adds nothing to it.
my @failures = sort(
    (map { fmt('job', split(/\t/, $_->[0]), scalar @{ $_->[1] }) }
     group_by(sub { "$_[0]{lang}\t$_[0]{error}" }, grep { $_->{state} eq 'failed' } @JOBS)),
    (map { fmt('case', split(/\t/, $_->[0]), scalar @{ $_->[1] }) }
     group_by(sub { "$_[0]{job}{lang}\t$_[0]{verdict}" }, grep { $_->{verdict} ne 'ok' } @verdicted)));
is_deeply([sort @{ view_rows('SELECT level, language, reason, n FROM coderun.report_failures') }], \@failures,
          'report_failures: job errors and non-ok verdicts per language, with counts');

is_deeply([map { scalar @$_ } \@daily, \@keys, \@verdicts, \@percentiles, \@latency, \@report_jobs, \@failures],
          [4, 4, 8, 3, 4, 8, 7], '  (rows per view in the data set: none of the comparisons is of empty lists)');

subtest 'the real job, as the views report it' => sub {
    my ($day, $lang, $exec) = split /\|/, $stack->psql(
        "SELECT (created_at AT TIME ZONE 'UTC')::date, language, execution_time FROM coderun.jobs WHERE id = '$real_id'");
    is_deeply(view_rows("SELECT jobs, finished, failed FROM coderun.report_daily WHERE day = '$day'"), ['1|1|0'],
              "report_daily: one finished job on its day ($day)");
    is_deeply(view_rows("SELECT key_name, jobs FROM coderun.report_keys WHERE day = '$day'"), ['default|1'],
              'report_keys: under the stack\'s key');
    is_deeply(view_rows("SELECT language, verdict, cases FROM coderun.report_verdicts WHERE day = '$day'"),
              ['python|ok|3'], 'report_verdicts: its three ok inputs');
    is_deeply(view_rows("SELECT key_name, state, cases, execution_time FROM coderun.report_jobs WHERE id = '$real_id'"),
              [fmt('default', 'finished', 3, $exec)], 'report_jobs: its row');
};

# ------------------------------------------------------------ the reporting role

my $password = $stack->secret('pg_reports');
$stack->psql("CREATE ROLE reports LOGIN PASSWORD :'pw' IN ROLE coderun_report", pw => $password);

# psql as the login role "reports": (exit status, output with errors).
sub as_reports {
    my ($query) = @_;
    local $ENV{PGPASSWORD} = $password;
    my $pid = open3(my $in, my $out, undef, $stack->pg_tool('psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
                    '-h', $stack->path('run'), '-p', $stack->pg_port, '-U', 'reports', '-d', 'coderun', '-c', $query);
    close $in;
    my $output = do { local $/; <$out> } // '';
    waitpid $pid, 0;
    return ($? >> 8, $output);
}

for my $view (qw(report_daily report_keys report_verdicts report_case_percentiles report_latency report_jobs
                 report_failures)) {
    my ($status, $out) = as_reports("SELECT count(*) FROM coderun.$view");
    ok($status == 0 && $out =~ /^[1-9]\d*$/, "reports reads coderun.$view") or diag($out);
}
my ($status, $out) = as_reports("SELECT day, jobs FROM coderun.report_daily WHERE day = '2024-01-02' AND language = 'c'");
is($out, "2024-01-02|2\n", '  with the same figures');
for (['SELECT name FROM coderun.api_keys', 'api_keys'], ['SELECT digest FROM coderun.api_keys', 'api_keys'],
     ['SELECT code FROM coderun.jobs', 'jobs'], ['SELECT input, output FROM coderun.cases', 'cases']) {
    my ($query, $table) = @$_;
    my ($status, $out) = as_reports($query);
    ok($status != 0 && $out =~ /permission denied for table \Q$table\E/, "reports: $query is denied") or diag($out);
}
done_testing;
