/* config: sandboxd settings from `key = value` lines, with defaults. */
#include "worker/config.h"
#include "common/text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The Makefile passes the repo's sql dir; languages.conf sits beside it. */
#ifndef SQL_DIR
#define SQL_DIR "/usr/local/share/coderun/sql"
#endif
#ifndef LANGUAGES_FILE
#define LANGUAGES_FILE SQL_DIR "/../languages.conf"
#endif

static void replace(char **slot, const char *value)
{
    free(*slot);
    *slot = strdup(value);
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    replace(&c->database, "");
    replace(&c->languages, LANGUAGES_FILE);
    replace(&c->sql_dir, SQL_DIR);
    replace(&c->log_dir, "/var/log/coderun");
    replace(&c->box_dir, "/var/lib/coderun/box");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->slots = n > 0 ? (unsigned)n : 1;
    c->poll_ms = 1000;
    c->lease_s = 30;
    c->max_attempts = 3;
    c->stop_grace_s = 30;
    c->uid_base = 64000;
    c->disk_mb = 256;
    c->job_output_mb = 64;
    c->retention_days = 0;    /* keep forever: deleting data is the operator's choice */
}

static int parse_unsigned(const char *s, unsigned min, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < min || v > UINT_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int config_set(struct config *c, const char *key, const char *value,
               char *err, size_t errlen)
{
    static const struct { const char *key; size_t off; } strings[] = {
        {"database", offsetof(struct config, database)},
        {"languages", offsetof(struct config, languages)},
        {"sql_dir", offsetof(struct config, sql_dir)},
        {"log_dir", offsetof(struct config, log_dir)},
        {"box_dir", offsetof(struct config, box_dir)},
    };
    static const struct { const char *key; size_t off; unsigned min; } numbers[] = {
        {"slots", offsetof(struct config, slots), 1},
        {"poll_ms", offsetof(struct config, poll_ms), 10},
        {"lease_s", offsetof(struct config, lease_s), 3},
        {"max_attempts", offsetof(struct config, max_attempts), 1},
        {"stop_grace_s", offsetof(struct config, stop_grace_s), 0},
        {"uid_base", offsetof(struct config, uid_base), 1},
        {"disk_mb", offsetof(struct config, disk_mb), 1},
        {"job_output_mb", offsetof(struct config, job_output_mb), 1},
        {"retention_days", offsetof(struct config, retention_days), 0},
    };
    if (strcmp(key, "allow_degraded") == 0) {
        if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
            c->allow_degraded = strcmp(value, "yes") == 0;
            return 0;
        }
        snprintf(err, errlen, "allow_degraded: expected yes or no, got '%s'", value);
        return -1;
    }
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (strcmp(key, strings[i].key) == 0) {
            replace((char **)((char *)c + strings[i].off), value);
            return 0;
        }
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if (strcmp(key, numbers[i].key) == 0) {
            if (parse_unsigned(value, numbers[i].min,
                               (unsigned *)((char *)c + numbers[i].off)) == 0)
                return 0;
            snprintf(err, errlen, "%s: expected a whole number >= %u, got '%s'",
                     key, numbers[i].min, value);
            return -1;
        }
    snprintf(err, errlen, "unknown key '%s'", key);
    return -1;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    char *text = text_read_file(path, NULL);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int lineno = 0, rc = 0;
    char *save = NULL, msg[200];
    for (char *line = text; line && rc == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        /* Only whole-line comments: a conninfo password may contain '#'. */
        char *key, *value, *t = text_trim(line);
        if (!*t || *t == '#')
            continue;
        if (text_split_kv(t, &key, &value) != 0) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
        } else if (config_set(c, key, value, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            rc = -1;
        }
    }
    free(text);
    if (rc == 0) {
        free(c->path);
        c->path = strdup(path);
    }
    return rc;
}

void config_free(struct config *c)
{
    free(c->database);
    free(c->languages);
    free(c->sql_dir);
    free(c->log_dir);
    free(c->box_dir);
    free(c->path);
    memset(c, 0, sizeof *c);
}
