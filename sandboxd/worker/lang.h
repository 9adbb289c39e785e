/* lang: the language table from languages.conf (no rebuild to add one). */
#ifndef CODERUN_LANG_H
#define CODERUN_LANG_H

#include <stddef.h>

struct language {
    char *name;
    char *source;            /* file the code is written to, e.g. main.py */
    char *compile;           /* NULL when interpreted */
    char *run;
    char *version;           /* command whose output names the version */
    char *template;          /* function-mode wrapper with {{code}}; NULL: none */
    char *problem_template;  /* problem mode: runs {{code}}, evaluates stdin */
    /* Function mode's warm start (all three or none): a server program,
     * written to warm_source next to the wrapped code and run once per job
     * with warm_run, that forks a child per input (see box_warm_*). */
    char *warm, *warm_source, *warm_run;
    char **binds;            /* extra read-only host paths, NULL-terminated */
    char **requires;         /* host paths the toolchain needs (lang_load) */
    unsigned compile_time_ms;
    unsigned compile_memory_mb;
    char *version_text;      /* filled by lang_probe_versions */
};

/* Shared by the slots; a SIGHUP reload swaps in a new table while running
 * jobs keep the one they started with (reference counted). */
struct lang_table {
    struct language *v;
    size_t n;
    int refs;
};

/* Parse the text of a languages.conf. NULL with err (file:line: why). */
struct lang_table *lang_parse(const char *text, const char *origin,
                              char *err, size_t errlen);
/* Parse the file and leave out (logging each once) the languages whose
 * toolchain is not installed: a command's program, `requires` or `binds`
 * missing on this host. NULL also when none is left. */
struct lang_table *lang_load(const char *path, char *err, size_t errlen);

struct lang_table *lang_hold(struct lang_table *t);
void lang_release(struct lang_table *t);

const struct language *lang_find(const struct lang_table *t, const char *name);

/* The language whose source file has the same extension as path. */
const struct language *lang_for_file(const struct lang_table *t, const char *path);

/* The template with the code in place of {{code}}: every code line gets the
 * text that precedes {{code}} on its line (the indentation). malloc'd. */
char *lang_wrap(const char *template, const char *code);

/* First dotted number (e.g. 3.11.2) of the first line of output, else the
 * whole first line. malloc'd. */
char *lang_version_from_output(const char *output);

/* Run each version command (trusted: it comes from the config) on the host. */
void lang_probe_versions(struct lang_table *t);

#endif
