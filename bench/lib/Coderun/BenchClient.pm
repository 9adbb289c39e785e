package Coderun::BenchClient;
# Many API clients in one process: each POSTs a job, long-polls it to its
# end (GET /result/{id}?wait=10) and checks its output, then the next
# job, over one keep-alive connection (HTTP/1.1, TCP_NODELAY). Event
# driven (IO::Poll: more descriptors than select's 1024), so a burst of
# 1000 clients is 1000 sockets, not 1000 processes.
#
# run(port => P, token => T, clients => C, jobs => N) returns
#   { done => jobs right, wrong => [...], errors => [...], reconnects => n, seconds => s }
# errors: a connection refused, reset or closed before its answer, or an
# HTTP status other than 202/200 (a 503 from httpd's worker limit among them).
use strict;
use warnings;
use IO::Poll qw(POLLIN POLLOUT POLLERR POLLHUP);
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use JSON::PP;
use Time::HiRes qw(time);

my $JSON = JSON::PP->new;

sub _request {
    my ($c, $method, $path, $body) = @_;
    $c->{wbuf} = "$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: $c->{token}\r\n"
               . (defined $body ? "Content-Type: application/json\r\nContent-Length: " . length($body) . "\r\n\r\n$body"
                                : "\r\n");
    $c->{rbuf} = '';
}

sub _connect {
    my ($c) = @_;
    $c->{sock} = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $c->{port}, Proto => 'tcp')
        or return 0;
    setsockopt($c->{sock}, IPPROTO_TCP, TCP_NODELAY, 1);
    $c->{sock}->blocking(0);
    return 1;
}

sub _next_job {
    my ($c) = @_;
    $c->{input} = "c$c->{n}-" . $c->{jobs_done}++;
    _request($c, 'POST', '/run', $JSON->encode({ language => 'python', code => 'return input_str',
                                                 inputs => [$c->{input}] }));
}

# A whole response in rbuf: (status, body, keep_alive), or () for more.
sub _response {
    my ($buf) = @_;
    my $end = index($buf, "\r\n\r\n");
    return if $end < 0;
    my $head = substr($buf, 0, $end);
    my ($status) = $head =~ m{^HTTP/1\.\d (\d+)} or return (0, '', 0);
    my $rest = substr($buf, $end + 4);
    my $keep = $head !~ /^Connection:\s*close/mi;
    if ($head =~ /^Content-Length:\s*(\d+)/mi) {
        return length($rest) >= $1 ? ($status, substr($rest, 0, $1), $keep) : ();
    }
    if ($head =~ /^Transfer-Encoding:\s*chunked/mi) {
        my $body = '';
        while ($rest =~ /\A([0-9a-fA-F]+)\r\n/) {
            my $len = hex $1;
            my $skip = length($1) + 2;
            return if length($rest) < $skip + $len + 2;
            return ($status, $body, $keep) if $len == 0;
            $body .= substr($rest, $skip, $len);
            $rest = substr($rest, $skip + $len + 2);
        }
        return;
    }
    return ($status, '', $keep);    # 304 and the like: no body
}

sub run {
    my (%o) = @_;
    my $per = int($o{jobs} / $o{clients}) || 1;
    my (@clients, %by_fd, @errors, @wrong);
    my ($done, $reconnects) = (0, 0);
    my $t0 = time;
    for my $n (0 .. $o{clients} - 1) {
        my $c = { n => $n, port => $o{port}, token => $o{token}, jobs_done => 0, jobs => $per };
        if (!_connect($c)) { push @errors, "connect: $!"; next }
        _next_job($c);
        push @clients, $c;
        $by_fd{ fileno $c->{sock} } = $c;
    }
    my $poll = IO::Poll->new;
    $poll->mask($_->{sock} => POLLOUT) for @clients;
    my $deadline = time + ($o{timeout} // 300);
    while ($poll->handles && time < $deadline) {
        $poll->poll(1) >= 0 or die "poll: $!\n";
        for my $sock ($poll->handles(POLLIN | POLLOUT | POLLERR | POLLHUP)) {
            my $c = $by_fd{ fileno $sock };
            if (length $c->{wbuf}) {
                my $n = syswrite($sock, $c->{wbuf});
                if (!defined $n) { next if $!{EAGAIN}; push @errors, "write: $!"; $poll->remove($sock); next }
                substr($c->{wbuf}, 0, $n) = '';
                $poll->mask($sock => POLLIN) unless length $c->{wbuf};
                next;
            }
            my $n = sysread($sock, $c->{rbuf}, 65536, length $c->{rbuf});
            next if !defined $n && $!{EAGAIN};
            if (!$n) {
                push @errors, 'connection ' . (defined $n ? 'closed' : "error: $!") . ' before the answer';
                $poll->remove($sock);
                next;
            }
            my ($status, $body, $keep) = _response($c->{rbuf}) or next;
            my $json = eval { $JSON->decode($body) } // {};
            if ($status == 202 && $json->{exec_id}) {
                $c->{id} = $json->{exec_id};
            } elsif ($status == 200 && ($json->{status} // '') =~ /^(finished|failed)$/) {
                my $out = $json->{results}[0]{output} // '';
                if ($out eq $c->{input}) { $done++ } else { push @wrong, "$c->{input}: $json->{status} '$out'" }
                $c->{id} = undef;
            } elsif ($status != 200) {
                push @errors, "HTTP $status: $body";
                $poll->remove($sock);
                next;
            }
            if (!$keep) {    # httpd closed a keep-alive connection after answering
                $reconnects++;
                $poll->remove($sock);
                delete $by_fd{ fileno $sock };
                close $sock;
                if (!_connect($c)) { push @errors, "connect: $!"; next }
                $by_fd{ fileno $c->{sock} } = $c;
            }
            if ($c->{id}) {
                _request($c, 'GET', "/result/$c->{id}?wait=10");
            } elsif ($c->{jobs_done} < $c->{jobs}) {
                _next_job($c);
            } else {
                $poll->remove($c->{sock});
                close $c->{sock};
                next;
            }
            $poll->mask($c->{sock} => POLLOUT);
        }
    }
    push @errors, 'timed out with ' . scalar($poll->handles) . ' clients left' if $poll->handles;
    return { done => $done, wrong => \@wrong, errors => \@errors, reconnects => $reconnects,
             seconds => time - $t0, jobs => $per * $o{clients} };
}

1;
