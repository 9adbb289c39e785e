#!/usr/bin/perl
# GET /metrics (issue 7): a known batch of jobs moves the JSON counters by
# exactly the batch; the Prometheus exposition (?format=prometheus and
# Accept: text/plain) is well formed and says what the JSON says; the
# gauges follow the queue while no worker runs and while one drains it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Test qw(conforms);
use Coderun::Queue qw(start_worker stop_stack_worker queue_jobs wait_until);

my $stack = Coderun::Stack->for_tests;

sub metrics {
    my $res = $stack->get_json('/metrics');
    $res->{status} == 200 && ref $res->{json} eq 'HASH' or die "GET /metrics: $res->{status} $res->{content}\n";
    return $res->{json};
}

# ------------------------------------------------------------ counters move by the batch

my $SPIN = "if input_str == 'boom':\n    raise ValueError('bad')\n"
         . "if input_str == 'spin':\n    while True:\n        pass\nreturn input_str";
my @batch = (
    { language => 'python', mode => 'function', code => $SPIN, inputs => ['a', 'boom', 'spin', 'b'],
      limits => { time_ms => 300 } },
    { language => 'python', mode => 'program', code => "import sys\nsys.stdout.write(sys.stdin.read()[::-1])",
      inputs => ['ab', 'cd'] },
    { language => 'python', mode => 'program', code => "import sys\nsys.exit(3)", inputs => ['x'] },
    { language => 'c', mode => 'program', code => 'int main(void) { return undeclared; }', inputs => ['x'] },
    { language => 'c', mode => 'program',
      code => "#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }",
      inputs => ['q'] },
);
my %want = (total_executions => 5, succeeded => 4, failed => 1,
            cases => { ok => 5, runtime_error => 2, time_limit => 1 },
            languages => { python => 3, c => 2 });

my $before = metrics();
conforms($stack->get_json('/metrics'), 'GET /metrics');
my @ids;
for my $job (@batch) {
    my $res = $stack->post_json('/run', $job);
    is($res->{status}, 202, "queued a $job->{language} $job->{mode} job") or diag($res->{content});
    push @ids, $res->{json}{exec_id};
}
my @states = map { $stack->wait_result($_)->{json}{status} } @ids;
is_deeply(\@states, [qw(finished finished finished failed finished)], 'the batch ended as planned');
my $after = metrics();

for my $name (qw(total_executions succeeded failed)) {
    is($after->{$name} - $before->{$name}, $want{$name}, "$name moved by $want{$name}");
}
for my $group (qw(cases languages)) {
    my %seen = map { $_ => 1 } keys %{ $before->{$group} }, keys %{ $after->{$group} }, keys %{ $want{$group} };
    my %delta = map { $_ => ($after->{$group}{$_} // 0) - ($before->{$group}{$_} // 0) } keys %seen;
    my %expected = map { $_ => $want{$group}{$_} // 0 } keys %seen;
    is_deeply(\%delta, \%expected, "$group moved by exactly the batch") or diag(explain(\%delta));
}

# The job-duration figures: what the batch's jobs recorded, job by job.
my $id_list = join ',', map { "'$_'" } @ids;
my @times = split /\n/, $stack->psql(
    "SELECT execution_time FROM coderun.jobs WHERE id IN ($id_list) AND execution_time IS NOT NULL");
is(scalar @times, 4, 'four jobs of the batch have an execution time (not the compile failure)');
my $sum = 0;
$sum += $_ for @times;
my ($hb, $ha) = map { $_->{duration_histogram} } $before, $after;
is($ha->{count} - $hb->{count}, 4, 'histogram count moved by 4');
ok(abs(($ha->{sum} - $hb->{sum}) - $sum) < 1e-6, 'histogram sum moved by the jobs\' execution times')
    or diag("moved by " . ($ha->{sum} - $hb->{sum}) . ", jobs add up to $sum");
my @bucket_delta = map { $ha->{buckets}[$_]{count} - $hb->{buckets}[$_]{count} } 0 .. $#{ $ha->{buckets} };
my @bucket_want = map { my $le = $_->{le}; scalar grep { $_ <= $le } @times } @{ $ha->{buckets} };
is_deeply(\@bucket_delta, \@bucket_want, 'each bucket moved by the batch jobs at or under its bound');
is($after->{duration_seconds}{count} - $before->{duration_seconds}{count}, 4,
   'the last hour\'s duration count moved by 4');

# Idle gauges, and a worker's slots as in coderun.workers; busy_slots is
# written by the heartbeat, so it reaches 0 a heartbeat after the batch.
my $slots = $stack->psql('SELECT sum(slots) FROM coderun.workers');
wait_until('busy_slots to return to 0 after the batch', 30, sub { metrics()->{workers}{busy_slots} == 0 });
my $idle = metrics();
is_deeply([@$idle{qw(queued running in_progress oldest_queued_age_seconds)}], [0, 0, 0, 0],
          'idle: nothing queued or running, no oldest age');
is_deeply($idle->{workers}, { alive => 1, slots => $slots, busy_slots => 0 }, 'idle: one live worker, its slots');

# ------------------------------------------------------------ Prometheus exposition

my $NAME = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $LABEL = qr/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"/;
my $VALUE = qr/[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]Inf|NaN/;

# Problems with a text exposition (version 0.0.4) and its samples as
# { 'name{label="v",...}' => value } (labels sorted).
sub parse_exposition {
    my ($text) = @_;
    my (%help, %type, %samples, @problems, %family_seen);
    push @problems, 'does not end in a newline' unless $text =~ /\n\z/;
    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ($NAME) \S/) {
            push @problems, "second HELP for $1" if $help{$1}++;
        } elsif ($line =~ /^# TYPE ($NAME) (counter|gauge|histogram|summary|untyped)$/) {
            push @problems, "second TYPE for $1" if $type{$1};
            push @problems, "TYPE for $1 after its samples" if $family_seen{$1};
            $type{$1} = $2;
        } elsif ($line =~ /^#/) {
            push @problems, "malformed comment: $line";
        } elsif ($line =~ /^($NAME)(?:\{(.*)\})? ($VALUE)$/) {
            my ($name, $labels, $value) = ($1, $2 // '', $3);
            push @problems, "malformed labels: $line" unless $labels =~ /^(?:$LABEL(?:,$LABEL)*,?)?$/;
            my %l = $labels =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g;
            my $key = $name . (%l ? '{' . join(',', map { "$_=\"$l{$_}\"" } sort keys %l) . '}' : '');
            push @problems, "duplicate sample $key" if exists $samples{$key};
            $samples{$key} = $value;
            my ($base) = $name =~ /^(.+)_(?:bucket|sum|count)$/;
            my $family = defined $base && ($type{$base} // '') eq 'histogram' ? $base : $name;
            $family_seen{$family} = 1;
            push @problems, "$name: no # HELP before it" unless $help{$family};
            push @problems, "$name: no # TYPE before it" unless $type{$family};
        } else {
            push @problems, "malformed line: $line";
        }
    }
    for my $family (sort keys %type) {
        push @problems, "counter $family does not end in _total"
            if $type{$family} eq 'counter' && $family !~ /_total$/;
        push @problems, "# TYPE $family without samples" unless $family_seen{$family};
        push @problems, histogram_problems($family, \%samples) if $type{$family} eq 'histogram';
    }
    return (\@problems, \%samples);
}

# Buckets in ascending order of le, cumulative, the last le="+Inf" equal
# to _count; _sum present.
sub histogram_problems {
    my ($family, $samples) = @_;
    my @problems;
    my @buckets = sort { $a->[0] <=> $b->[0] }
                  map { /^\Q$family\E_bucket\{le="([^"]+)"\}$/ ? [($1 eq '+Inf' ? 9**9**9 : $1), $samples->{$_}] : () }
                  keys %$samples;
    push @problems, "$family: no buckets" unless @buckets;
    for my $i (1 .. $#buckets) {
        push @problems, "$family: bucket le=$buckets[$i][0] ($buckets[$i][1]) below the one before ($buckets[$i-1][1])"
            if $buckets[$i][1] < $buckets[$i - 1][1];
    }
    my $inf = $samples->{"${family}_bucket{le=\"+Inf\"}"};
    push @problems, "$family: no le=\"+Inf\" bucket" unless defined $inf;
    push @problems, "$family: le=\"+Inf\" ($inf) is not _count (" . ($samples->{"${family}_count"} // 'none') . ')'
        unless defined $inf && defined $samples->{"${family}_count"} && $inf == $samples->{"${family}_count"};
    push @problems, "$family: no _sum" unless defined $samples->{"${family}_sum"};
    return @problems;
}

# The samples the JSON document implies, named as the exposition names them.
sub samples_from_json {
    my ($m) = @_;
    my %s = (coderun_jobs_queued => $m->{queued}, coderun_jobs_in_progress => $m->{in_progress},
             coderun_jobs_running => $m->{running}, coderun_jobs_submitted_total => $m->{total_executions},
             coderun_oldest_queued_age_seconds => $m->{oldest_queued_age_seconds},
             'coderun_jobs_total{outcome="finished"}' => $m->{succeeded},
             'coderun_jobs_total{outcome="failed"}' => $m->{failed},
             coderun_workers_alive => $m->{workers}{alive}, coderun_worker_slots => $m->{workers}{slots},
             coderun_worker_busy_slots => $m->{workers}{busy_slots},
             coderun_job_duration_seconds_sum => $m->{duration_histogram}{sum},
             coderun_job_duration_seconds_count => $m->{duration_histogram}{count},
             'coderun_job_duration_seconds_bucket{le="+Inf"}' => $m->{duration_histogram}{count});
    $s{"coderun_cases_total{verdict=\"$_\"}"} = $m->{cases}{$_} for keys %{ $m->{cases} };
    $s{"coderun_language_jobs_total{language=\"$_\"}"} = $m->{languages}{$_} for keys %{ $m->{languages} };
    $s{"coderun_job_duration_seconds_bucket{le=\"$_->{le}\"}"} = $_->{count} for @{ $m->{duration_histogram}{buckets} };
    return \%s;
}

sub rounded { my ($h) = @_; return { map { $_ => sprintf('%.12g', $h->{$_}) } keys %$h } }

for my $how (['?format=prometheus', {}], ['Accept: text/plain', { accept => 'text/plain' }],
             ["Prometheus' own Accept", { accept => 'application/openmetrics-text;version=1.0.0,'
                                          . 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1' }]) {
    my ($name, $headers) = @$how;
    subtest "GET /metrics with $name" => sub {
        my $json = metrics();
        my $res = $stack->get_json('/metrics' . ($name =~ /^\?/ ? $name : ''), headers => $headers);
        is($res->{status}, 200, 'status 200');
        like($res->{headers}{'content-type'} // '', qr{^text/plain;\s*version=0\.0\.4\b}, 'Content-Type text/plain; version=0.0.4');
        my ($problems, $samples) = parse_exposition($res->{content} // '');
        is_deeply($problems, [], 'a valid exposition') or diag($res->{content});
        is_deeply(rounded($samples), rounded(samples_from_json($json)), 'the same figures as the JSON');
    };
}
like($stack->get_json('/metrics', headers => { accept => 'application/json' })->{headers}{'content-type'} // '',
     qr{^application/json}, 'Accept: application/json gets the JSON');

# ------------------------------------------------------------ gauges follow the queue

stop_stack_worker($stack);
my $JOBS = 3;
my $asked = time;
my @queued = queue_jobs($stack, $JOBS, { code => "import time\ntime.sleep(1.5)\nreturn input_str", inputs => ['z'] });
my $waiting = metrics();
is($waiting->{queued}, $JOBS, "no worker: queued is the $JOBS jobs");
is($waiting->{running}, 0, 'no worker: nothing running');
is($waiting->{in_progress}, $JOBS, "no worker: in_progress counts the $JOBS submitted jobs (issue 24)");
is_deeply($waiting->{workers}, { alive => 0, slots => 0, busy_slots => 0 }, 'no worker: none alive, no slots');
cmp_ok($waiting->{oldest_queued_age_seconds}, '>', 0, 'oldest queued age is above 0');
cmp_ok($waiting->{oldest_queued_age_seconds}, '<=', time - $asked, '  and no older than the oldest job');
wait_until('the oldest queued age to grow', 10,
           sub { metrics()->{oldest_queued_age_seconds} > $waiting->{oldest_queued_age_seconds} });
pass('the oldest queued age grows while the job waits');
my (undef, $prom) = parse_exposition($stack->get_json('/metrics?format=prometheus')->{content});
is($prom->{coderun_jobs_queued}, $JOBS, "Prometheus coderun_jobs_queued is $JOBS");
is($prom->{coderun_workers_alive}, 0, 'Prometheus coderun_workers_alive is 0');

# A worker drains the queue; one metrics snapshot is one transaction, so the
# jobs are always queued, in progress or counted as ended.
my $worker = start_worker($stack, lease_s => 3, slots => 2);
my $ended_before = $waiting->{succeeded} + $waiting->{failed};
my (%max, @inconsistent);
wait_until('the worker to drain the queue', 60, sub {
    my $m = metrics();
    my $ended = $m->{succeeded} + $m->{failed} - $ended_before;
    push @inconsistent, "queued $m->{queued} + running $m->{running} + ended $ended"
        if $m->{queued} + $m->{running} + $ended != $JOBS;
    push @inconsistent, "in progress $m->{in_progress} is not queued + running"
        if $m->{in_progress} != $m->{queued} + $m->{running};
    push @inconsistent, "busy_slots $m->{workers}{busy_slots} of $m->{workers}{slots}"
        if $m->{workers}{busy_slots} > $m->{workers}{slots} || $m->{running} > $m->{workers}{slots};
    for (['running', $m->{running}], ['busy_slots', $m->{workers}{busy_slots}]) {
        $max{$_->[0]} = $_->[1] if $_->[1] > ($max{$_->[0]} // 0);
    }
    return $ended == $JOBS;
});
is_deeply(\@inconsistent, [], "every snapshot: queued + running + ended = $JOBS = in progress + ended, busy within the slots");
cmp_ok($max{running} // 0, '>=', 1, 'running was seen above 0');
cmp_ok($max{busy_slots} // 0, '>=', 1, 'busy_slots was seen above 0 (heartbeat while running)');
wait_until('busy_slots to return to 0', 30, sub { metrics()->{workers}{busy_slots} == 0 });
my $drained = metrics();
is_deeply([@$drained{qw(queued running in_progress oldest_queued_age_seconds)}], [0, 0, 0, 0], 'drained: gauges back to 0');
is_deeply($drained->{workers}, { alive => 1, slots => 2, busy_slots => 0 }, 'drained: the new worker, 2 slots');
done_testing;
