/* key_settings: a key's own limits, languages, daily CPU budget and expiry
 * (issue 24), from the options of `sandboxd key add|set`. */
#ifndef CODERUN_KEY_SETTINGS_H
#define CODERUN_KEY_SETTINGS_H

#include <libpq-fe.h>
#include <stddef.h>

#define KEY_SETTINGS_MAX 8

struct key_setting {
    const char *column, *type;
    const char *value;        /* NULL: back to the server's default */
};

struct key_settings {
    struct key_setting set[KEY_SETTINGS_MAX];
    int n;
};

/* Reads `--option value` pairs of argv into out, each option once.
 * 0, or -1 with err naming the option or value at fault. */
int key_settings_parse(int argc, char **argv, struct key_settings *out,
                       char *err, size_t errlen);

/* Applies s to the active key NAME: 0, 1 when there is none, -1 on error. */
int key_settings_apply(PGconn *conn, const char *name, const struct key_settings *s,
                       char *err, size_t errlen);

#endif
