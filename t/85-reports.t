#!/usr/bin/perl
# GET /reports/* (issue 25): the dashboard's figures from the reporting views
# on a known data set (Coderun::Dashboard). A key with the reporting scope
# (`sandboxd key scope NAME all`) sees every key's figures, any other key
# its own jobs' only; bad names and days are clear JSON errors.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use List::Util qw(sum0);
use Coderun::Stack;
use Coderun::Test qw(is_error conforms);
use Coderun::Dashboard qw(run_known_jobs plant_live_queue %KNOWN);

my $stack = Coderun::Stack->for_tests;
my %token = (student => run_known_jobs($stack));
plant_live_queue($stack);
$token{default} = $stack->token;
$token{ops} = $stack->add_key('ops');
$stack->sandboxd_cmd(['key', 'scope', 'ops', 'all']);

sub report {
    my ($who, $path) = @_;
    my $res = $stack->get_json("/reports/$path", key => $token{$who});
    is($res->{status}, 200, "$who: GET /reports/$path") or diag($res->{content});
    conforms($res, "$who: /reports/$path");
    return $res->{json} // {};
}

my %sum_of = (all => [qw(default student)], default => ['default'], student => ['student'],
              ops => [qw(default student)]);
sub expected { my ($what, $who) = @_; sum0 map { $KNOWN{$what}{$_} } @{ $sum_of{$who} } }

for my $who (qw(ops default student)) {
    my $scope = $who eq 'ops' ? 'all' : 'own';
    subtest "$who sees scope $scope" => sub {
        my $live = report($who, 'live');
        is($live->{scope}, $scope, 'scope');
        is($live->{queued}, $who eq 'student' ? 0 : $KNOWN{queued}, 'queued');
        is($live->{running}, $who eq 'student' ? 0 : $KNOWN{running}, 'running');
        cmp_ok($live->{oldest_queued_seconds}, '>=', $KNOWN{oldest_min_seconds}, 'oldest queued age')
            unless $who eq 'student';
        is_deeply($live->{workers}, [$KNOWN{worker}], 'the live worker');
        is(scalar @{ $live->{per_minute} }, 15, 'fifteen minutes');
        is(sum0(map { $_->{jobs} } @{ $live->{per_minute} }), expected('finished', $who),
           'jobs ended in them');

        my $daily = report($who, 'daily?days=7');
        is($daily->{days}, 7, 'days');
        is(scalar @{ $daily->{rows} }, 1, 'one day, one language');
        my ($today) = @{ $daily->{rows} };
        is($today->{language}, 'python', 'python');
        is($today->{jobs}, expected('jobs', $who), 'jobs');
        is($today->{finished}, expected('finished', $who), 'finished');

        my %verdicts = map { ($_->{verdict} => $_->{cases}) } @{ report($who, 'verdicts')->{rows} };
        my %want;
        for my $k (@{ $sum_of{$who} }) { $want{$_} += $KNOWN{verdicts}{$k}{$_} for keys %{ $KNOWN{verdicts}{$k} } }
        is_deeply(\%verdicts, \%want, 'verdict mix');

        my %keys = map { ($_->{key_name} => $_->{jobs}) } @{ report($who, 'keys')->{rows} };
        is_deeply(\%keys, { map { ($_ => $KNOWN{jobs}{$_}) } @{ $sum_of{$who} } }, 'usage per key');

        my ($latency) = @{ report($who, 'latency')->{rows} };
        cmp_ok($latency->{p95_seconds}, '>=', $latency->{p50_seconds}, 'latency p95 >= p50');
        my ($cases) = @{ report($who, 'cases')->{rows} };
        is($cases->{cases}, sum0(values %want), 'cases with a verdict');
        cmp_ok($cases->{cpu_ms_p95}, '>=', $cases->{cpu_ms_p50}, 'CPU p95 >= p50');
    };
}

subtest 'bad requests' => sub {
    is_error($stack->get_json('/reports/nope'), 404, 'an unknown report', code => 'not_found');
    is_error($stack->get_json('/reports/'), 404, 'no report name', code => 'not_found');
    for my $days ('0', '367', 'x', '', '1.5') {
        is_error($stack->get_json("/reports/daily?days=$days"), 400, "days=$days",
                 code => 'invalid_field', field => 'days');
    }
    is_error($stack->get_json('/reports/live', key => undef), 401, 'no key');
    is_error($stack->post_json('/reports/live', {}), 405, 'POST', code => 'method_not_allowed');
};

subtest 'key scope' => sub {
    my ($status, undef, $err) = $stack->sandboxd_cmd(['key', 'scope', 'ops', 'everything'], may_fail => 1);
    isnt($status, 0, 'an unknown scope fails');
    like($err, qr/neither all nor own/, 'and says why');
    ($status, undef, $err) = $stack->sandboxd_cmd(['key', 'scope', 'nobody', 'all'], may_fail => 1);
    isnt($status, 0, 'an unknown key fails');
    $stack->sandboxd_cmd(['key', 'scope', 'ops', 'own']);
    is(report('ops', 'live')->{scope}, 'own', 'back to its own figures');
};

done_testing;
