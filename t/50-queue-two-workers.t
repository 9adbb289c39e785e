#!/usr/bin/perl
# Two sandboxd processes on one database never run the same job (issue 5).
# A trigger made by this test in its own database records every claim
# (state -> running) and its end (running -> anything else) with the worker
# and attempt; no job may have two claims, nor overlapping ones.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Coderun::Stack;
use Coderun::Queue qw(start_worker stop_stack_worker queue_jobs wait_until job_states case_problems);

my $JOBS = $ENV{QUEUE_JOBS_TWO} // 200;
my $stack = Coderun::Stack->for_tests;
stop_stack_worker($stack);

# SECURITY DEFINER: the worker's role needs no rights on the history table.
$stack->psql(<<'SQL');
CREATE TABLE public.claims (
    job_id     uuid        NOT NULL,
    worker     text        NOT NULL,
    attempt    integer     NOT NULL,
    claimed_at timestamptz NOT NULL,
    ended_at   timestamptz,
    ended_as   text
);
CREATE FUNCTION public.record_claim() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF NEW.state = 'running' AND OLD.state <> 'running' THEN
        INSERT INTO public.claims VALUES (NEW.id, NEW.worker, NEW.attempts, clock_timestamp());
    ELSIF OLD.state = 'running' AND NEW.state <> 'running' THEN
        UPDATE public.claims SET ended_at = clock_timestamp(), ended_as = NEW.state
         WHERE job_id = OLD.id AND worker = OLD.worker AND attempt = OLD.attempts AND ended_at IS NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER record_claim AFTER UPDATE OF state ON coderun.jobs
    FOR EACH ROW EXECUTE FUNCTION public.record_claim();
SQL

my @ids = queue_jobs($stack, $JOBS, { code => 'return input_str[::-1]', inputs => ['abc'] });
# Both start before work is there to take, then race for every job.
my @workers = map { start_worker($stack, slots => 2, poll_ms => 100) } 1 .. 2;
wait_until('every job to end', 180, sub {
    $stack->psql("SELECT count(*) FROM coderun.jobs WHERE state IN ('queued', 'running')") == 0 });

is_deeply(job_states($stack), { finished => $JOBS }, "all $JOBS jobs finished");
is_deeply([case_problems($stack)], [], 'exactly one verdict per case');
is($stack->psql("SELECT count(*) FROM coderun.cases WHERE output <> 'cba'"), 0, 'every output right');
is($stack->psql('SELECT count(*) FROM coderun.jobs WHERE attempts <> 1'), 0, 'attempts = 1 for every job');
is($stack->psql('SELECT count(*) FROM public.claims'), $JOBS, 'one claim per job in the history');
is($stack->psql('SELECT count(DISTINCT job_id) FROM public.claims'), $JOBS, 'of every job');
is($stack->psql(<<'SQL'), 0, 'no two claims of one job overlap');
SELECT count(*) FROM public.claims a JOIN public.claims b
    ON a.job_id = b.job_id AND a.ctid <> b.ctid
   AND a.claimed_at < coalesce(b.ended_at, 'infinity') AND b.claimed_at < coalesce(a.ended_at, 'infinity')
SQL
is($stack->psql("SELECT count(*) FROM public.claims WHERE ended_as IS DISTINCT FROM 'finished'"), 0,
   'every claim ended in finished');
is($stack->psql('SELECT count(*) FROM public.claims c JOIN coderun.jobs j ON j.id = c.job_id'
                . ' WHERE j.worker <> c.worker'), 0, 'each job finished by the worker that claimed it');

my %by_worker = map { split /\|/ } split /\n/,
    $stack->psql('SELECT worker, count(*) FROM public.claims GROUP BY worker');
note('claims per worker: ' . join ', ', map { "$_=$by_worker{$_}" } sort keys %by_worker);
is(scalar keys %by_worker, 2, 'both workers claimed jobs');
cmp_ok($_, '>=', $JOBS / 10, "a worker claimed $_ jobs") for values %by_worker;

# The workers' own logs: each job run and written once, by one of them.
my %runs;
for my $n (0, 1) {
    for my $line (split /\n/, Coderun::Stack::slurp($stack->path('log', "worker-$n.out"))) {
        my $e = eval { decode_json($line) } or next;
        $runs{ $e->{job} }++ if ($e->{event} // '') eq 'job';
    }
}
is(scalar keys %runs, $JOBS, 'the logs show every job run');
is(scalar(grep { $_ != 1 } values %runs), 0, 'and each exactly once');
done_testing;
