#!/usr/bin/perl
# GET /health (issue 7): 200 without a key, naming each live worker and its
# sandbox mode; 503 JSON with Retry-After while no worker has sent a
# heartbeat in the last 30 s (a worker that stops removes its row; one
# killed leaves a row whose heartbeat goes stale) and while PostgreSQL is
# stopped (200 again once it is back).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny;
use JSON::PP;
use Coderun::Stack;
use Coderun::Test qw(conforms);
use Coderun::Queue qw(start_worker signal_worker wait_exit stop_stack_worker stop_postgres
                      start_postgres wait_until);

my $stack = Coderun::Stack->for_tests;
my $JSON = JSON::PP->new->utf8->canonical;

sub health { $stack->get_json('/health', key => undef) }

# The live workers as coderun.workers has them, in /health's shape.
sub live_workers {
    my $rows = $stack->psql(<<'SQL');
SELECT coalesce(json_agg(json_build_object('worker', name, 'mode', sandbox_mode, 'slots', slots, 'busy', busy,
                                           'service_error', service_error)
                         ORDER BY name), '[]')
  FROM coderun.workers WHERE heartbeat_at > now() - interval '30 seconds'
SQL
    return $JSON->decode($rows);
}

sub is_unavailable {
    my ($res, $name, %want) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    subtest $name => sub {
        is($res->{status}, 503, 'status 503') or diag($res->{content});
        like($res->{headers}{'content-type'} // '', qr{^application/json\b}, 'JSON');
        like($res->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After in seconds');
        is($res->{json}{$_}, $want{$_}, "$_ is $want{$_}") for sort keys %want;
        conforms($res, 'the 503 answer');
    };
}

# The sandbox mode each worker logged at its start.
sub logged_modes {
    my %mode;
    for my $file (glob $stack->path('log', '????-??-??.log')) {
        for (split /\n/, Coderun::Stack::slurp($file)) {
            my $line = eval { $JSON->decode($_) } or next;
            $mode{$line->{worker}} = $line->{sandbox} if ($line->{event} // '') eq 'start';
        }
    }
    return \%mode;
}

subtest 'one worker: 200 without a key, with its sandbox mode' => sub {
    my $res = health();
    is($res->{status}, 200, 'status 200') or diag($res->{content});
    like($res->{headers}{'content-type'} // '', qr{^application/json\b}, 'JSON');
    is_deeply([@{ $res->{json} }{qw(status database workers)}], ['ok', 'ok', 1], 'ok, database ok, 1 worker');
    is_deeply($res->{json}{sandbox}, live_workers(), 'sandbox lists the worker as coderun.workers has it');
    my $worker = $res->{json}{sandbox}[0] // {};
    like($worker->{mode} // '', qr/^(?:cgroup2|cgroup1|degraded)$/, "a known sandbox mode ($worker->{mode})");
    is($worker->{mode}, logged_modes()->{ $worker->{worker} // '' }, 'the mode the worker logged at its start');
    conforms($res, 'the 200 answer');
};

my $second = start_worker($stack, slots => 1);
subtest 'two workers: both listed' => sub {
    my $res = health();
    is($res->{status}, 200, 'status 200');
    is($res->{json}{workers}, 2, '2 workers');
    is_deeply($res->{json}{sandbox}, live_workers(), 'both, with their modes, slots and busy slots');
    is_deeply([sort map { $_->{slots} } @{ $res->{json}{sandbox} }], [sort (1, Coderun::Stack::cpu_count())],
              'each with its own slots');
};

# Stopped workers say goodbye: their rows go, and with them the last live one.
stop_stack_worker($stack);
signal_worker($second, 'TERM');
is(wait_exit($second, 30), 0, 'the second worker stopped cleanly');
is($stack->psql('SELECT count(*) FROM coderun.workers'), 0, 'no row left in coderun.workers');
my $none = health();
is_unavailable($none, 'no worker: 503', status => 'no_workers', database => 'ok', workers => 0);
is_deeply($none->{json}{sandbox}, [], '  and an empty sandbox list');

# A killed worker leaves its row; it counts until its heartbeat is 30 s old.
my $killed = start_worker($stack, slots => 1);
signal_worker($killed, 'KILL');
ok(defined wait_exit($killed, 30), 'a worker killed with SIGKILL');
is($stack->psql("SELECT count(*) FROM coderun.workers WHERE pid = $killed"), 1, 'its row stays');
is(health()->{status}, 200, 'its last heartbeat is recent: 200');
$stack->psql("UPDATE coderun.workers SET heartbeat_at = now() - interval '25 seconds' WHERE pid = $killed");
is(health()->{status}, 200, 'heartbeat 25 s old: still 200');
$stack->psql("UPDATE coderun.workers SET heartbeat_at = now() - interval '31 seconds' WHERE pid = $killed");
is_unavailable(health(), 'heartbeat 31 s old: 503', status => 'no_workers', database => 'ok', workers => 0);

# Last: PostgreSQL stopped and started again; every pooled connection must
# come back with its prepared statements.
my $third = start_worker($stack, slots => 1);
is(health()->{status}, 200, 'a new worker: 200 again');
stop_postgres($stack);
is_unavailable(health(), 'PostgreSQL stopped: 503', status => 'unavailable', database => 'unavailable', workers => 0);
start_postgres($stack);
# Each request on a connection of its own, so that every pooled database
# connection of every httpd child gets its turn.
my @after;
my $recovered = eval {
    wait_until('/health to answer 200 after PostgreSQL is back', 30,
               sub { HTTP::Tiny->new(timeout => 10)->get($stack->url('/health'))->{status} == 200 });
    @after = map {
        my $res = HTTP::Tiny->new(timeout => 10)->get($stack->url('/health'));
        $res->{status} == 200 ? 200 : "$res->{status} $res->{content}";
    } 1 .. 20;
    1;
};
ok($recovered && !grep({ $_ != 200 } @after), 'PostgreSQL back: 200 within 30 s, then on 20 new connections')
    or diag($recovered ? "after the first 200: @after" : "no 200 within 30 s");
done_testing;
