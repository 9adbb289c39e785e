package Coderun::Browser;

# Headless Chromium (Debian's chromium) driven over the DevTools protocol:
# one browser per object, one page, a websocket on loopback
# (Protocol::WebSocket frames over a plain socket). The browser resolves no
# name and reaches nothing but 127.0.0.1.
#
#   my $b = Coderun::Browser->new;
#   $b->viewport(1280, 800);
#   $b->load("$url/dashboard/");
#   $b->wait_for('document.body.dataset.ready === "yes"', 'the charts');
#   my $value = $b->eval('document.title');
#   $b->click('#forget');  $b->type('hello');  $b->screenshot('var/x.png');

use strict;
use warnings;

use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(WNOHANG);
use Protocol::WebSocket::Client;
use Time::HiRes qw(time sleep);

my $CHROMIUM = $ENV{CODERUN_CHROMIUM} // '/usr/bin/chromium';
my $START_S  = 60;     # deadline for the browser to listen
my $CALL_S   = 60;     # deadline for one protocol call
my $POLL_S   = 0.1;
my $JSON     = JSON::PP->new->canonical;    # frames arrive decoded (characters)

sub available { -x $CHROMIUM }

sub new {
    my ($class) = @_;
    my $profile = tempdir('coderun-chromium-XXXXXX', TMPDIR => 1);    # removed by DESTROY
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);    # its own group: DESTROY ends every chromium process, ours only
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$profile/chromium.log";
        open STDERR, '>&', \*STDOUT;
        { exec $CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
             '--no-first-run', '--no-default-browser-check', '--disable-extensions',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-default-apps', '--metrics-recording-only', '--mute-audio',
             '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
             "--user-data-dir=$profile", '--remote-debugging-address=127.0.0.1',
             '--remote-debugging-port=0', 'about:blank' };
        POSIX::_exit(127);
    }
    my $self = bless { pid => $pid, profile => $profile, id => 0, events => [], inbox => '' }, $class;
    my $port_file = "$profile/DevToolsActivePort";
    my $deadline = time + $START_S;
    until (-s $port_file && (my @lines = _lines($port_file)) >= 2) {
        die "chromium exited at start:\n" . join('', _lines("$profile/chromium.log"))
            if waitpid($pid, WNOHANG) == $pid;
        die "chromium did not listen within ${START_S}s\n" if time > $deadline;
        sleep $POLL_S;
    }
    my ($port, $path) = _lines($port_file);
    chomp($port, $path);
    $self->_connect($port, $path);
    my $target = $self->call('Target.createTarget', { url => 'about:blank' })->{targetId};
    $self->{session} = $self->call('Target.attachToTarget', { targetId => $target, flatten => JSON::PP::true })
                            ->{sessionId};
    $self->call($_) for qw(Page.enable Runtime.enable);
    return $self;
}

sub _lines { open my $fh, '<', $_[0] or return (); return <$fh> }

sub _connect {
    my ($self, $port, $path) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 10)
        or die "connecting to chromium on port $port: $@\n";
    binmode $sock;
    my $ws = Protocol::WebSocket::Client->new(url => "ws://127.0.0.1:$port$path", max_payload_size => 0);
    $ws->on(write => sub { my (undef, $bytes) = @_; print {$sock} $bytes or die "writing to chromium: $!\n" });
    $ws->on(read => sub { my (undef, $text) = @_; push @{ $self->{frames} }, $JSON->decode($text) });
    $ws->on(error => sub { die "websocket: $_[1]\n" });
    my $connected = 0;
    $ws->on(connect => sub { $connected = 1 });
    @$self{qw(sock ws)} = ($sock, $ws);
    $ws->connect;
    $self->_pump(sub { $connected }, 'the websocket handshake');
}

# Reads from the socket until done->() is true; dies after the deadline.
sub _pump {
    my ($self, $done, $what, $timeout) = @_;
    my $deadline = time + ($timeout // $CALL_S);
    my $select = IO::Select->new($self->{sock});
    until ($done->()) {
        my $left = $deadline - time;
        die "timed out waiting for $what\n" if $left <= 0;
        next unless $select->can_read($left < 1 ? $left : 1);
        my $n = sysread($self->{sock}, my $buf, 1 << 20);
        die "chromium closed the DevTools connection\n" unless $n;
        $self->{ws}->read($buf);
    }
}

# call(METHOD, {params}) -> the result; dies on a protocol error. Calls go
# to the page once attached.
sub call {
    my ($self, $method, $params, $timeout) = @_;
    my $id = ++$self->{id};
    my %msg = (id => $id, method => $method, params => $params // {});
    $msg{sessionId} = $self->{session} if $self->{session};
    $self->{ws}->write($JSON->encode(\%msg));
    my $reply;
    $self->_pump(sub {
        while (my $frame = shift @{ $self->{frames} }) {
            if (($frame->{id} // 0) == $id) { $reply = $frame; return 1 }
            push @{ $self->{events} }, $frame if $frame->{method};
        }
        return 0;
    }, $method, $timeout);
    die "$method: $reply->{error}{message}\n" if $reply->{error};
    return $reply->{result};
}

# The value of a JavaScript expression (promises awaited); dies on an exception.
sub eval {
    my ($self, $js) = @_;
    my $r = $self->call('Runtime.evaluate', { expression => $js, returnByValue => JSON::PP::true,
                                              awaitPromise => JSON::PP::true });
    die "JavaScript failed: " . ($r->{exceptionDetails}{exception}{description} // $r->{exceptionDetails}{text})
        . "\n  in: $js\n" if $r->{exceptionDetails};
    return $r->{result}{value};
}

# Polls the expression until it is true; returns its value.
sub wait_for {
    my ($self, $js, $what, $timeout) = @_;
    my $deadline = time + ($timeout // $CALL_S);
    while (1) {
        my $v = $self->eval($js);
        return $v if $v;
        die "timed out waiting for $what\n" if time > $deadline;
        sleep $POLL_S;
    }
}

# Loads URL and waits for its load event.
sub load {
    my ($self, $url) = @_;
    $self->{events} = [];
    my $nav = $self->call('Page.navigate', { url => $url });
    die "loading $url: $nav->{errorText}\n" if $nav->{errorText};
    $self->_pump(sub {
        push @{ $self->{events} }, grep { $_->{method} } splice @{ $self->{frames} };
        return grep { $_->{method} eq 'Page.loadEventFired' } @{ $self->{events} };
    }, "the load event of $url");
}

sub viewport {
    my ($self, $width, $height, $mobile) = @_;
    $self->call('Emulation.setDeviceMetricsOverride', { width => $width + 0, height => $height + 0,
        deviceScaleFactor => 1, mobile => $mobile ? JSON::PP::true : JSON::PP::false });
}

# A real mouse click in the middle of the first element matching SELECTOR
# (scrolled into view first).
sub click {
    my ($self, $selector) = @_;
    my $js = JSON::PP->new->allow_nonref->encode($selector);
    my $at = $self->eval("(() => { const e = document.querySelector($js); if (!e) return null;"
                         . " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                         . " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        or die "no element $selector to click\n";
    for my $type (qw(mousePressed mouseReleased)) {
        $self->call('Input.dispatchMouseEvent', { type => $type, x => $at->[0], y => $at->[1],
                                                   button => 'left', clickCount => 1 });
    }
}

# Types TEXT into the focused element, as a keyboard would.
sub type {
    my ($self, $text) = @_;
    $self->call('Input.insertText', { text => $text });
}

sub screenshot {
    my ($self, $file) = @_;
    my $png = decode_base64($self->call('Page.captureScreenshot', { format => 'png' })->{data});
    open my $fh, '>:raw', $file or die "$file: $!\n";
    print {$fh} $png;
    close $fh or die "$file: $!\n";
    return length $png;
}

sub DESTROY {
    my ($self) = @_;
    return unless $self->{pid};
    local ($?, $@);
    delete $self->{session};    # Browser.close goes to the browser itself
    eval { $self->call('Browser.close', undef, 5) } if $self->{ws};
    my $deadline = time + 10;
    until (waitpid($self->{pid}, WNOHANG) != 0 || time > $deadline) { sleep $POLL_S }
    # Its renderer and helper processes may outlive it a moment.
    kill 'KILL', -$self->{pid};
    waitpid($self->{pid}, 0);
    $deadline = time + 10;
    while (kill(0, -$self->{pid}) && time < $deadline) { sleep $POLL_S }
    remove_tree($self->{profile});
    delete $self->{pid};
}

1;
