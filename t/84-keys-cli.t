#!/usr/bin/perl
# `sandboxd key add|list|revoke` over HTTP (issue 7). t/20-auth.t already
# shows that an added key runs jobs and a revoked one is 401; this adds
# what key list shows: each key's name, creation time and last use (none
# until the key is used, then the time of the request), and its revocation.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;
use Coderun::Test qw(is_error);

my $stack = Coderun::Stack->for_tests;
my $TIME = qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[-+]\d\d(?::\d\d)?$/;

# `key list` as { name => [created, last use, state] } (the last key of a name).
sub key_list {
    my %keys;
    for (split /\n/, $stack->sandboxd_cmd(['key', 'list'])) {
        my ($name, @rest) = split /\t/;
        $keys{$name} = \@rest;
    }
    return \%keys;
}

my $token = $stack->add_key('carol');
like($token, qr/^[A-Za-z0-9_-]{32,}$/, 'key add prints one token of 32 or more URL-safe characters');
my $listed = key_list()->{carol};
ok($listed, 'key list shows carol') or BAIL_OUT('no key carol');
like($listed->[0], $TIME, "  with its creation time ($listed->[0])");
is_deeply([@$listed[1, 2]], ['-', 'active'], '  not used yet, active');
unlike($stack->sandboxd_cmd(['key', 'list']), qr/\Q$token\E/, 'key list never prints a token');

my $languages = $stack->get_json('/languages', key => $token);
is($languages->{status}, 200, 'the token works: GET /languages is 200');
ok(ref $languages->{json} eq 'ARRAY' && grep({ $_->{name} eq 'python' } @{ $languages->{json} }), '  and lists python');
$listed = key_list()->{carol};
like($listed->[1], $TIME, "key list shows carol's last use ($listed->[1])");
is($stack->psql("SELECT last_used_at BETWEEN created_at AND now() FROM coderun.api_keys WHERE name = 'carol'"), 't',
   '  after its creation, not in the future');

$stack->revoke_key('carol');
is(key_list()->{carol}[2], 'revoked', 'key revoke: key list shows carol revoked');
is_error($stack->get_json('/languages', key => $token), 401, 'the next request with the token is 401');
my ($status, undef, $err) = $stack->sandboxd_cmd(['key', 'revoke', 'carol'], may_fail => 1);
ok($status != 0 && $err =~ /carol/, 'revoking it again fails, naming the key') or diag($err);
done_testing;
