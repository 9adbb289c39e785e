#!/usr/bin/perl
# A short libFuzzer run of every parser a client reaches (t/fuzz/, issue 9):
# each target for a few seconds from its seed corpus; any crash, sanitizer
# report or broken invariant fails. `make fuzz` runs them for longer.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;

my $ROOT    = "$FindBin::Bin/..";
my $SECONDS = $ENV{FUZZ_SMOKE_SECONDS} // 2;    # per target; 6 targets stay under 20 s

# The fuzzers are their own clang + ASan programs: nothing of the suite's
# environment (test-asan preloads gcc's libasan) may leak into them.
delete local @ENV{qw(LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS)};

my $probe_dir = tempdir(CLEANUP => 1);
open my $fh, '>', "$probe_dir/probe.c" or die "$probe_dir/probe.c: $!";
print {$fh} "int LLVMFuzzerTestOneInput(const char *d, long n);\n"
          . "int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n";
close $fh;
system("clang -fsanitize=fuzzer -o $probe_dir/probe $probe_dir/probe.c >/dev/null 2>&1") == 0
    or plan skip_all => "clang's libFuzzer runtime is missing (`make fuzz-deps` installs libclang-rt-*-dev)";

my $build = `make -C $ROOT --no-print-directory -s fuzz-build 2>&1`;
is($?, 0, 'fuzz targets build') or BAIL_OUT("make fuzz-build failed:\n$build");

my @targets = map { m{/([^/]+)\.c$} } sort glob "$ROOT/t/fuzz/*.c";
ok(@targets >= 6, 'a fuzz target for each parser: ' . join(' ', @targets));

my $out = `make -C $ROOT --no-print-directory -s fuzz-smoke FUZZ_SMOKE_SECONDS=$SECONDS 2>&1`;
my $status = $?;
for my $target (@targets) {
    my ($execs) = $out =~ /^fuzz: \Q$target\E\s+(\d+) executions/m;
    ok(defined $execs && $execs > 0, "$target ran (" . ($execs // 0) . " executions in ${SECONDS}s)");
    unlike($out, qr/^fuzz: \Q$target\E FAILED/m, "$target: no crash");
}
is($status, 0, 'make fuzz-smoke exits 0') or diag($out);

# Inputs that once broke an invariant (t/fuzz/repro/TARGET/*): each must
# pass now, every run, whatever the random search finds.
for my $file (sort glob "$ROOT/t/fuzz/repro/*/*") {
    my ($target, $name) = $file =~ m{repro/([^/]+)/([^/]+)$};
    my $log = `$ROOT/build/fuzz/$target $file 2>&1`;
    is($?, 0, "$target: reproducer $name passes")
        or diag(join "\n", grep { /invariant failed|SUMMARY|ERROR/ } split /\n/, $log);
}
done_testing;
