/* key_settings: `--option value` pairs into one UPDATE of coderun.api_keys. */
#include "cli/key_settings.h"
#include "worker/db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum value_kind { COUNT, POSITIVE, SECONDS, LANGUAGES, TIMESTAMP };

static const struct option {
    const char *name, *column, *type;
    enum value_kind kind;
    const char *none;         /* the word that sets NULL (the server's default) */
} options[] = {
    {"--max-unfinished", "max_unfinished", "integer", COUNT, "default"},
    {"--max-time-ms", "max_time_ms", "integer", POSITIVE, "default"},
    {"--max-memory-mb", "max_memory_mb", "integer", POSITIVE, "default"},
    {"--max-output-kb", "max_output_kb", "integer", POSITIVE, "default"},
    {"--max-inputs", "max_inputs", "integer", POSITIVE, "default"},
    {"--languages", "languages", "text[]", LANGUAGES, "all"},
    {"--daily-cpu-seconds", "daily_cpu_seconds", "double precision", SECONDS, "default"},
    {"--expires", "expires_at", "timestamptz", TIMESTAMP, "never"},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static bool is_number(const char *v, bool fraction, bool zero_ok)
{
    char *end;
    double d = fraction ? strtod(v, &end) : (double)strtol(v, &end, 10);
    return *v && !*end && d >= 0 && (zero_ok || d > 0) && d <= 1e9;
}

/* "python,c" -> "{python,c}"; names as the language table has them. The
 * option may be given once, so one buffer does. */
static const char *language_array(const char *v)
{
    static char array[512];
    size_t n = strlen(v);
    if (n == 0 || n + 3 > sizeof array ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_+.-,") != n ||
        v[0] == ',' || v[n - 1] == ',' || strstr(v, ",,"))
        return NULL;
    snprintf(array, sizeof array, "{%s}", v);
    return array;
}

static const char *parse_value(const struct option *o, const char *v)
{
    switch (o->kind) {
    case COUNT:
    case POSITIVE:
        return is_number(v, false, o->kind == COUNT) ? v : NULL;
    case SECONDS:
        return is_number(v, true, true) ? v : NULL;
    case LANGUAGES:
        return language_array(v);
    case TIMESTAMP:
        return v;             /* PostgreSQL parses it, and says what is wrong */
    }
    return NULL;
}

static const struct option *find_option(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

int key_settings_parse(int argc, char **argv, struct key_settings *out,
                       char *err, size_t errlen)
{
    out->n = 0;
    for (int i = 0; i < argc; i += 2) {
        const struct option *o = find_option(argv[i]);
        if (!o || i + 1 >= argc) {
            snprintf(err, errlen, o ? "%s needs a value" : "unknown option %s", argv[i]);
            return -1;
        }
        for (int j = 0; j < out->n; j++)
            if (out->set[j].column == o->column) {
                snprintf(err, errlen, "%s given twice", o->name);
                return -1;
            }
        struct key_setting *s = &out->set[out->n++];
        s->column = o->column;
        s->type = o->type;
        s->value = NULL;
        if (strcmp(argv[i + 1], o->none) != 0 && !(s->value = parse_value(o, argv[i + 1]))) {
            snprintf(err, errlen, "%s: '%s' is not a valid value", o->name, argv[i + 1]);
            return -1;
        }
    }
    return 0;
}

int key_settings_apply(PGconn *conn, const char *name, const struct key_settings *s,
                       char *err, size_t errlen)
{
    char sql[1024];
    const char *params[KEY_SETTINGS_MAX + 1] = {name};
    size_t len = (size_t)snprintf(sql, sizeof sql, "UPDATE coderun.api_keys SET name = name");

    /* Columns and types come from the table above, never from argv. */
    for (int i = 0; i < s->n; i++) {
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", %s = $%d::%s",
                                s->set[i].column, i + 2, s->set[i].type);
        params[i + 1] = s->set[i].value;
    }
    snprintf(sql + len, sizeof sql - len, " WHERE name = $1 AND revoked_at IS NULL");
    PGresult *res = db_query(conn, sql, s->n + 1, params, err, errlen);
    if (!res)
        return -1;
    long n = db_affected(res);
    PQclear(res);
    return n > 0 ? 0 : 1;
}
