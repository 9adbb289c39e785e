/* lang: the language table from languages.conf (no rebuild to add one). */
#include "worker/lang.h"
#include "worker/log.h"
#include "box/mount.h"
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void language_free(struct language *l)
{
    free(l->name);
    free(l->source);
    free(l->compile);
    free(l->run);
    free(l->version);
    free(l->template);
    free(l->problem_template);
    free(l->warm);
    free(l->warm_source);
    free(l->warm_run);
    text_free_argv(l->binds);
    text_free_argv(l->requires);
    free(l->version_text);
}

static void table_free(struct lang_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        language_free(&t->v[i]);
    free(t->v);
    free(t);
}

struct lang_table *lang_hold(struct lang_table *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_ACQ_REL);
    return t;
}

void lang_release(struct lang_table *t)
{
    if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
        table_free(t);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !strchr("_+-", *s))
            return 0;
    return 1;
}

/* The box mounts its own /tmp, /proc, /dev and work dir after the binds: a
 * bind there would be hidden, so it is refused rather than silently lost. */
static bool bind_is_visible(const char *path)
{
    static const char *const hidden[] = {"/tmp", "/proc", "/dev", MOUNT_WORK_DIR};
    if (path[0] != '/')
        return false;
    for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++) {
        size_t n = strlen(hidden[i]);
        if (strncmp(path, hidden[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return false;
    }
    return true;
}

#define BAD_BINDS (-2)
#define BAD_REQUIRES (-3)

static int set_key(struct language *l, const char *key, const char *value)
{
    static const struct { const char *key; size_t off; } strings[] = {
        {"source", offsetof(struct language, source)},
        {"compile", offsetof(struct language, compile)},
        {"run", offsetof(struct language, run)},
        {"version", offsetof(struct language, version)},
        {"template", offsetof(struct language, template)},
        {"problem_template", offsetof(struct language, problem_template)},
        {"warm", offsetof(struct language, warm)},
        {"warm_source", offsetof(struct language, warm_source)},
        {"warm_run", offsetof(struct language, warm_run)},
    };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (strcmp(key, strings[i].key) == 0) {
            char **slot = (char **)((char *)l + strings[i].off);
            free(*slot);
            /* An empty value means "none" (e.g. no compile step). */
            *slot = *value ? strdup(value) : NULL;
            return 0;
        }
    if (strcmp(key, "binds") == 0) {
        text_free_argv(l->binds);
        l->binds = text_split_words(value);
        for (char **path = l->binds; path && *path; path++)
            if (!bind_is_visible(*path))
                return BAD_BINDS;
        return 0;
    }
    if (strcmp(key, "requires") == 0) {
        text_free_argv(l->requires);
        l->requires = text_split_words(value);
        for (char **path = l->requires; path && *path; path++)
            if (**path != '/')
                return BAD_REQUIRES;
        return 0;
    }
    unsigned *num = strcmp(key, "compile_time_ms") == 0 ? &l->compile_time_ms
                  : strcmp(key, "compile_memory_mb") == 0 ? &l->compile_memory_mb : NULL;
    if (!num)
        return -1;
    char *end;
    unsigned long v = strtoul(value, &end, 10);
    if (end == value || *end || v == 0 || v > 1000000)
        return -1;
    *num = (unsigned)v;
    return 0;
}

static const char *set_key_error(int rc)
{
    if (rc == BAD_BINDS)
        return "binds must be absolute paths outside /tmp, /proc, /dev and " MOUNT_WORK_DIR
               " (the box mounts its own there)";
    if (rc == BAD_REQUIRES)
        return "requires must be absolute paths";
    return rc ? "unknown key or bad value" : NULL;
}

static struct language *add_language(struct lang_table *t, const char *name)
{
    struct language *bigger = realloc(t->v, (t->n + 1) * sizeof *t->v);
    if (!bigger)
        return NULL;
    t->v = bigger;
    struct language *l = &t->v[t->n++];
    memset(l, 0, sizeof *l);
    l->name = strdup(name);
    l->compile_time_ms = 10000;
    l->compile_memory_mb = 512;
    return l;
}

/* The end tag alone on its line, blanks around it allowed. */
static int is_tag_line(const char *line, const char *tag)
{
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strlen(tag);
    if (strncmp(line, tag, n) != 0)
        return 0;
    for (line += n; *line; line++)
        if (!isspace((unsigned char)*line))
            return 0;
    return 1;
}

/* Reads the heredoc body after `key <<TAG` up to the line TAG.
 * Advances *cursor and *lineno; NULL when TAG never comes. */
static char *read_heredoc(char **cursor, int *lineno, const char *tag)
{
    size_t cap = 256, n = 0;
    char *body = malloc(cap);
    if (!body)
        return NULL;
    while (*cursor) {
        char *line = *cursor, *nl = strchr(line, '\n');
        *cursor = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        ++*lineno;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (is_tag_line(line, tag)) {
            body[n] = '\0';
            return body;
        }
        if (n + len + 2 > cap) {
            while (n + len + 2 > cap)
                cap *= 2;
            char *bigger = realloc(body, cap);
            if (!bigger)
                break;
            body = bigger;
        }
        memcpy(body + n, line, len);
        n += len;
        body[n++] = '\n';
    }
    free(body);
    return NULL;
}

/* One line of the file; a heredoc consumes the lines after it. */
static const char *parse_line(struct lang_table *t, char *line, char **cursor,
                              int *lineno)
{
    char *s = text_trim(line);
    if (!*s || *s == '#')
        return NULL;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end || end[1])
            return "expected [name]";
        *end = '\0';
        if (!valid_name(s + 1))
            return "language names are lowercase letters, digits, _ + -";
        if (lang_find(t, s + 1))
            return "language defined twice";
        return add_language(t, s + 1) ? NULL : "out of memory";
    }
    if (t->n == 0)
        return "key outside a [language] section";
    struct language *l = &t->v[t->n - 1];
    char *heredoc = strstr(s, "<<");
    if (heredoc && !strchr(s, '=')) {
        *heredoc = '\0';
        char *tag = text_trim(heredoc + 2), *key = text_trim(s);
        if (!*tag)
            return "heredoc without an end tag";
        char *body = read_heredoc(cursor, lineno, tag);
        if (!body)
            return "heredoc not closed";
        int rc = set_key(l, key, body);
        free(body);
        return set_key_error(rc);
    }
    char *key, *value;
    if (text_split_kv(s, &key, &value) != 0)
        return "expected 'key = value' or 'key <<END'";
    return set_key_error(set_key(l, key, value));
}

static const char *check_table(const struct lang_table *t, const char **which)
{
    for (size_t i = 0; i < t->n; i++) {
        *which = t->v[i].name;
        if (!t->v[i].source || !t->v[i].run)
            return "needs source and run";
        if (strchr(t->v[i].source, '/'))
            return "source must be a plain file name";
        if ((t->v[i].template && !strstr(t->v[i].template, "{{code}}"))
            || (t->v[i].problem_template && !strstr(t->v[i].problem_template, "{{code}}")))
            return "template has no {{code}}";
        const struct language *l = &t->v[i];
        if (!l->warm != !l->warm_source || !l->warm != !l->warm_run)
            return "warm, warm_source and warm_run go together";
        if (l->warm && (!l->template || strchr(l->warm_source, '/')
                        || strcmp(l->warm_source, l->source) == 0))
            return "warm needs a template and its own plain warm_source file name";
    }
    return t->n ? NULL : "no languages";
}

struct lang_table *lang_parse(const char *text, const char *origin,
                              char *err, size_t errlen)
{
    struct lang_table *t = calloc(1, sizeof *t);
    char *copy = strdup(text);
    if (!t || !copy) {
        free(t);
        free(copy);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->refs = 1;
    int lineno = 0;
    const char *why = NULL;
    for (char *cursor = copy; cursor && !why;) {
        char *line = cursor, *nl = strchr(line, '\n');
        cursor = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        int at = lineno;
        why = parse_line(t, line, &cursor, &lineno);
        if (why)
            snprintf(err, errlen, "%s:%d: %s", origin, at, why);
    }
    free(copy);
    const char *which = NULL;
    if (!why && (why = check_table(t, &which)))
        snprintf(err, errlen, "%s: %s%s%s", origin, which ? which : "",
                 which ? ": " : "", why);
    if (why) {
        table_free(t);
        return NULL;
    }
    return t;
}

/* Copies to out the host path of the language's toolchain that is not
 * there: each command's program (one inside the box's work dir is built by
 * the compile step), then `requires` and `binds`. false: all there. */
static bool find_missing(const struct language *l, char *out, size_t outlen)
{
    const char *const commands[] = {l->compile, l->run, l->warm_run};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        char **argv = commands[i] ? text_split_words(commands[i]) : NULL;
        const char *program = argv ? argv[0] : NULL;
        bool missing = program && strncmp(program, MOUNT_WORK_DIR "/", strlen(MOUNT_WORK_DIR) + 1) != 0
                       && access(program, X_OK) != 0;
        if (missing)
            snprintf(out, outlen, "%s", program);
        text_free_argv(argv);
        if (missing)
            return true;
    }
    char **const lists[] = {l->requires, l->binds};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        for (char **path = lists[i]; path && *path; path++)
            if (access(*path, F_OK) != 0) {
                snprintf(out, outlen, "%s", *path);
                return true;
            }
    return false;
}

/* A worker offers only the languages whose toolchain it has: the others
 * are left out of the table, each logged once per load. */
static void drop_unavailable(struct lang_table *t)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct language *l = &t->v[i];
        char missing[512];
        if (find_missing(l, missing, sizeof missing)) {
            log_event("language_unavailable", "language", l->name, "missing", missing, NULL);
            language_free(l);
            continue;
        }
        t->v[kept++] = *l;
    }
    t->n = kept;
}

struct lang_table *lang_load(const char *path, char *err, size_t errlen)
{
    char *text = text_read_file(path, NULL);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct lang_table *t = lang_parse(text, path, err, errlen);
    free(text);
    if (t)
        drop_unavailable(t);
    if (t && t->n == 0) {
        snprintf(err, errlen, "%s: no language has its toolchain on this host", path);
        lang_release(t);
        return NULL;
    }
    return t;
}

const struct language *lang_find(const struct lang_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    return NULL;
}

const struct language *lang_for_file(const struct lang_table *t, const char *path)
{
    const char *base = strrchr(path, '/');
    const char *ext = strrchr(base ? base : path, '.');
    for (size_t i = 0; ext && i < t->n; i++) {
        const char *own = strrchr(t->v[i].source, '.');
        if (own && strcmp(own, ext) == 0)
            return &t->v[i];
    }
    return NULL;
}

char *lang_wrap(const char *template, const char *code)
{
    const char *mark = strstr(template, "{{code}}");
    if (!mark)
        return strdup(template);
    const char *line_start = mark;
    while (line_start > template && line_start[-1] != '\n')
        line_start--;
    size_t indent = (size_t)(mark - line_start), lines = 1;
    for (const char *p = code; *p; p++)
        lines += *p == '\n';
    size_t head = (size_t)(mark - template), tail = strlen(mark + 8);
    char *out = malloc(head + strlen(code) + lines * indent + tail + 1);
    if (!out)
        return NULL;
    char *o = out;
    memcpy(o, template, head);
    o += head;
    for (const char *p = code; *p; p++) {
        *o++ = *p;
        /* A final newline of the code gets no indentation after it. */
        if (*p == '\n' && p[1]) {
            memcpy(o, line_start, indent);
            o += indent;
        }
    }
    memcpy(o, mark + 8, tail + 1);
    return out;
}

char *lang_version_from_output(const char *output)
{
    size_t len = strcspn(output, "\r\n");
    for (size_t i = 0; i < len; i++) {
        size_t j = i, dots = 0;
        while (j < len && (isdigit((unsigned char)output[j])
                           || (output[j] == '.' && j > i && isdigit((unsigned char)output[j + 1]))))
            dots += output[j++] == '.';
        if (dots > 0)
            return strndup(output + i, j - i);
        i = j > i ? j : i;
    }
    return strndup(output, len);
}

void lang_probe_versions(struct lang_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct language *l = &t->v[i];
        char buf[512] = "";
        if (l->version) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "%s 2>&1 </dev/null", l->version);
            FILE *p = popen(cmd, "r");
            if (p) {
                size_t n = fread(buf, 1, sizeof buf - 1, p);
                buf[n] = '\0';
                pclose(p);
            }
        }
        free(l->version_text);
        l->version_text = lang_version_from_output(text_trim(buf));
    }
}
