#!/usr/bin/perl
# One allowed request must not harm the host or the next input (issue 20):
# the compile step's files are capped by the slot's disk quota (a tmpfs of
# disk_mb, never the host's disk), a job's stored output by job_output_mb,
# and nothing one input leaves in /tmp or its work dir reaches the next, in
# function mode (warm server and cold runs), program and problem mode.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Coderun::Stack;

plan skip_all => 'needs root (namespaces, cgroups)' if $> != 0;

my $DISK_MB = 8;
my $OUTPUT_MB = 16;
my $stack = Coderun::Stack->for_tests(
    slots => 2, sandboxd_settings => "disk_mb = $DISK_MB\njob_output_mb = $OUTPUT_MB\n");

sub submit {
    my ($path, $request, $name) = @_;
    my $res = $stack->post_json($path, $request);
    is($res->{status}, 202, "$name: queued") or diag($res->{content});
    return $res->{json}{exec_id} // $res->{json}{job_id};
}

sub finished {
    my ($id, $name, %opt) = @_;
    my $res = $stack->wait_result($id, timeout => 120, %opt);
    is($res->{status}, 200, "$name: 200");
    return $res->{json} // {};
}

# Every mode writes what it was given to /tmp/x and to ./left, and answers
# what it found there before: "-" each time when nothing carries over.
my $SPY_BODY = <<'PY';
import os
old = [open(p).read() if os.path.exists(p) else '-' for p in ('/tmp/x', 'left')]
for p in ('/tmp/x', 'left'):
    try:
        open(p, 'w').write(input_str)
    except OSError:
        pass
return ' '.join(old)
PY
my $SPY_FUNCTION = join "\n", map { "    $_" } split /\n/, $SPY_BODY;
my $SPY_PROGRAM = "import sys\ninput_str = sys.stdin.read()\ndef spy():\n$SPY_FUNCTION\nprint(spy())\n";
my $SPY_JS = <<'JS';
const fs = require('fs');
const old = ['/tmp/x', 'left'].map((p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '-'));
for (const p of ['/tmp/x', 'left']) {
    try { fs.writeFileSync(p, input_str); } catch (e) { /* read-only */ }
}
return old.join(' ');
JS
my @INPUTS = qw(a b c d e f);
my %LIMITS = (time_ms => 5000, memory_mb => 256);

my %job = (
    'function (warm server)' => submit('/run', { language => 'python', mode => 'function',
        code => $SPY_BODY, inputs => \@INPUTS, limits => \%LIMITS }, 'function python'),
    'function (javascript)' => submit('/run', { language => 'javascript', mode => 'function',
        code => $SPY_JS, inputs => \@INPUTS, limits => \%LIMITS }, 'function javascript'),
    'program' => submit('/run', { language => 'python', mode => 'program',
        code => $SPY_PROGRAM, inputs => \@INPUTS, limits => \%LIMITS }, 'program python'),
);
my $problem = submit('/execute-problem', {
    language => 'python', userCode => "def spy(input_str):\n$SPY_FUNCTION\n",
    solutionCode => "def spy(input_str):\n$SPY_FUNCTION\n",
    testCases => [map { { id => $_, input => "spy('$_')" } } @INPUTS] }, 'problem');

for my $mode (sort keys %job) {
    subtest "nothing carries over between inputs: $mode" => sub {
        my $body = finished($job{$mode}, $mode);
        is($body->{status}, 'finished', 'finished') or diag(explain($body));
        is_deeply([map { $_->{output} =~ s/\s+\z//r } @{ $body->{results} // [] }],
                  [('- -') x @INPUTS], 'every input found /tmp and its work dir as new')
            or diag(explain($body->{results}));
    };
}

subtest 'nothing carries over between inputs: problem' => sub {
    my $body = finished($problem, 'problem', prefix => '/result-problem/');
    is($body->{status}, 'finished', 'finished') or diag(explain($body));
    my @cases = @{ $body->{results} // [] };
    is(scalar @cases, scalar @INPUTS, 'a result per test case');
    is_deeply([map { $_->{userOutput} } @cases], [('"- -"') x @INPUTS], 'user code: all new')
        or diag(explain(\@cases));
    is_deeply([map { $_->{solutionOutput} } @cases], [('"- -"') x @INPUTS], 'solution: all new');
};

# The compile step links a 32 MB executable into the job dir: the slot's
# tmpfs of disk_mb stops it, the job fails with a clear compile error, and
# the host's disk never held more than the quota.
subtest 'the compile step is capped by the disk quota' => sub {
    my $bomb = "char big[32 << 20] = {1};\nint main(void) { return big[0] - 1; }\n";
    my $id = submit('/run', { language => 'c', mode => 'program', code => $bomb, inputs => [''] },
                    'object bomb');
    my $body = finished($id, 'object bomb');
    is($body->{status}, 'failed', 'the job fails');
    like($body->{error}, qr/compilation failed: disk quota exceeded: the job's files may take $DISK_MB MB/,
         'with the quota in its compile error');
    my @slots = grep { m{ \Q$stack->{dir}\E/box/slot-\d+ tmpfs } } split /\n/, slurp('/proc/mounts');
    ok(@slots >= 1, 'the job dirs are tmpfs mounts') or diag(slurp('/proc/mounts'));
    like($_, qr/\bsize=${\ ($DISK_MB * 1024)}k\b/, 'of disk_mb each') for @slots;
    for my $slot (map { (split ' ')[1] } @slots) {
        my ($used) = `df -k --output=used $slot` =~ /(\d+)\s*\z/;
        cmp_ok($used, '<=', $DISK_MB * 1024, "$slot holds at most the quota");
    }
};

# The largest allowed job: 1000 inputs, each printing 1 MB of control bytes
# (each escaped to \u0001 in JSON, and every output is in the answer
# twice). After job_output_mb the job stores no more output and the inputs
# past it say so without running. The answer (~200 MB of JSON) is valid,
# and httpd writes it as it goes: its processes grow by far less.
subtest 'a job stores at most job_output_mb of output; the answer is streamed' => sub {
    my $n = 1000;
    my $id = submit('/run', { language => 'python', mode => 'program',
                              code => "import sys\nsys.stdout.write(chr(1) * (1 << 20))\n",
                              inputs => [map {"$_"} 1 .. $n], limits => { output_kb => 1024 } },
                    'output flood');
    my $body = finished($id, 'output flood');    # read back once, small: no output
    is($body->{status}, 'finished', 'finished');
    my $before = httpd_rss_kb();
    my $file = "$stack->{dir}/flood.json";
    my $code = system('curl', '-sS', '-o', $file, '-H', 'x-api-key: ' . $stack->token,
                      $stack->url("/result/$id"));
    is($code, 0, 'curl read the answer');
    my $growth_mb = (httpd_rss_kb() - $before) / 1024;
    cmp_ok(-s $file, '>', 100 << 20, 'the answer is large (' . int((-s $file) / 2**20) . ' MB)');
    cmp_ok($growth_mb, '<', 64, "httpd grew by less than 64 MB (${\ int $growth_mb} MB)");
    my $summary = `python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["results"]; print(len(r), sum(x["status"]=="ok" for x in r), sum(x["status"]=="output_limit" and "output limit of $OUTPUT_MB MB is reached" in x["error"] and x["output"]=="" for x in r), len(d["output"]))' $file`;
    my ($results, $full, $capped, $seed) = split ' ', $summary // '';
    is($results, $n, 'valid JSON with a result per input');
    cmp_ok($full, '<=', $OUTPUT_MB + 1, 'no more than the cap of full outputs');
    is($full + $capped, $n, 'the rest: output_limit with the reason and no output');
    is($seed, $n, "and the seed's output map has every input");
    unlink $file;
};

# Resident kB of the stack's httpd, parent and children.
sub httpd_rss_kb {
    my $parent = $stack->httpd_pid;
    my $total = 0;
    for my $pid ($parent, split ' ', `pgrep -P $parent`) {
        open my $fh, '<', "/proc/$pid/status" or next;
        while (<$fh>) { $total += $1 if /^VmRSS:\s+(\d+)/ }
    }
    return $total;
}

# Every job has ended: the slots are idle at once, not at the next heartbeat.
subtest 'slots report idle as soon as their results are committed' => sub {
    my $health = $stack->get_json('/health');
    my @workers = @{ $health->{json}{sandbox} // [] };
    ok(@workers, 'a worker is listed') or diag($health->{content});
    is(join(',', map { $_->{busy} } @workers), join(',', map { 0 } @workers), 'no slot busy');
};

# Both programs' host: nothing mounted for a slot is left once the stack stops.
subtest 'the slots unmount their job dirs when sandboxd stops' => sub {
    $stack->down;
    my @left = grep { m{ \Q$stack->{dir}\E/box/} } split /\n/, slurp('/proc/mounts');
    is_deeply(\@left, [], 'no mount left');
};

sub slurp { open my $fh, '<', $_[0] or die "$_[0]: $!"; local $/; <$fh> }

done_testing();
