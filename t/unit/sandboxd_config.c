/* config: defaults, key parsing, file errors with line numbers. */
#include "worker/config.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *write_temp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/sandboxd_config_XXXXXX");    /* mkstemp fills in the X's */
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

int main(void)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    is_int(c.poll_ms, 1000, "poll_ms default");
    is_int(c.lease_s, 30, "lease_s default");
    is_int(c.max_attempts, 3, "max_attempts default");
    is_int(c.uid_base, 64000, "uid_base default");
    ok(c.slots >= 1, "slots default is nproc");
    is_str(c.box_dir, "/var/lib/coderun/box", "box_dir default");
    ok(strstr(c.languages, "languages.conf") != NULL, "languages default");

    is_int(config_set(&c, "slots", "4", err, sizeof err), 0, "slots = 4");
    is_int(c.slots, 4, "slots set");
    is_int(config_set(&c, "slots", "0", err, sizeof err), -1, "slots = 0 rejected");
    is_int(config_set(&c, "poll_ms", "12x", err, sizeof err), -1, "trailing junk rejected");
    is_int(config_set(&c, "lease_s", "-5", err, sizeof err), -1, "negative rejected");
    is_int(config_set(&c, "colour", "red", err, sizeof err), -1, "unknown key rejected");
    is_str(err, "unknown key 'colour'", "unknown key message");
    ok(!c.allow_degraded, "allow_degraded default: no");
    is_int(config_set(&c, "allow_degraded", "yes", err, sizeof err), 0, "allow_degraded = yes");
    ok(c.allow_degraded, "allow_degraded set");
    is_int(config_set(&c, "allow_degraded", "maybe", err, sizeof err), -1, "allow_degraded = maybe rejected");
    is_str(err, "allow_degraded: expected yes or no, got 'maybe'", "allow_degraded message");

    const char *path = write_temp(
        "# comment\n\n"
        "database = host=/tmp port=5 password=a#b\n"
        "  log_dir=/tmp/logs  \n"
        "lease_s = 9\n");
    is_int(config_load(&c, path, err, sizeof err), 0, "file loads");
    is_str(c.database, "host=/tmp port=5 password=a#b", "a '#' inside a value is kept");
    is_str(c.log_dir, "/tmp/logs", "blanks trimmed");
    is_int(c.lease_s, 9, "number from file");
    unlink(path);

    path = write_temp("slots = 2\nthis is not a pair\n");
    is_int(config_load(&c, path, err, sizeof err), -1, "bad line rejected");
    ok(strstr(err, ":2: expected 'key = value'") != NULL, "error names the line");
    unlink(path);

    is_int(config_load(&c, "/nonexistent/sandboxd.conf", err, sizeof err), -1, "missing file");
    config_free(&c);
    return done_testing();
}
