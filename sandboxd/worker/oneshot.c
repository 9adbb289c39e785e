#include "worker/oneshot.h"
#include "common/elapsed.h"
#include "common/utf8.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

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

/* repeat > 1 adds "repeat" and "run_ms_median". signal is null unless a
 * signal ended the program, as in the API's results. sandbox_mode is the
 * box's cgroup mode: which limits were enforced how. */
static void print_result(FILE *out, const char *stage, const char *sandbox_mode,
                         const struct box_result *res, unsigned repeat, double run_ms_median)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "stage", json_object_new_string(stage));
    json_object_object_add(o, "sandbox_mode", json_object_new_string(sandbox_mode));
    json_object_object_add(o, "verdict", json_object_new_string(box_verdict_name(res->verdict)));
    json_object_object_add(o, "exit_code", json_object_new_int(res->exit_code));
    json_object_object_add(o, "signal", res->signal ? json_object_new_int(res->signal) : NULL);
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
    fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* Runs the program o->repeat times; prints the last run. */
static int run_repeated(struct runner *r, const struct language *l, const struct oneshot *o,
                        const char *input, size_t len, FILE *out, FILE *err)
{
    struct box_limits lim;
    struct box_result res;
    runner_limits(&lim, o->time_ms, o->memory_mb, o->output_kb);
    double *ms = calloc(o->repeat, sizeof *ms);
    if (!ms) {
        fprintf(err, "sandboxd: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < o->repeat; i++) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (runner_exec(r, l, &lim, input, len, &res) != 0) {
            fprintf(err, "sandboxd: the sandbox could not run %s\n", o->file);
            free(ms);
            return 1;
        }
        ms[i] = elapsed_ms(&start);
        if (i + 1 < o->repeat)
            box_result_free(&res);
    }
    print_result(out, "run", r->box->mode, &res, o->repeat, median_ms(ms, o->repeat));
    box_result_free(&res);
    free(ms);
    return 0;
}

/* Compile if needed, then run; prints the last step's result. */
static int compile_and_run(struct runner *r, const struct language *l, const char *template,
                           const struct oneshot *o, const char *code, const char *input,
                           size_t len, FILE *out, FILE *err)
{
    char why[512];
    if (runner_prepare(r, l, template, code, why, sizeof why) != 0) {
        fprintf(err, "sandboxd: %s\n", why);
        return 1;
    }
    struct box_result res;
    int rc = runner_compile(r, l, &res);
    if (rc < 0) {
        fprintf(err, "sandboxd: the sandbox could not compile %s\n", o->file);
        return 1;
    }
    if (rc == 0) {
        bool compiled = res.verdict == BOX_OK;
        if (!compiled)
            print_result(out, "compile", r->box->mode, &res, 1, 0);
        box_result_free(&res);
        if (!compiled)
            return 1;
    }
    return run_repeated(r, l, o, input, len, out, err);
}

int oneshot_run(struct runner *r, const struct lang_table *langs, const struct oneshot *o,
                const char *code, const char *input, size_t len, FILE *out, FILE *err)
{
    const struct language *l = o->lang[0] ? lang_find(langs, o->lang) : lang_for_file(langs, o->file);
    const char *template = NULL;
    if (!l) {
        fprintf(err, "sandboxd: no language for %s (use --lang)\n", o->lang[0] ? o->lang : o->file);
        return 1;
    }
    if (runner_template(l, o->mode, &template) != 0) {
        fprintf(err, "sandboxd: %s has no %s mode\n", l->name, o->mode);
        return 1;
    }
    if (flock(r->dir_fd, LOCK_EX) != 0) {
        fprintf(err, "sandboxd: lock %s: %s\n", r->job_dir, strerror(errno));
        return 1;
    }
    int status = compile_and_run(r, l, template, o, code, input, len, out, err);
    flock(r->dir_fd, LOCK_UN);
    return status;
}
