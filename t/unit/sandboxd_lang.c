/* lang: languages.conf parsing, heredoc templates, {{code}} substitution,
 * version extraction, and the shipped languages.conf itself. */
#include "worker/lang.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sample[] =
    "# languages\n"
    "[py]\n"
    "source  = main.py\n"
    "compile =\n"
    "run     = /usr/bin/python3 -B main.py\n"
    "version = /usr/bin/python3 --version\n"
    "template <<END\n"
    "def solve(input_str):\n"
    "    {{code}}\n"
    "  END  \n"
    "\n"
    "[cc]\n"
    "source = main.c\n"
    "compile = /usr/bin/gcc -O2 -o main main.c\n"
    "run = ./main\n"
    "binds = /etc/a /etc/b\n"
    "compile_time_ms = 20000\n";

#define BAD_BINDS_AT_2 \
    "f:2: binds must be absolute paths outside /tmp, /proc, /dev and /box (the box mounts its own there)"

static void parse_error(const char *text, const char *want, const char *name)
{
    char err[256] = "";
    struct lang_table *t = lang_parse(text, "f", err, sizeof err);
    ok(!t, name);
    is_str(err, want, name);
    lang_release(t);
}

/* lang_load leaves out a language whose program or requires path is not
 * installed; with none left it fails. */
static void missing_toolchain(void)
{
    char path[] = "/tmp/coderun-lang-XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    static const char conf[] =
        "[here]\nsource = a.sh\nrun = /bin/sh a.sh\n"
        "[built]\nsource = a.c\ncompile = /bin/sh a.c\nrun = /box/a\n"
        "[noprogram]\nsource = b.sh\nrun = /nonexistent/coderun/sh b.sh\n"
        "[norequires]\nsource = c.sh\nrun = /bin/sh c.sh\nrequires = /nonexistent/coderun/lib\n";
    ok(fd >= 0 && write(fd, conf, sizeof conf - 1) == (ssize_t)(sizeof conf - 1), "a languages.conf written");
    struct lang_table *t = lang_load(path, err, sizeof err);
    ok(t && t->n == 2 && lang_find(t, "here") && lang_find(t, "built"),
       "the languages with their toolchain stay (a program in /box is built)");
    ok(t && !lang_find(t, "noprogram") && !lang_find(t, "norequires"), "the others are left out");
    lang_release(t);

    static const char none[] = "[gone]\nsource = a.sh\nrun = /nonexistent/coderun/sh a.sh\n";
    ok(fd >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, none, sizeof none - 1, 0) == (ssize_t)(sizeof none - 1),
       "a languages.conf without any installed toolchain");
    t = lang_load(path, err, sizeof err);
    ok(!t, "fails to load");
    ok(strstr(err, "no language has its toolchain") != NULL, "and says why");
    if (fd >= 0)
        close(fd);
    unlink(path);
}

static void wrap(const char *tmpl, const char *code, const char *want, const char *name)
{
    char *got = lang_wrap(tmpl, code);
    is_str(got, want, name);
    free(got);
}

static void version(const char *output, const char *want)
{
    char *got = lang_version_from_output(output);
    is_str(got, want, want);
    free(got);
}

int main(void)
{
    char err[256] = "";
    struct lang_table *t = lang_parse(sample, "sample", err, sizeof err);
    ok(t != NULL, "sample parses");
    is_str(err, "", "no error");
    is_int(t->n, 2, "two languages");
    const struct language *py = lang_find(t, "py"), *cc = lang_find(t, "cc");
    ok(py && cc, "both found by name");
    ok(py->compile == NULL, "empty compile means interpreted");
    is_str(py->run, "/usr/bin/python3 -B main.py", "run command");
    is_str(py->template, "def solve(input_str):\n    {{code}}\n", "heredoc body, end tag with blanks");
    is_int(py->compile_time_ms, 10000, "compile time default");
    is_int(cc->compile_time_ms, 20000, "compile time set");
    ok(cc->template == NULL, "no template, no function mode");
    is_str(cc->binds[0], "/etc/a", "first bind");
    is_str(cc->binds[1], "/etc/b", "second bind");
    ok(cc->binds[2] == NULL, "binds NULL-terminated");
    ok(lang_for_file(t, "/tmp/x.c") == cc, "language from the extension");
    ok(lang_for_file(t, "dir.py/noext") == NULL, "no extension, no language");
    ok(lang_find(t, "java") == NULL, "unknown language");
    lang_release(t);

    parse_error("source = a\n", "f:1: key outside a [language] section", "key before section");
    parse_error("[a]\nsource = x\nrun = y\n[a]\n", "f:4: language defined twice", "duplicate");
    parse_error("[a]\nsauce = x\n", "f:2: unknown key or bad value", "unknown key");
    /* The box mounts its own /tmp over what a bind put there. */
    parse_error("[a]\nbinds = /opt/x /tmp/gate\n", BAD_BINDS_AT_2, "a bind the box would hide");
    parse_error("[a]\nbinds = opt/x\n", BAD_BINDS_AT_2, "a relative bind");
    parse_error("[a]\nbinds = /tmpfoo\n[b]\nsauce = x\n", "f:4: unknown key or bad value", "/tmpfoo is not under /tmp");
    parse_error("[a]\nsource = x\nrun = y\ntemplate <<END\nno end\n", "f:4: heredoc not closed",
                "unclosed heredoc");
    parse_error("[a]\nsource = x\n", "f: a: needs source and run", "missing run");
    parse_error("[a]\nsource = x\nrun = y\ntemplate <<E\nnothing\nE\n",
                "f: a: template has no {{code}}", "template without {{code}}");
    parse_error("[a]\nsource = x\nrun = y\nwarm = s\nwarm_source = w.py\n",
                "f: a: warm, warm_source and warm_run go together", "warm without warm_run");
    parse_error("[a]\nsource = x\nrun = y\nwarm = s\nwarm_source = x\nwarm_run = /bin/w\n",
                "f: a: warm needs a template and its own plain warm_source file name",
                "warm without a template");
    parse_error("[A b]\n", "f:1: language names are lowercase letters, digits, _ + -", "bad name");
    parse_error("# nothing\n", "f: no languages", "empty file");

    wrap("def f():\n    {{code}}\nf()\n", "return 1", "def f():\n    return 1\nf()\n",
         "one line");
    wrap("def f():\n    {{code}}\n", "x = 1\nreturn x\n", "def f():\n    x = 1\n    return x\n\n",
         "every line indented, no indent after a final newline");
    wrap("int f() { {{code}} }", "return 1;", "int f() { return 1; }", "inline marker");
    wrap("  {{code}}\n", "", "  \n", "empty code");

    version("Python 3.11.2", "3.11.2");
    version("v20.20.2", "20.20.2");
    version("openjdk version \"17.0.15\" 2025-04-15\nmore", "17.0.15");
    version("gcc (Debian 12.2.0-14+deb12u1) 12.2.0", "12.2.0");
    version("no numbers here\nsecond", "no numbers here");

    t = lang_load(SQL_DIR "/../languages.conf", err, sizeof err);
    ok(t != NULL, "the shipped languages.conf parses");
    if (!t)
        printf("# %s\n", err);
    const struct language *python = t ? lang_find(t, "python") : NULL;
    ok(python && python->template, "python has function mode");
    ok(python && python->problem_template, "python has problem mode");
    static const char *const shipped[] = {"c", "cpp", "javascript", "java"};
    for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++)
        ok(t && lang_find(t, shipped[i]) && lang_find(t, shipped[i])->template, shipped[i]);
    lang_release(t);

    missing_toolchain();
    return done_testing();
}
