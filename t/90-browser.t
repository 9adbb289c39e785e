#!/usr/bin/perl
# The dashboard and Swagger UI in a real browser (headless Chromium over the
# DevTools protocol, Coderun::Browser), on a stack at / and on one mounted
# under /coderun/: /dashboard#key=… shows every chart with the known
# figures (Coderun::Dashboard) at 1280×800 and on a phone, the key form
# works, and "Try it out" on POST /run and GET /result/{exec_id} gets a
# result. Screenshots go to var/screenshots/.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Path qw(make_path);
use List::Util qw(sum0);
use Time::HiRes qw(time);
use Coderun::Stack;
use Coderun::Browser;
use Coderun::Dashboard qw(run_known_jobs plant_live_queue %KNOWN);

plan skip_all => 'chromium is not installed (make deps)' unless Coderun::Browser->available;
# The page is the same under sanitizers; t/85-reports.t runs the module's
# report code there. Saves the CI budget about two minutes.
plan skip_all => 'not under another build (make test-asan)' if $ENV{CODERUN_BUILD};
my $SHOTS = "$FindBin::Bin/../var/screenshots";
make_path($SHOTS);
my $started = time;
my $lap = $started;
sub lap { my ($what) = @_; note(sprintf '%.1f s: %s', time - $lap, $what); $lap = time }
my $browser = Coderun::Browser->new;
lap('chromium started');

# Everything the page shows, as one structure: the tiles, the workers
# table, and for each chart whether it is drawn, its axis titles and the
# rows of its figures table.
my $READ_PAGE = <<'JS';
(() => {
  const cells = (table) => table ? [...table.querySelectorAll('tbody tr')].map(
    (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)) : [];
  const charts = {};
  for (const s of document.querySelectorAll('section.chart')) {
    const chart = Chart.getChart(s.querySelector('canvas'));
    const canvas = s.querySelector('canvas');
    charts[s.id.replace('chart-', '')] = {
      drawn: !!chart && canvas.width > 100 && canvas.height > 100,
      axes: chart ? [chart.options.scales.x.title.text, chart.options.scales.y.title.text] : [],
      rows: cells(s.querySelector('details table')),
    };
  }
  return {
    scope: document.getElementById('scope').textContent,
    queued: document.getElementById('queued').textContent,
    running: document.getElementById('running').textContent,
    oldest: Number(document.getElementById('oldest').dataset.seconds),
    workers: cells(document.getElementById('workers')),
    charts,
    fragment: location.hash,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
})()
JS

sub show_dashboard {
    my ($url, $token) = @_;
    $browser->load("$url#key=$token");
    $browser->wait_for('document.body.dataset.ready === "yes"', 'the dashboard to draw every chart');
    return $browser->eval($READ_PAGE);
}

sub column_sum { my ($rows, $col) = @_; sum0 map { $_->[$col] } @$rows }

# The page's figures against the known data set; who: all|default|student.
sub check_figures {
    my ($page, $who) = @_;
    my @keys = $who eq 'all' ? qw(default student swagger) : ($who);
    my $planted = $who ne 'student';
    is($page->{scope}, $who eq 'all' ? 'all keys' : "this key's jobs only", 'scope shown');
    is($page->{queued}, $planted ? $KNOWN{queued} : 0, 'queued');
    is($page->{running}, $planted ? $KNOWN{running} : 0, 'running');
    cmp_ok($page->{oldest}, '>=', $KNOWN{oldest_min_seconds}, 'oldest queued age') if $planted;
    my $w = $KNOWN{worker};
    is_deeply($page->{workers}, [[$w->{worker}, $w->{mode}, "$w->{busy} / $w->{slots}"]], 'workers: busy / slots, sandbox');
    my $c = $page->{charts};
    is_deeply([sort keys %$c], [qw(cpu daily keys latency throughput verdicts)], 'six charts');
    for my $name (sort keys %$c) {
        ok($c->{$name}{drawn}, "$name is drawn");
        is(scalar(grep { /\w/ } @{ $c->{$name}{axes} }), 2, "$name has both axis titles");
    }
    like("@{ $c->{throughput}{axes} }", qr/jobs per second/, 'throughput in jobs per second');
    like("@{ $c->{latency}{axes} }", qr/seconds/, 'latency in seconds');
    like("@{ $c->{cpu}{axes} }", qr/milliseconds/, 'CPU in milliseconds');
    is(column_sum($c->{throughput}{rows}, 1), sum0(map { $KNOWN{finished}{$_} } @keys), 'jobs ended in the last minutes');
    is_deeply([map { [@$_[1, 2, 3]] } @{ $c->{daily}{rows} }],
              [['python', sum0(map { $KNOWN{jobs}{$_} } @keys), sum0(map { $KNOWN{finished}{$_} } @keys)]],
              'jobs per day by language');
    my %verdicts;
    for my $k (@keys) { $verdicts{$_} += $KNOWN{verdicts}{$k}{$_} for keys %{ $KNOWN{verdicts}{$k} } }
    is_deeply({ map { ($_->[0] => $_->[2]) } @{ $c->{verdicts}{rows} } }, \%verdicts, 'verdict mix');
    is_deeply({ map { ($_->[0] => $_->[1]) } @{ $c->{keys}{rows} } }, { map { ($_ => $KNOWN{jobs}{$_}) } @keys },
              'usage per key');
    is(scalar @{ $c->{latency}{rows} }, 1, 'latency: today, python');
    cmp_ok($c->{latency}{rows}[0][3], '>=', $c->{latency}{rows}[0][2], 'latency p95 >= p50');
    cmp_ok($c->{cpu}{rows}[0][3], '>=', $c->{cpu}{rows}[0][2], 'CPU p95 >= p50');
}

# "Try it out" on POST /run (its example body) and then on GET /result/{exec_id}.
sub swagger_try_it_out {
    my ($url, $token) = @_;
    $browser->load($url);
    $browser->wait_for('!!document.querySelector("#operations-code_runner-runCode")', 'Swagger UI to render');
    lap('Swagger UI rendered');
    $browser->click('button.authorize');
    $browser->wait_for('!!document.querySelector(".modal-ux input")', 'the Authorize dialog');
    $browser->click('.modal-ux input');
    $browser->type($token);
    $browser->click('.modal-ux .auth-btn-wrapper button.authorize');
    $browser->click('.modal-ux button.btn-done');

    my $run = '#operations-code_runner-runCode';
    $browser->click("$run .opblock-summary-control");
    $browser->wait_for("!!document.querySelector('$run .try-out__btn')", 'POST /run to open');
    $browser->click("$run .try-out__btn");
    $browser->click("$run button.execute");
    my $body = $browser->wait_for("(document.querySelector('$run .live-responses-table .response-col_description pre')"
                                  . " || {}).textContent", 'the answer of POST /run');
    my ($id) = $body =~ /"exec_id":\s*"([0-9a-f-]{36})"/;
    ok($id, 'POST /run answered an exec_id') or diag($body);
    lap('POST /run answered');

    my $get = '#operations-code_runner-getResult';
    $browser->click("$get .opblock-summary-control");
    $browser->wait_for("!!document.querySelector('$get .try-out__btn')", 'GET /result to open');
    $browser->click("$get .try-out__btn");
    $browser->click("$get tr[data-param-name=exec_id] input");
    $browser->type($id // '');
    $browser->click("$get tr[data-param-name=wait] input");
    $browser->type('20');
    $browser->click("$get button.execute");
    my $result = $browser->wait_for("(document.querySelector('$get .live-responses-table .response-col_description pre')"
                                    . " || {}).textContent", 'the answer of GET /result');
    like($result, qr/"status":\s*"finished"/, 'the job finished');
    like($result, qr/"output":\s*"16"/, 'input "4" gave "16"');
}

# Swagger UI first: the known jobs, then the planted queue stop the worker.
sub known_stack {
    my (%opt) = @_;
    my $stack = Coderun::Stack->for_tests(%opt);
    lap('stack up');
    subtest 'Swagger UI: Try it out' => sub {
        swagger_try_it_out($stack->url('/swagger/'), $stack->add_key('swagger'));
    };
    lap('Swagger UI tried out');
    my $student = run_known_jobs($stack);
    plant_live_queue($stack);
    lap('known jobs run, queue planted');
    return ($stack, $student);
}

subtest 'at /' => sub {
    my ($stack, $student) = known_stack();
    my $ops = $stack->add_key('ops');
    $stack->sandboxd_cmd(['key', 'scope', 'ops', 'all']);

    $browser->viewport(1280, 800);
    my $page = show_dashboard($stack->url('/dashboard'), $ops);
    lap('dashboard drawn');
    is($page->{fragment}, '', 'the key left the address bar');
    subtest 'ops (scope all) at 1280x800' => sub { check_figures($page, 'all') };
    cmp_ok($page->{overflow}, '<=', 0, 'nothing wider than the window');
    ok($browser->screenshot("$SHOTS/dashboard-1280x800.png") > 10_000, 'screenshot saved');

    $browser->viewport(390, 844, 1);
    $browser->load($stack->url('/dashboard/'));    # the key is kept in this tab
    $browser->wait_for('document.body.dataset.ready === "yes"', 'the dashboard on a phone');
    $page = $browser->eval($READ_PAGE);
    ok(!grep({ !$_->{drawn} } values %{ $page->{charts} }), 'every chart drawn on a phone');
    cmp_ok($page->{overflow}, '<=', 0, 'nothing wider than the phone');
    $browser->screenshot("$SHOTS/dashboard-phone.png");

    $browser->viewport(1280, 800);
    $browser->click('#forget');
    $browser->wait_for('!document.getElementById("key-form").hidden', 'the key form');
    $browser->click('#key-input');
    $browser->type('not-a-key');
    $browser->click('#key-form button');
    like($browser->wait_for('document.getElementById("key-error").textContent', 'the key error'),
         qr/not valid/, 'a wrong key is refused');
    $browser->click('#key-input');
    $browser->type($student);
    $browser->click('#key-form button');
    $browser->wait_for('document.body.dataset.ready === "yes"', 'the student dashboard');
    subtest 'student (own jobs) through the form' => sub { check_figures($browser->eval($READ_PAGE), 'student') };
    lap('phone, key form, student');
};

subtest 'under /coderun/' => sub {
    my ($stack) = known_stack(prefix => '/coderun');
    like($stack->url('/dashboard'), qr{/coderun/dashboard$}, 'the stack is under /coderun/');
    $browser->viewport(1280, 800);
    my $page = show_dashboard($stack->url('/dashboard'), $stack->token);
    subtest 'the default key (own jobs)' => sub { check_figures($page, 'default') };
    $browser->screenshot("$SHOTS/dashboard-prefix.png");
    lap('dashboard under /coderun/ drawn');
};

undef $browser;
note(sprintf 'browser tests took %.1f s', time - $started);
done_testing;
