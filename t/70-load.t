#!/usr/bin/perl
# Load on loopback (issue 9): LOAD_CLIENTS clients (default 50) post jobs and
# poll their results for LOAD_SECONDS (default 30). Every answer is 2xx, or a
# documented 429 with Retry-After; an `apache2 -k graceful` during the load
# loses no request, and a sandboxd restart during the load loses no job:
# every accepted job ends `finished` with the right output.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(_exit);
use Time::HiRes qw(time sleep);
use Coderun::Stack;

my $CLIENTS = $ENV{LOAD_CLIENTS} // 50;
my $SECONDS = $ENV{LOAD_SECONDS} // 30;
my $DRAIN_S = 120;    # for the last jobs to end once the load stops

my $stack = Coderun::Stack->for_tests;
my $JSON  = JSON::PP->new->utf8->canonical;
my $out   = tempdir(CLEANUP => 1);
my $token = $stack->token;

# One client: post, then long-poll the result, until the deadline. Writes
# one JSON line per answer to its file: {m, path, status, retry_after?,
# id?, ok?, ms, body?}.
sub client {
    my ($n, $deadline) = @_;
    # A new connection per request: a keep-alive connection that httpd
    # closes between two requests (graceful restart) is the client's race,
    # not a lost request.
    my $http = HTTP::Tiny->new(timeout => 60, keep_alive => 0);
    open my $log, '>', "$out/client-$n" or die "$out/client-$n: $!";
    $log->autoflush(1);
    my $note = sub {
        my ($method, $path, $res, %extra) = @_;
        my %rec = (m => $method, path => $path, status => $res->{status}, %extra);
        $rec{retry_after} = $res->{headers}{'retry-after'} if $res->{status} == 429;
        $rec{body} = substr($res->{content} // '', 0, 300) if $res->{status} !~ /^2/;
        print {$log} $JSON->encode(\%rec), "\n";
    };
    my %headers = ('x-api-key' => $token, 'content-type' => 'application/json');
    for (my $i = 0; time < $deadline; $i++) {
        my $input = "c$n-$i";
        my $res = $http->request('POST', $stack->url('/run'),
                                 { headers => \%headers,
                                   content => $JSON->encode({ code => 'return input_str[::-1]', inputs => [$input] }) });
        my $id = eval { $JSON->decode($res->{content})->{exec_id} };
        $note->('POST', '/run', $res, $res->{status} == 202 ? (id => $id, input => $input) : ());
        if ($res->{status} == 429) { sleep 0.2; next }
        next unless $res->{status} == 202 && $id;
        while (1) {
            my $r = $http->request('GET', $stack->url("/result/$id?wait=10"), { headers => \%headers });
            my $job = eval { $JSON->decode($r->{content}) } // {};
            my $done = ($job->{status} // '') =~ /^(finished|failed)$/;
            $note->('GET', '/result', $r, $done ? (id => $id, done => $job->{status},
                    ok => (($job->{results} // [])->[0]{output} // '') eq reverse($input) ? 1 : 0) : ());
            last if $done || $r->{status} !~ /^2/ || time > $deadline + $DRAIN_S;
        }
    }
    close $log;
}

my $start = time;
my $deadline = $start + $SECONDS;
my @pids;
for my $n (1 .. $CLIENTS) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $ok = eval { client($n, $deadline); 1 };
        print STDERR "client $n: $@" unless $ok;
        _exit($ok ? 0 : 1);
    }
    push @pids, $pid;
}

# Restarts while the load runs: httpd gracefully at a third, sandboxd at two thirds.
sleep $SECONDS / 3;
my $httpd_before = $stack->httpd_pid;
my $graceful = system('/usr/sbin/apache2', '-f', $stack->path('httpd.conf'), '-k', 'graceful');
is($graceful, 0, sprintf('apache2 -k graceful at %.1fs', time - $start));
sleep $SECONDS / 3;
my $old = $stack->sandboxd_pid;
kill 'TERM', $old;
Coderun::Stack::poll_until('sandboxd to stop', sub { !Coderun::Stack::alive($old) }, 60);
$stack->up;    # starts what is not running: sandboxd
ok($stack->sandboxd_pid && $stack->sandboxd_pid != $old, sprintf('sandboxd restarted at %.1fs', time - $start));

my $failed_clients = 0;
for my $pid (@pids) { waitpid($pid, 0); $failed_clients++ if $? }
is($failed_clients, 0, "all $CLIENTS clients ran to the end");
is($stack->httpd_pid, $httpd_before, 'httpd kept its parent process across graceful');

my (@records, %status);
for my $n (1 .. $CLIENTS) {
    open my $fh, '<', "$out/client-$n" or next;
    push @records, map { $JSON->decode($_) } <$fh>;
}
$status{"$_->{m} $_->{status}"}++ for @records;
note("answers: " . join(', ', map { "$_ x$status{$_}" } sort keys %status));

my @bad = grep { $_->{status} !~ /^2/ && $_->{status} != 429 } @records;
is(scalar @bad, 0, 'no answer other than 2xx or 429') or diag(explain([@bad[0 .. ($#bad < 9 ? $#bad : 9)]]));
my @no_retry = grep { $_->{status} == 429 && !$_->{retry_after} } @records;
is(scalar @no_retry, 0, 'every 429 has Retry-After');

my %accepted = map { ($_->{id} => $_) } grep { $_->{m} eq 'POST' && $_->{status} == 202 } @records;
my $n_accepted = keys %accepted;
cmp_ok($n_accepted, '>=', $CLIENTS, "jobs accepted: $n_accepted in ${SECONDS}s");

# Every accepted job is in the table and ends finished with its own output:
# what a client stopped waiting for is waited for here.
my %ended = map { ($_->{id} => $_) } grep { $_->{m} eq 'GET' && $_->{done} } @records;
for my $id (grep { !$ended{$_} } sort keys %accepted) {
    my $res = $stack->wait_result($id, timeout => $DRAIN_S);
    my $job = $res->{json} // {};
    $ended{$id} = { done => $job->{status} // "HTTP $res->{status}",
                    ok => (($job->{results} // [])->[0]{output} // '') eq reverse($accepted{$id}{input}) ? 1 : 0 };
}
my @lost = grep { ($ended{$_}{done} // '') ne 'finished' } sort keys %accepted;
is(scalar @lost, 0, 'every accepted job finished (none lost across the restarts)')
    or diag(explain([map { "$_: " . ($ended{$_}{done} // 'never') } @lost[0 .. ($#lost < 9 ? $#lost : 9)]]));
my @wrong = grep { !$ended{$_}{ok} } sort keys %accepted;
is(scalar @wrong, 0, 'every job has its own input\'s output');
is($stack->psql('SELECT count(*) FROM coderun.jobs'), $n_accepted, 'coderun.jobs holds exactly the accepted jobs');
is($stack->psql("SELECT count(*) FROM coderun.jobs WHERE state <> 'finished'"), 0, 'and all of them are finished');
note(sprintf('%d jobs in %.1fs (%.1f jobs/s with %d clients)', $n_accepted, time - $start,
             $n_accepted / (time - $start), $CLIENTS));
done_testing;
