package Coderun::Stack;

# The whole coderun stack in one directory: a private PostgreSQL cluster,
# sandboxd and httpd with mod_coderun. `make run`, the integration tests and
# the benchmarks all bring it up through this one module.
#
# Layout of DIR:
#   pg/            PostgreSQL data directory (owned by the postgres user)
#   run/           unix sockets and pid files (postgres, httpd, sandboxd)
#   log/           postgresql.log, httpd_error.log, sandboxd.out, sandboxd's JSON logs
#   box/           sandboxd's scratch directories
#   secrets/       0700: database passwords and the API token, 0600 each
#   www/           empty DocumentRoot
#   stack.json     ports chosen on the first `up`
#   sandboxd.conf, admin.conf, httpd.conf, coderun.conf   generated configuration

use strict;
use warnings;

use Cwd qw(abs_path);
use Fcntl qw(:flock);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
# What `make` built: CODERUN_BUILD selects another build (e.g. with sanitizers).
our $BUILD = $ENV{CODERUN_BUILD} ? abs_path($ENV{CODERUN_BUILD}) : "$ROOT/build";

my $PG_USER        = 'postgres';
my $HTTPD          = '/usr/sbin/apache2';
my $HTTPD_MODULES  = '/usr/lib/apache2/modules';
my @HTTPD_MODULES  = qw(mpm_event authz_core dbd alias mime dir);
my $STARTUP_S      = 60;     # deadline for any component to come up
my $SHUTDOWN_S     = 20;     # deadline for a component to stop before SIGKILL
my $POLL_S         = 0.05;   # interval between readiness checks
my $JSON           = JSON::PP->new->utf8->canonical;

# ---------------------------------------------------------------- construction

# new(dir => DIR, [port => HTTP_PORT], [api_token => T], [slots => N],
#     [uid_base => N], [httpd_sample => PATH], [languages => PATH],
#     [sandboxd_settings => "key = value\n..."], [prefix => '/coderun'])
# languages: the language table sandboxd reads (default: the repo's);
# sandboxd_settings: more lines for sandboxd.conf.
# prefix: the API, Swagger UI and the dashboard under that path (url() adds it).
sub new {
    my ($class, %opt) = @_;
    defined $opt{dir} or die "Coderun::Stack->new: dir is required\n";
    make_path($opt{dir});
    my $dir = abs_path($opt{dir});
    # The path goes into conninfo strings and config files unquoted.
    die "stack directory '$dir' must not contain whitespace or quotes\n" if $dir =~ /[\s'"\\]/;
    chmod 0755, $dir;    # postgres, www-data and the sandbox uids traverse it
    my $self = bless { %opt, dir => $dir, owner => $$ }, $class;
    $self->{state} = -e $self->path('stack.json') ? $JSON->decode(slurp($self->path('stack.json'))) : {};
    return $self;
}

my @STOP_AT_EXIT;    # stacks this process stops in its END block

# A block of 16 sandbox uids (64100 + 16k) that no other test process on
# this machine holds, nor `make run` (64000 up): a run's cgroup is named by
# its uid, so two sandboxd sharing a uid would kill and remove each other's
# runs (test files run two at a time). Held by a lock until this process
# and its children have exited.
my @UID_LOCKS;
sub uid_block {
    my $dir = File::Spec->tmpdir . '/coderun-test-uids';
    make_path($dir);
    for my $k (map { ($$ + $_) % 80 } 0 .. 79) {
        open my $fh, '>', "$dir/$k" or next;
        if (flock($fh, LOCK_EX | LOCK_NB)) {
            push @UID_LOCKS, $fh;
            return 64100 + 16 * $k;
        }
        close $fh;
    }
    die "no free block of sandbox uids in $dir\n";
}

# A stack in a fresh temporary directory on free ports, up and stopped again
# when the test exits (also on die, failed tests, SIGINT and SIGTERM).
# CODERUN_KEEP=1 keeps the directory for inspection.
sub for_tests {
    my ($class, %opt) = @_;
    my $dir = tempdir('coderun-test-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CODERUN_KEEP});
    my $pg_port = free_port();
    my $self = $class->new(dir => $dir, port => free_port(), pg_port => $pg_port,
                           uid_base => uid_block(), %opt);
    push @STOP_AT_EXIT, $self;
    $SIG{$_} ||= sub { exit 1 } for qw(INT TERM HUP);    # so that END runs
    $self->up;
    return $self;
}

END {
    my $status = $?;
    for my $stack (grep { $_->{owner} == $$ } @STOP_AT_EXIT) {
        $stack->diag_logs if $status || ($INC{'Test/Builder.pm'} && !Test::Builder->new->is_passing);
        eval { $stack->down; 1 } or warn "stopping the stack in $stack->{dir}: $@";
    }
    $? = $status;
}

sub dir  { $_[0]{dir} }
sub path { my ($self, @parts) = @_; join '/', $self->{dir}, @parts }

# ------------------------------------------------------------------- up / down

sub up {
    my ($self) = @_;
    $self->_make_dirs;
    $self->_choose_ports;
    $self->_start_postgres;
    $self->_prepare_database;
    $self->_write_sandboxd_conf;
    $self->sandboxd_cmd(['migrate']);
    $self->_ensure_api_key;
    $self->_start_sandboxd;
    $self->_start_httpd;
    return $self;
}

# Stops whatever runs; safe to call any number of times. Dies at the end
# (after trying every component) if something would not stop.
sub down {
    my ($self) = @_;
    my @errors;
    for my $step (qw(_stop_sandboxd _unmount_slots _stop_httpd _stop_postgres)) {
        eval { $self->$step; 1 } or push @errors, $@;
    }
    die join '', @errors if @errors;
    return $self;
}

sub is_up {
    my ($self) = @_;
    return $self->postgres_running && $self->sandboxd_pid && $self->httpd_pid;
}

# Processes still using DIR (command line or working directory inside it).
sub leftover_pids {
    my ($self) = @_;
    my $dir = $self->{dir};
    my @pids;
    for my $proc (glob '/proc/[0-9]*') {
        my ($pid) = $proc =~ m{(\d+)$};
        next if $pid == $$;
        my $cmdline = eval { slurp("$proc/cmdline") } // next;
        my $cwd = readlink("$proc/cwd") // '';
        $cmdline =~ tr/\0/ /;
        push @pids, $pid if index($cmdline, "$dir/") >= 0 || $cwd eq $dir || index($cwd, "$dir/") == 0;
    }
    return @pids;
}

# Last lines of every log, as test diagnostics.
sub diag_logs {
    my ($self, $lines) = @_;
    for my $log (qw(httpd_error.log sandboxd.out postgresql.log)) {
        my $tail = $self->log_tail($log, $lines // 40);
        print STDERR "# ---- tail of $self->{dir}/log/$log\n", $tail =~ s/^/# /mgr if length $tail;
    }
}

# The last LINES lines of DIR/log/NAME ('' when there is none).
sub log_tail {
    my ($self, $name, $lines) = @_;
    my $file = $self->path('log', $name);
    return '' unless -s $file;
    my @lines = split /\n/, slurp($file);
    return join '', map { "$_\n" } @lines[($#lines >= $lines ? @lines - $lines : 0) .. $#lines];
}

sub _make_dirs {
    my ($self) = @_;
    make_path(map { $self->path($_) } qw(run log box secrets www));
    chmod 0700, $self->path('secrets');
    # postgres puts its socket and lock file here; root and www-data connect.
    chown_to($PG_USER, $self->path('run'));
    chmod 0755, $self->path('run');
}

sub _choose_ports {
    my ($self) = @_;
    my $state = $self->{state};
    $state->{pg_port} //= $self->{pg_port} // free_port();
    # A running httpd keeps its port; otherwise the requested one wins, and
    # must be free before anything starts.
    unless ($self->httpd_pid) {
        my $port = $state->{http_port} = $self->{port} // $state->{http_port} // free_port();
        die "127.0.0.1:$port is already in use by another program\n" if port_answers($port);
    }
    write_file($self->path('stack.json'), $JSON->encode($state) . "\n", 0644);
}

# ------------------------------------------------------------------ PostgreSQL

sub pg_port { $_[0]{state}{pg_port} }

sub pg_bindir {
    my ($self) = @_;
    return $self->{pg_bindir} //= do {
        my @candidates;
        my $from_config = `pg_config --bindir 2>/dev/null` // '';
        chomp $from_config;
        push @candidates, $from_config if $from_config;
        push @candidates, sort { pg_major($b) <=> pg_major($a) } glob '/usr/lib/postgresql/*/bin';
        push @candidates, '/usr/local/bin';
        my ($found) = grep { my $d = $_; !grep { !-x "$d/$_" } qw(initdb pg_ctl postgres) } @candidates;
        $found or die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in @candidates; run `make deps`\n";
    };
}

sub pg_major { ($_[0] =~ m{/(\d+)/bin$})[0] // 0 }

sub pg_tool {
    my ($self, $name) = @_;
    my $path = $self->pg_bindir . "/$name";
    return -x $path ? $path : $name;
}

sub postgres_running {
    my ($self) = @_;
    return 0 unless -e $self->path('pg', 'postmaster.pid');
    my ($status) = $self->_run([$self->pg_tool('pg_ctl'), 'status', '-D', $self->path('pg')],
                               user => $PG_USER, may_fail => 1);
    return $status == 0;
}

sub _start_postgres {
    my ($self) = @_;
    $self->_initdb unless -e $self->path('pg', 'PG_VERSION');
    return if $self->postgres_running;
    my $log = $self->path('log', 'postgresql.log');
    write_file($log, '', 0640) unless -e $log;
    chown_to($PG_USER, $log);
    $self->_run([$self->pg_tool('pg_ctl'), 'start', '-D', $self->path('pg'), '-l', $log,
                 '-w', '-t', $STARTUP_S], user => $PG_USER);
}

sub _stop_postgres {
    my ($self) = @_;
    return unless $self->postgres_running;
    $self->_run([$self->pg_tool('pg_ctl'), 'stop', '-D', $self->path('pg'), '-m', 'fast',
                 '-w', '-t', $SHUTDOWN_S], user => $PG_USER);
}

# A cluster reachable only through the socket in DIR/run, password (SCRAM)
# authentication for every connection.
sub _initdb {
    my ($self) = @_;
    my $data = $self->path('pg');
    make_path($data);
    chown_to($PG_USER, $data);
    chmod 0700, $data;
    # initdb runs as postgres and cannot read DIR/secrets: a short-lived copy.
    my $pwfile = $self->path('pg.pwfile');
    write_file($pwfile, $self->secret('pg_superuser') . "\n", 0600);
    chown_to($PG_USER, $pwfile);
    my $ok = eval {
        $self->_run([$self->pg_tool('initdb'), '-D', $data, '-U', $PG_USER, "--pwfile=$pwfile",
                     '--auth-local=scram-sha-256', '--auth-host=scram-sha-256',
                     '-E', 'UTF8', '--no-locale'], user => $PG_USER);
        1;
    };
    unlink $pwfile;
    die $@ unless $ok;
    append_file("$data/postgresql.conf", <<"CONF");

# coderun stack: unix socket in the stack directory only
listen_addresses = ''
unix_socket_directories = '$self->{dir}/run'
port = $self->{state}{pg_port}
password_encryption = 'scram-sha-256'
# httpd: ServerLimit 2 x (DBDMax 16 + 1 dispatcher) (httpd.conf.sample), sandboxd, psql
max_connections = 200
CONF
}

# Database roles, least privilege (see sql/005_roles.sql): the owner runs
# migrations and `sandboxd key`; httpd and sandboxd log in as members of the
# group roles the migrations grant to. The group roles are made here, by the
# superuser, so that the owner needs no CREATEROLE.
my %LOGIN_ROLE = (owner => 'coderun', httpd => 'coderun_httpd', sandboxd => 'coderun_sandboxd');
my %GROUP_ROLE = (httpd => 'coderun_api', sandboxd => 'coderun_worker');
my @GROUP_ROLES = qw(coderun_api coderun_worker coderun_report coderun_admin);

sub _prepare_database {
    my ($self) = @_;
    my $sql = '';
    for my $role (@GROUP_ROLES, sort values %LOGIN_ROLE) {
        my $login = (grep { $_ eq $role } values %LOGIN_ROLE) ? 'LOGIN' : 'NOLOGIN';
        $sql .= "SELECT 'CREATE ROLE $role $login' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') \\gexec\n";
    }
    for my $who (sort keys %LOGIN_ROLE) {
        $sql .= "ALTER ROLE $LOGIN_ROLE{$who} PASSWORD :'$who';\n";
        $sql .= "GRANT $GROUP_ROLE{$who} TO $LOGIN_ROLE{$who};\n" if $GROUP_ROLE{$who};
    }
    $sql .= "SELECT 'CREATE DATABASE coderun OWNER coderun'"
          . " WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'coderun') \\gexec\n";
    $self->_psql_in('postgres', $sql, map { ($_ => $self->secret("pg_$_")) } keys %LOGIN_ROLE);
}

# conninfo(owner|httpd|sandboxd): libpq conninfo of that component's role.
sub conninfo {
    my ($self, $who) = @_;
    my $role = $LOGIN_ROLE{$who} or die "conninfo: no role for '$who'\n";
    return join ' ', "host=$self->{dir}/run", "port=$self->{state}{pg_port}", 'dbname=coderun',
                     "user=$role", 'password=' . $self->secret("pg_$who");
}

# psql($sql, var => value, ...): runs $sql as the superuser in database
# coderun; :'var' in $sql is a quoted psql variable. Returns the unaligned,
# tuples-only output without the last newline; dies on any SQL error.
sub psql {
    my ($self, $sql, %vars) = @_;
    return $self->_psql_in('coderun', $sql, %vars);
}

sub _psql_in {
    my ($self, $db, $sql, %vars) = @_;
    my @cmd = ($self->pg_tool('psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
               '-h', $self->path('run'), '-p', $self->{state}{pg_port}, '-U', $PG_USER, '-d', $db, '-f', '-');
    # Variables (passwords, tokens) go through stdin, never the command line.
    my $set = join '', map { "\\set $_ '" . ($vars{$_} =~ s/\\/\\\\/gr =~ s/'/''/gr =~ s/\n/\\n/gr) . "'\n" }
                       sort keys %vars;
    my $out = $self->_run(\@cmd, input => $set . $sql, env => { PGPASSWORD => $self->secret('pg_superuser') });
    chomp $out;
    return $out;
}

# -------------------------------------------------------------------- sandboxd

sub sandboxd_bin { "$BUILD/sandboxd/sandboxd" }
sub languages    { $_[0]{languages} // "$ROOT/languages.conf" }

# sandboxd.conf serves (worker role); admin.conf is the same with the owner
# role, for migrate and key commands.
sub _write_sandboxd_conf {
    my ($self) = @_;
    my $slots = $self->{slots} // cpu_count();
    my $settings = <<"CONF";
languages = ${\ $self->languages}
sql_dir   = $ROOT/sql
log_dir   = $self->{dir}/log
box_dir   = $self->{dir}/box
slots     = $slots
CONF
    $settings .= "uid_base  = $self->{uid_base}\n" if defined $self->{uid_base};
    $settings .= $self->{sandboxd_settings} // '';
    for (['sandboxd.conf', 'sandboxd'], ['admin.conf', 'owner']) {
        my ($file, $who) = @$_;
        write_file($self->path($file), "# generated by t/lib/Coderun/Stack.pm\n"
                   . "database  = ${\ $self->conninfo($who)}\n$settings", 0600);
    }
}

# sandboxd_cmd(['key', 'list'], %run_options): runs a sandboxd subcommand as
# the database owner (admin.conf); returns its stdout.
sub sandboxd_cmd {
    my ($self, $args, %opt) = @_;
    my $bin = $self->sandboxd_bin;
    -x $bin or die "$bin is missing: run `make` first\n";
    return $self->_run([$bin, '-c', $self->path('admin.conf'), @$args], %opt);
}

# Our own child counts even before it has exec'd sandboxd (its command line
# is still perl's then), so a failed start-up still stops it.
sub sandboxd_pid {
    my ($self) = @_;
    return $self->{sandboxd_child} if $self->{sandboxd_child} && alive($self->{sandboxd_child});
    return live_pid($self->path('run', 'sandboxd.pid'), 'sandboxd');
}

sub _start_sandboxd {
    my ($self) = @_;
    return if $self->sandboxd_pid;
    my $pid = spawn_daemon([$self->sandboxd_bin, '-c', $self->path('sandboxd.conf'), 'serve'],
                           $self->path('log', 'sandboxd.out'));
    $self->{sandboxd_child} = $pid;
    write_file($self->path('run', 'sandboxd.pid'), "$pid\n", 0644);
    # Up once it has registered as a worker.
    poll_until("sandboxd (pid $pid) to register in coderun.workers", sub {
        alive($pid) or die "sandboxd exited during start-up:\n" . $self->log_tail('sandboxd.out', 5);
        return $self->psql("SELECT count(*) FROM coderun.workers WHERE pid = $pid") > 0;
    });
}

sub _stop_sandboxd {
    my ($self) = @_;
    my $pid = $self->sandboxd_pid or return;
    kill 'TERM', $pid;
    stop_or_kill($pid, 'sandboxd');
    unlink $self->path('run', 'sandboxd.pid');
}

# Each slot's job dir is a tmpfs sandboxd unmounts when it stops; one
# killed with -9 (as the queue tests do to workers) leaves them mounted.
sub _unmount_slots {
    my ($self) = @_;
    open my $fh, '<', '/proc/mounts' or return;
    my @mounts = grep { index($_, "$self->{dir}/") == 0 } map { (split ' ')[1] } <$fh>;
    system('umount', '-l', $_) for reverse @mounts;
}

# --------------------------------------------------------------------- API keys

sub token {
    my ($self) = @_;
    my $file = $self->path('secrets', 'api_token');
    return undef unless -e $file;
    my $token = slurp($file);
    chomp $token;
    return $token;
}

# add_key(NAME) -> token of a new key made by `sandboxd key add NAME`.
sub add_key {
    my ($self, $name) = @_;
    my $token = $self->sandboxd_cmd(['key', 'add', $name]);
    chomp $token;
    $token =~ /^\S+$/ or die "sandboxd key add $name printed '$token', not a token\n";
    return $token;
}

sub revoke_key {
    my ($self, $name) = @_;
    $self->sandboxd_cmd(['key', 'revoke', $name]);
}

sub key_active {
    my ($self, $token) = @_;
    return $self->psql(<<'SQL', token => $token) eq '1';
SELECT count(*) FROM coderun.api_keys
 WHERE revoked_at IS NULL AND digest = sha256(convert_to(:'token', 'UTF8'));
SQL
}

# The stack's own key, named "default": $API_TOKEN (api_token option) when
# given, else the token kept from an earlier `up`, else a new one.
sub _ensure_api_key {
    my ($self) = @_;
    my $want = $self->{api_token} // $self->token;
    unless (defined $want && $self->key_active($want)) {
        $self->sandboxd_cmd(['key', 'revoke', 'default'], may_fail => 1);
        if (defined $want) {
            $self->sandboxd_cmd(['key', 'add', 'default', '--token-stdin'], input => "$want\n");
        } else {
            $want = $self->add_key('default');
        }
    }
    write_file($self->path('secrets', 'api_token'), "$want\n", 0600) if ($self->token // '') ne $want;
}

# ------------------------------------------------------------------------ httpd

sub http_port { $_[0]{state}{http_port} }
sub url { my ($self, $path) = @_; "http://127.0.0.1:$self->{state}{http_port}" . ($self->{prefix} // '') . ($path // '') }

sub httpd_pid {
    my ($self) = @_;
    return live_pid($self->path('run', 'httpd.pid'), 'apache2');
}

sub httpd_sample { $_[0]{httpd_sample} // "$ROOT/httpd.conf.sample" }
sub module_path  { "$BUILD/mod_coderun.so" }
sub swagger_dir  { $_[0]{swagger_dir} // "$ROOT/build/npm/node_modules/swagger-ui-dist" }    # see make deps
sub chartjs_dir  { "$ROOT/build/npm/node_modules/chart.js/dist" }

# The value of a directive in the generated coderun.conf (first occurrence),
# e.g. directive('CoderunMaxBodySize'); undef when it is not set there.
sub directive {
    my ($self, $name) = @_;
    my ($value) = slurp($self->path('coderun.conf')) =~ /^\s*\Q$name\E\s+"?([^"\n]*?)"?\s*$/mi;
    return $value;
}

sub _write_httpd_conf {
    my ($self) = @_;
    my $sample = $self->httpd_sample;
    -e $sample or die "$sample is missing\n";
    -e $self->module_path or die "${\ $self->module_path} is missing: run `make` first\n";
    my %placeholder = (MODULE => $self->module_path, DBD_PARAMS => $self->conninfo('httpd'),
                       SHARE_DIR => "$ROOT/mod_coderun", SWAGGER_DIR => $self->swagger_dir,
                       CHARTJS_DIR => $self->chartjs_dir);
    my $fragment = slurp($sample);
    $fragment =~ s{\@([A-Z_]+)\@}{$placeholder{$1} // "\@$1\@"}ge;
    if (my $prefix = $self->{prefix}) {    # every URL path of the sample moves under it
        $fragment =~ s{^(\s*(?:<Location|Alias)\s+")/}{$1$prefix/}mg;
        $fragment =~ s{^(\s*(?:<LocationMatch|AliasMatch)\s+"\^)/}{$1$prefix/}mg;
        $fragment =~ s{^(\s*RedirectMatch\s+\d+\s+"\^)/(.*?"\s+")/}{$1$prefix/$2$prefix/}mg;
    }
    my @unknown = $fragment =~ /^[^#\n]*\@([A-Z_]+)\@/mg;
    die "$sample: unknown placeholder @unknown\n" if @unknown;
    # Holds the database password: root only (httpd reads it before setuid).
    write_file($self->path('coderun.conf'), $fragment, 0600);

    my $d = $self->{dir};
    my $modules = join '', map { "LoadModule ${_}_module $HTTPD_MODULES/mod_$_.so\n" } @HTTPD_MODULES;
    write_file($self->path('httpd.conf'), <<"CONF", 0644);
# generated by t/lib/Coderun/Stack.pm: a standalone httpd around coderun.conf
# (httpd.conf.sample with its placeholders filled in).
ServerRoot $d
ServerName 127.0.0.1
Listen 127.0.0.1:$self->{state}{http_port}
PidFile $d/run/httpd.pid
ErrorLog $d/log/httpd_error.log
LogLevel warn
DefaultRuntimeDir $d/run
Mutex file:$d/run default
User www-data
Group www-data
# MPM and pool sizes: coderun.conf's (httpd.conf.sample's), which fit
# PostgreSQL's max_connections (200).
$modules
TypesConfig /etc/mime.types
DocumentRoot $d/www

# As in Debian's apache2.conf: nothing on disk is served unless allowed.
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $d/www>
    Require all granted
</Directory>

Include $d/coderun.conf
CONF
}

sub _start_httpd {
    my ($self) = @_;
    return if $self->httpd_pid;
    $self->_write_httpd_conf;
    my $pidfile = $self->path('run', 'httpd.pid');    # written once httpd has detached
    unlink $pidfile;    # a stale one must not be taken for the new httpd
    $self->_run([$HTTPD, '-f', $self->path('httpd.conf'), '-k', 'start']);
    # Up once it answers HTTP (any status: /health is 503 until a worker beats).
    my $http = HTTP::Tiny->new(timeout => 2);
    poll_until("httpd to answer on ${\ $self->url} (see $self->{dir}/log/httpd_error.log)", sub {
        die "httpd exited during start-up:\n" . $self->log_tail('httpd_error.log', 5)
            if -e $pidfile && !$self->httpd_pid;
        return $http->get($self->url('/health'))->{status} != 599;
    });
}

sub _stop_httpd {
    my ($self) = @_;
    my $pid = $self->httpd_pid or return;
    $self->_run([$HTTPD, '-f', $self->path('httpd.conf'), '-k', 'stop'], may_fail => 1);
    stop_or_kill($pid, 'httpd');
}

# ------------------------------------------------------------------ HTTP client

sub http { $_[0]{http} //= HTTP::Tiny->new(timeout => 45, agent => 'coderun-harness/1') }

# request(METHOD, PATH, %opt) -> HTTP::Tiny response plus {json} (the decoded
# body, or undef) and {method}. Options: json => DATA (sent as application/json),
# content => RAW, headers => {...}, key => TOKEN (default: the stack's
# token; undef: no key), bearer => 1 (send the key as Authorization: Bearer).
sub request {
    my ($self, $method, $path, %opt) = @_;
    my %headers = %{ $opt{headers} // {} };
    my $key = exists $opt{key} ? $opt{key} : $self->token;
    if (defined $key) {
        if ($opt{bearer}) { $headers{authorization} = "Bearer $key" }
        else              { $headers{'x-api-key'} = $key }
    }
    my %args = (headers => \%headers);
    if (exists $opt{json}) {
        $args{content} = $JSON->encode($opt{json});
        $headers{'content-type'} //= 'application/json';
    } elsif (defined $opt{content}) {
        $args{content} = $opt{content};
    }
    my $res = $self->http->request($method, $self->url($path), \%args);
    $res->{json} = eval { $JSON->decode($res->{content}) } if length($res->{content} // '');
    $res->{method} = $method;
    return $res;
}

sub post_json { my ($self, $path, $data, %opt) = @_; $self->request('POST', $path, json => $data, %opt) }
sub get_json  { my ($self, $path, %opt) = @_; $self->request('GET', $path, %opt) }

# wait_result(ID, [timeout => S], [prefix => '/result/'], %request_options):
# GETs the result with ?wait= until the job is finished or failed (or the
# answer is not 200); dies after the deadline.
sub wait_result {
    my ($self, $id, %opt) = @_;
    my $deadline = time + (delete $opt{timeout} // 60);
    my $prefix = delete $opt{prefix} // '/result/';
    while (1) {
        my $asked = time;
        my $wait = int($deadline - $asked);
        $wait = 30 if $wait > 30;
        $wait = 1 if $wait < 1;
        my $res = $self->get_json("$prefix$id?wait=$wait", %opt);
        my $status = ref $res->{json} eq 'HASH' ? $res->{json}{status} // '' : '';
        return $res if $res->{status} != 200 || $status eq 'finished' || $status eq 'failed';
        die "job $id still '$status' after the deadline\n" if time >= $deadline;
        sleep $POLL_S if time - $asked < $POLL_S;    # the server did not long-poll
    }
}

# ------------------------------------------------------------- process helpers

# _run(\@cmd, [user => NAME], [input => STDIN], [env => {...}], [may_fail => 1])
# List context: (exit status, stdout, stderr); scalar context: stdout.
# Dies with stderr when the command fails, unless may_fail.
sub _run {
    my ($self, $cmd, %opt) = @_;
    my $in  = File::Temp->new;
    my $out = File::Temp->new;
    my $err = File::Temp->new;
    print {$in} $opt{input} // '';
    close $in;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        eval {
            open STDIN,  '<',  $in->filename or die "stdin: $!";
            open STDOUT, '>&', $out or die "stdout: $!";
            open STDERR, '>&', $err or die "stderr: $!";
            @ENV{ keys %{ $opt{env} // {} } } = values %{ $opt{env} // {} };
            if ($opt{user}) {
                chdir $self->{dir} or die "chdir: $!";
                become($opt{user});
            }
            exec { $cmd->[0] } @$cmd or die "exec $cmd->[0]: $!";
        };
        print STDERR $@;
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    my $status = $?;
    my ($stdout, $stderr) = (slurp($out->filename), slurp($err->filename));
    die "`@$cmd` failed (status $status): $stderr$stdout\n" if $status && !$opt{may_fail};
    return wantarray ? ($status, $stdout, $stderr) : $stdout;
}

sub become {
    my ($user) = @_;
    my ($uid, $gid, $home) = (getpwnam $user)[2, 3, 7];
    defined $uid or die "no user $user";
    $) = "$gid $gid";    # also drops root's supplementary groups
    POSIX::setgid($gid) or die "setgid: $!";
    POSIX::setuid($uid) or die "setuid: $!";
    $< == $uid && $> == $uid or die "could not become $user";
    @ENV{qw(HOME USER LOGNAME)} = ($home, $user, $user);
}

# Forks CMD in its own session with stdin from /dev/null and stdout and
# stderr appended to LOG; returns its pid.
sub spawn_daemon {
    my ($cmd, $log) = @_;
    my $pid = fork // die "fork: $!\n";
    return $pid if $pid;
    eval {
        POSIX::setsid();
        open STDIN,  '<',  '/dev/null' or die "stdin: $!";
        open STDOUT, '>>', $log or die "$log: $!";
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        exec { $cmd->[0] } @$cmd or die "exec $cmd->[0]: $!";
    };
    print STDERR $@;
    POSIX::_exit(127);
}

# The pid in PIDFILE if that process is alive and its command mentions NAME.
sub live_pid {
    my ($pidfile, $name) = @_;
    return 0 unless -e $pidfile;
    my ($pid) = slurp($pidfile) =~ /(\d+)/ or return 0;
    return 0 unless alive($pid);
    my $cmdline = eval { slurp("/proc/$pid/cmdline") } // '';
    return index($cmdline, $name) >= 0 ? $pid : 0;
}

# True while PID runs (a zombie is not running; our own children are reaped).
sub alive {
    my ($pid) = @_;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my ($state) = (<$fh> // '') =~ /\)\s+(\S)/;
    return defined $state && $state ne 'Z' && $state ne 'X';
}

# Waits for PID (already asked to stop) to exit; SIGKILL after the deadline.
sub stop_or_kill {
    my ($pid, $what) = @_;
    return if eval { poll_until("$what (pid $pid) to exit", sub { !alive($pid) }, $SHUTDOWN_S); 1 };
    warn "$what (pid $pid) did not stop within ${SHUTDOWN_S}s: killing it\n";
    kill 'KILL', $pid;
    poll_until("$what (pid $pid) to die after SIGKILL", sub { !alive($pid) }, 5);
}

# Calls CHECK every $POLL_S seconds until it returns true; dies after the
# deadline (default $STARTUP_S) naming WHAT.
sub poll_until {
    my ($what, $check, $timeout) = @_;
    my $deadline = time + ($timeout // $STARTUP_S);
    until ($check->()) {
        die "timed out waiting for $what\n" if time >= $deadline;
        sleep $POLL_S;
    }
    return 1;
}

# --------------------------------------------------------------- small helpers

sub free_port {
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1, ReuseAddr => 1)
        or die "no free port: $@\n";
    return $sock->sockport;
}

sub port_answers {
    my ($port) = @_;
    return !!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 2);
}

sub cpu_count {
    my $n = () = slurp('/proc/cpuinfo') =~ /^processor\s*:/mg;
    return $n || 1;
}

# secret(NAME): DIR/secrets/NAME, made on first use (random hex, mode 0600).
sub secret {
    my ($self, $name) = @_;
    my $file = $self->path('secrets', $name);
    unless (-e $file) {
        make_path($self->path('secrets'));
        chmod 0700, $self->path('secrets');
        open my $rnd, '<:raw', '/dev/urandom' or die "/dev/urandom: $!\n";
        read($rnd, my $bytes, 24) == 24 or die "/dev/urandom: short read\n";
        write_file($file, unpack('H*', $bytes) . "\n", 0600);
    }
    my $value = slurp($file);
    chomp $value;
    return $value;
}

sub chown_to {
    my ($user, @paths) = @_;
    my ($uid, $gid) = (getpwnam $user)[2, 3];
    defined $uid or die "no user '$user' (is PostgreSQL installed? run `make deps`)\n";
    chown $uid, $gid, @paths or die "chown $user @paths: $!\n";
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    return scalar(<$fh>) // '';
}

# Writes FILE with MODE from the start (never briefly readable by others).
sub write_file {
    my ($file, $content, $mode) = @_;
    unlink $file;
    sysopen(my $fh, $file, POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_EXCL(), $mode)
        or die "$file: $!\n";
    chmod $mode, $file;    # sysopen's mode is filtered by the umask
    print {$fh} $content or die "$file: $!\n";
    close $fh or die "$file: $!\n";
}

sub append_file {
    my ($file, $content) = @_;
    open my $fh, '>>', $file or die "$file: $!\n";
    print {$fh} $content;
    close $fh or die "$file: $!\n";
}

1;
