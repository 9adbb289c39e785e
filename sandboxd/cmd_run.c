/* cmd_run: `sandboxd run FILE` — one sandboxed run for trying languages and
 * the sandbox by hand; stdin is the input, the result is printed as JSON.
 * `--repeat N` runs it N times in this one process and adds the median time
 * of a whole run (set-up, program, tear-down): the per-run cost `serve`
 * pays, without this process's own start. */
#include "box.h"
#include "commands.h"
#include "elapsed.h"
#include "lang.h"
#include "runner.h"
#include "text.h"
#include "utf8.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct run_options {
    const char *lang, *file, *mode;
    unsigned time_ms, memory_mb, output_kb, repeat;
};

static int parse_options(int argc, char **argv, struct run_options *o)
{
    static const struct option longopts[] = {
        {"lang", required_argument, NULL, 'l'},
        {"mode", required_argument, NULL, 'm'},
        {"time-ms", required_argument, NULL, 't'},
        {"memory-mb", required_argument, NULL, 'M'},
        {"output-kb", required_argument, NULL, 'o'},
        {"repeat", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct run_options){.mode = "program", .time_ms = 2000, .memory_mb = 256,
                              .output_kb = 64, .repeat = 1};
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        unsigned *num = opt == 't' ? &o->time_ms : opt == 'M' ? &o->memory_mb
                      : opt == 'o' ? &o->output_kb : opt == 'r' ? &o->repeat : NULL;
        if (opt == 'l')
            o->lang = optarg;
        else if (opt == 'm')
            o->mode = optarg;
        else if (!num || (*num = (unsigned)strtoul(optarg, NULL, 10)) == 0)
            return -1;
    }
    if (optind != argc - 1)
        return -1;
    o->file = argv[optind];
    return 0;
}

static char *read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n, stdin)) > 0;) {
        n += r;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    *len = n;
    return buf;
}

static void add_text(json_object *o, const char *key, const char *s, size_t len)
{
    char *clean = utf8_sanitize(s ? s : "", s ? len : 0);
    json_object_object_add(o, key, json_object_new_string(clean ? clean : ""));
    free(clean);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n run times (sorts them). */
static double median_ms(double *ms, unsigned n)
{
    qsort(ms, n, sizeof *ms, compare_double);
    return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

/* repeat > 1 adds "repeat" and "run_ms_median" (see the top of the file). */
static void print_result(const char *stage, const struct box_result *res, unsigned repeat,
                         double run_ms_median)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "stage", json_object_new_string(stage));
    json_object_object_add(o, "verdict", json_object_new_string(box_verdict_name(res->verdict)));
    json_object_object_add(o, "exit_code", json_object_new_int(res->exit_code));
    json_object_object_add(o, "signal", json_object_new_int(res->signal));
    json_object_object_add(o, "cpu_ms", json_object_new_double(res->cpu_ms));
    json_object_object_add(o, "wall_ms", json_object_new_double(res->wall_ms));
    json_object_object_add(o, "memory_kb", json_object_new_int64(res->memory_kb));
    add_text(o, "stdout", res->out, res->out_len);
    add_text(o, "stderr", res->err, res->err_len);
    json_object_object_add(o, "output_truncated", json_object_new_boolean(res->out_truncated));
    json_object_object_add(o, "reason", json_object_new_string(res->reason));
    if (repeat > 1) {
        json_object_object_add(o, "repeat", json_object_new_int((int)repeat));
        json_object_object_add(o, "run_ms_median", json_object_new_double(run_ms_median));
    }
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* Compile if needed, then run once; prints the last step's result. */
static int run_file(struct runner *r, const struct language *l, const char *template,
                    const struct run_options *o, const char *code)
{
    char err[512];
    if (runner_prepare(r, l, template, code, err, sizeof err) != 0) {
        fprintf(stderr, "sandboxd: %s\n", err);
        return 1;
    }
    struct box_result res;
    int rc = runner_compile(r, l, &res);
    if (rc == 0 && res.verdict != BOX_OK) {
        print_result("compile", &res, 1, 0);
        box_result_free(&res);
        return 1;
    }
    if (rc == 0)
        box_result_free(&res);
    size_t len;
    char *input = rc >= 0 ? read_stdin(&len) : NULL;
    struct box_limits lim;
    runner_limits(&lim, o->time_ms, o->memory_mb, o->output_kb);
    double *ms = calloc(o->repeat, sizeof *ms);
    for (unsigned i = 0; input && ms && i < o->repeat; i++) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (runner_exec(r, l, &lim, input, len, &res) != 0) {
            fprintf(stderr, "sandboxd: the sandbox could not run %s\n", o->file);
            rc = -1;
            break;
        }
        ms[i] = elapsed_ms(&start);
        if (i + 1 < o->repeat)
            box_result_free(&res);
    }
    if (!input || !ms || rc < 0) {
        free(ms);
        free(input);
        return 1;
    }
    print_result("run", &res, o->repeat, median_ms(ms, o->repeat));
    box_result_free(&res);
    free(ms);
    free(input);
    return 0;
}

int cmd_run(const struct config *cfg, int argc, char **argv)
{
    struct run_options o;
    if (parse_options(argc, argv, &o) != 0)
        return -1;
    char err[512];
    struct lang_table *langs = lang_load(cfg->languages, err, sizeof err);
    if (!langs) {
        fprintf(stderr, "sandboxd: %s\n", err);
        return 1;
    }
    const struct language *l = o.lang ? lang_find(langs, o.lang) : lang_for_file(langs, o.file);
    const char *template = NULL;
    bool has_mode = l && runner_template(l, o.mode, &template) == 0;
    char *code = text_read_file(o.file, NULL);
    /* One past the serve slots: its own uid, cgroup and scratch dir. */
    struct box_config box = {.box_dir = cfg->box_dir, .uid_base = cfg->uid_base};
    struct runner r = {.dir_fd = -1};
    int status = 1;
    if (!code)
        fprintf(stderr, "sandboxd: %s: %s\n", o.file, strerror(errno));
    else if (!l)
        fprintf(stderr, "sandboxd: no language for %s (use --lang)\n", o.lang ? o.lang : o.file);
    else if (!has_mode)
        fprintf(stderr, "sandboxd: %s has no %s mode\n", l->name, o.mode);
    else if (box_init(&box, err, sizeof err) != 0 || runner_init(&r, &box, cfg->slots, err, sizeof err) != 0)
        fprintf(stderr, "sandboxd: %s\n", err);
    else
        status = run_file(&r, l, template, &o, code);
    runner_close(&r);
    free(code);
    lang_release(langs);
    return status;
}
