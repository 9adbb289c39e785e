#!/usr/bin/perl
# Runs every C unit test built by `make unit` (build/t/*, or CODERUN_BUILD/t/*) as a subtest,
# passing its TAP through: a failed assertion, a wrong plan, a non-zero exit
# or a crash fails that subtest.
use strict;
use warnings;
use Test::More;
use TAP::Parser;
use File::Basename qw(basename);
use FindBin;

my $dir = ($ENV{CODERUN_BUILD} // "$FindBin::Bin/../build") . "/t";
my @tests = grep { -f $_ && -x _ } sort glob "$dir/*";
ok(@tests, "unit test programs in build/t (built by `make unit`)") or BAIL_OUT('run `make` first');

for my $program (@tests) {
    subtest basename($program) => sub { pass_through($program) };
}
done_testing;

sub pass_through {
    my ($program) = @_;
    my $parser = TAP::Parser->new({ exec => [$program] });
    my $last_failed = 0;
    while (my $result = $parser->next) {
        if ($result->is_test) {
            $last_failed = !$result->is_ok;
            ok($result->is_ok, $result->description =~ s/^-\s*//r);
        } elsif ($result->is_comment) {
            # What follows a failed assertion explains it (got/want).
            $last_failed ? diag($result->comment) : note($result->comment);
        } elsif ($result->is_bailout) {
            fail("bailed out: " . $result->explanation);
        }
    }
    ok($parser->is_good_plan, 'ran as many tests as planned') if $parser->plan;
    is($parser->wait, 0, 'exited with status 0');
}
