/* runner: one job in one slot — scratch dir, source file, compile once,
 * then every case through box_run; results made storable (UTF-8, no NUL). */
#define _GNU_SOURCE   /* asprintf */
#include "worker/runner.h"
#include "worker/job_dir.h"
#include "worker/share.h"
#include "common/text.h"
#include "common/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* What a compiler may print before we keep only the stderr tail anyway. */
#define COMPILE_OUTPUT_KB 1024

static const char *const box_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp",
    "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL,
};

int runner_init(struct runner *r, const struct box_config *box, unsigned slot,
                char *err, size_t errlen)
{
    r->box = box;
    r->slot = slot;
    snprintf(r->job_dir, sizeof r->job_dir, "%s/slot-%u", box->box_dir, slot);
    /* The compile step writes its output here as the slot's uid. */
    uid_t id = box->uid_base + slot;
    if ((mkdir(box->box_dir, 0755) != 0 && errno != EEXIST)
        || (mkdir(r->job_dir, 0755) != 0 && errno != EEXIST)
        || job_dir_mount(r, id) != 0) {
        snprintf(err, errlen, "%s: %s", r->job_dir, strerror(errno));
        return -1;
    }
    r->dir_fd = open(r->job_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (r->dir_fd < 0) {
        snprintf(err, errlen, "%s: %s", r->job_dir, strerror(errno));
        return -1;
    }
    return 0;
}

void runner_close(struct runner *r)
{
    box_slot_close(&r->keeper);
    if (r->dir_fd >= 0)
        close(r->dir_fd);
    r->dir_fd = -1;
    job_dir_unmount(r);
}

void runner_limits(struct box_limits *lim, unsigned time_ms, unsigned memory_mb,
                   unsigned output_kb)
{
    lim->cpu_ms = time_ms;
    lim->wall_ms = 2 * time_ms + 1000;
    lim->memory_kb = memory_mb * 1024;
    lim->output_kb = output_kb;
    lim->pids = 64;
    lim->tmpfs_kb = 64 * 1024;
}

int runner_template(const struct language *l, const char *mode, const char **template)
{
    *template = strcmp(mode, "function") == 0 ? l->template
              : strcmp(mode, "problem") == 0 ? l->problem_template : NULL;
    return *template || strcmp(mode, "program") == 0 ? 0 : -1;
}

int runner_prepare(struct runner *r, const struct language *l, const char *template,
                   const char *code, char *err, size_t errlen)
{
    if (job_dir_empty(r->dir_fd) != 0) {
        snprintf(err, errlen, "cannot empty %s: %s", r->job_dir, strerror(errno));
        return -1;
    }
    char *text = template ? lang_wrap(template, code) : strdup(code);
    int rc = job_dir_write(r, l->source, text, err, errlen);
    free(text);
    /* the warm server sits next to function mode's wrapped code */
    bool warm = l->warm && template == l->template;
    if (rc == 0 && warm)
        rc = job_dir_write(r, l->warm_source, l->warm, err, errlen);
    if (rc == 0)
        rc = job_dir_readable(r, l->source, err, errlen);
    if (rc == 0 && warm)
        rc = job_dir_readable(r, l->warm_source, err, errlen);
    return rc;
}

static struct box_spec make_spec(struct runner *r, char **argv, const struct language *l,
                                 bool writable, const struct box_limits *lim,
                                 const char *input, size_t len)
{
    return (struct box_spec){
        .argv = (const char *const *)argv,
        .env = box_env,
        .job_dir = r->job_dir,
        .job_dir_writable = writable,
        .ro_binds = (const char *const *)l->binds,
        .stdin_data = input,
        .stdin_len = len,
        .limits = *lim,
        .slot = r->slot,
        .cancel = r->cancel,
    };
}

static int run_in_box(struct runner *r, const char *cmd, const struct language *l,
                      bool writable, const struct box_limits *lim,
                      const char *input, size_t len, struct box_result *res)
{
    char **argv = text_split_words(cmd);
    if (!argv || !argv[0]) {
        text_free_argv(argv);
        return -1;
    }
    struct box_spec spec = make_spec(r, argv, l, writable, lim, input, len);
    memset(res, 0, sizeof *res);
    int rc = box_run(r->box, &r->keeper, &spec, res);
    text_free_argv(argv);
    return rc;
}

/* Function mode's warm server for a job, or NULL (then every input runs
 * cold). argv stays with the caller until warm_stop. */
static struct box_warm *warm_start(struct runner *r, const struct language *l,
                                   const struct box_limits *lim, char ***argv)
{
    *argv = text_split_words(l->warm_run);
    if (!*argv || !(*argv)[0])
        return NULL;
    struct box_spec spec = make_spec(r, *argv, l, false, lim, "", 0);
    return box_warm_start(r->box, &r->keeper, &spec);
}

/* One input through the warm server; false: it must run cold. */
static bool warm_exec(struct runner *r, struct box_warm *w, char **argv,
                      const struct language *l, const struct box_limits *lim,
                      const char *input, size_t len, struct box_result *res)
{
    struct box_spec spec = make_spec(r, argv, l, false, lim, input, len);
    if (box_warm_run(w, &spec, res))
        return true;
    box_result_free(res);
    return false;
}

int runner_compile(struct runner *r, const struct language *l, struct box_result *res)
{
    if (!l->compile)
        return 1;
    struct box_limits lim;
    runner_limits(&lim, l->compile_time_ms, l->compile_memory_mb, COMPILE_OUTPUT_KB);
    return run_in_box(r, l->compile, l, true, &lim, "", 0, res);
}

int runner_exec(struct runner *r, const struct language *l, const struct box_limits *lim,
                const char *input, size_t len, struct box_result *res)
{
    return run_in_box(r, l->run, l, false, lim, input, len, res);
}

/* Sanitised copy of program output, byte for byte otherwise. */
static char *storable(const char *s, size_t len)
{
    return utf8_sanitize(s ? s : "", s ? len : 0);
}

/* Sanitised stderr tail without its final newlines: the API's error is
 * "TypeName: message". A cut tail may start inside a UTF-8 sequence. */
static char *storable_tail(const struct box_result *res)
{
    const char *s = res->err;
    size_t len = res->err_len;
    while (res->err_truncated && len && ((unsigned char)*s & 0xC0) == 0x80) {
        s++;
        len--;
    }
    char *out = storable(s, len);
    size_t n = out ? strlen(out) : 0;
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return out;
}

char *runner_error_text(const struct box_result *res)
{
    char *tail = storable_tail(res);
    bool limit = res->verdict != BOX_OK && res->verdict != BOX_RUNTIME_ERROR;
    /* The reason says which limit or call; for a plain crash stderr does,
     * unless the program said nothing: then at least its exit code. */
    char code[32] = "";
    if (res->verdict == BOX_RUNTIME_ERROR && res->exit_code > 0)
        snprintf(code, sizeof code, "exit code %d", res->exit_code);
    const char *why = res->reason[0] ? res->reason : code;
    if (!tail || !*why || (!limit && *tail))
        return tail;
    char *both = NULL;
    if (asprintf(&both, "%s%s%s", why, *tail ? "\n" : "", tail) < 0)
        both = NULL;
    free(tail);
    return both;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(struct job_outcome *out, enum job_state state, const char *why)
{
    out->state = state;
    free(out->error);
    out->error = strdup(why);
}

/* 0 to go on with the cases; otherwise out says why not. */
static int compile_job(struct runner *r, const struct language *l,
                       struct job_outcome *out)
{
    struct box_result res;
    int rc = runner_compile(r, l, &res);
    if (rc == 1)
        return 0;
    if (rc != 0 || res.verdict == BOX_INTERNAL_ERROR) {
        fail(out, rc == 0 && res.cancelled ? JOB_CANCELLED : JOB_RETRY,
             rc ? "compile step could not start" : res.reason);
        if (rc == 0)
            box_result_free(&res);
        return -1;
    }
    bool ok = res.verdict == BOX_OK;
    out->compile_status = ok ? "ok" : "error";
    free(out->compile_output);    /* problem mode compiles twice */
    /* Compilers talk on stderr; fall back to stdout for the odd one. */
    out->compile_output = res.err_len || !res.out_len ? runner_error_text(&res)
                        : storable(res.out, res.out_len);
    if (!ok)
        job_dir_note_quota(r, &out->compile_output);
    if (!ok) {
        /* The API's job error names the compiler's complaint too. */
        out->state = JOB_FAILED;
        free(out->error);
        if (asprintf(&out->error, "compilation failed: %s",
                     out->compile_output ? out->compile_output : "") < 0)
            out->error = strdup("compilation failed");
    }
    box_result_free(&res);
    return ok ? 0 : -1;
}

static void store_case(struct case_result *c, const struct box_result *res)
{
    c->verdict = box_verdict_name(res->verdict);
    c->output = storable(res->out, res->out_len);
    c->error = runner_error_text(res);
    c->exit_code = res->exit_code;
    c->signal = res->signal;
    c->cpu_ms = res->cpu_ms;
    c->wall_ms = res->wall_ms;
    c->memory_kb = res->memory_kb;
    c->output_truncated = res->out_truncated;
}

/* The job's stored output is capped (job_output_mb), so no answer to
 * GET /result grows without bound: once the pass has stored that much,
 * an input's output is dropped and the inputs after it do not run. */
static void output_capped(const struct runner *r, struct case_result *c)
{
    free(c->output);
    free(c->error);
    c->verdict = box_verdict_name(BOX_OUTPUT_LIMIT);
    c->output = strdup("");
    if (asprintf(&c->error, "the job's output limit of %zu MB is reached",
                 r->job_output_max >> 20) < 0)
        c->error = NULL;
    c->output_truncated = true;
}

static bool output_spent(const struct runner *r, struct case_share *sh)
{
    return r->job_output_max
        && __atomic_load_n(&sh->output_bytes, __ATOMIC_RELAXED) >= r->job_output_max;
}

static void charge_output(const struct runner *r, struct case_share *sh, struct case_result *c)
{
    size_t n = (c->output ? strlen(c->output) : 0) + (c->error ? strlen(c->error) : 0);
    if (r->job_output_max
        && __atomic_add_fetch(&sh->output_bytes, n, __ATOMIC_RELAXED) > r->job_output_max)
        output_capped(r, c);
}

/* Run the inputs this slot takes from the pass until none is left, one
 * stops the pass, or *away turns true (a helper's slot got a job). */
static void run_cases(struct runner *r, struct share_board *b, struct case_share *sh,
                      const bool *away)
{
    const struct language *l = sh->lang;
    /* One interpreter start for this slot's inputs instead of one per
     * input, when the language has a warm server and more than one input
     * is left. */
    char **warm_argv = NULL;
    struct box_warm *warm = l->warm && sh->template == l->template && share_left(b, sh) > 1
                          ? warm_start(r, l, &sh->limits, &warm_argv) : NULL;
    for (size_t i; share_take(b, sh, &i, away);) {
        struct box_result res;
        if (output_spent(r, sh)) {
            output_capped(r, &sh->cases[i]);
            continue;
        }
        const char *input = sh->job->inputs[i];
        size_t len = strlen(input);
        bool done = warm && warm_exec(r, warm, warm_argv, l, &sh->limits, input, len, &res);
        if (!done && warm) {
            box_warm_stop(warm);
            warm = NULL;
        }
        if (!done && runner_exec(r, l, &sh->limits, input, len, &res) != 0) {
            share_stop(b, sh, JOB_RETRY, "sandbox run could not start");
            continue;
        }
        if (res.cancelled) {
            share_stop(b, sh, JOB_CANCELLED, res.reason);
        } else {
            store_case(&sh->cases[i], &res);
            charge_output(r, sh, &sh->cases[i]);
        }
        box_result_free(&res);
    }
    box_warm_stop(warm);
    text_free_argv(warm_argv);
}

int runner_help(struct runner *r, struct share_board *b, struct case_share *sh,
                const bool *away, char *err, size_t errlen)
{
    int rc = runner_prepare(r, sh->lang, sh->template, sh->code, err, errlen);
    if (rc == 0)
        run_cases(r, b, sh, away);
    share_leave(b, sh, rc != 0);
    return rc;
}

/* Write, compile and run one piece of code on every input, with idle
 * slots helping when there is no compiled file to share. 0 when the cases
 * are filled; otherwise out says why the job stops. */
static int run_code(struct runner *r, struct share_board *b, const struct language *l,
                    const char *template, const char *code, const struct job *job,
                    struct case_result *cases, struct job_outcome *out)
{
    char err[512], why[600];
    if (runner_prepare(r, l, template, code, err, sizeof err) != 0) {
        /* Not the student's fault and not one a retry mends: the job
         * fails as internal_error, the worker reports itself degraded. */
        snprintf(why, sizeof why, "internal_error: %s", err);
        fail(out, JOB_FAILED, why);
        out->service_fault = true;
        return -1;
    }
    if (compile_job(r, l, out) != 0)
        return -1;
    struct box_limits lim;
    runner_limits(&lim, job->time_ms, job->memory_mb, job->output_kb);
    struct case_share sh;
    share_init(&sh, l, template, code, job, &lim, cases);
    /* execution_time covers the cases only, not writing or compiling. */
    double start = now_s();
    if (!l->compile)
        share_open(b, r->slot, &sh);
    run_cases(r, b, &sh, NULL);
    share_close(b, r->slot, &sh);
    out->execution_time += now_s() - start;
    int rc = sh.state == JOB_FINISHED ? 0 : -1;
    if (rc != 0)
        fail(out, sh.state, sh.error ? sh.error : "out of memory");
    share_destroy(&sh);
    return rc;
}

void runner_job(struct runner *r, struct share_board *b, const struct lang_table *langs,
                const struct job *job, struct job_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->state = JOB_FINISHED;
    char err[512];
    const char *template = NULL;
    const struct language *l = lang_find(langs, job->language);
    if (!l || runner_template(l, job->mode, &template) != 0) {
        if (l)
            snprintf(err, sizeof err, "language '%s' has no %s mode", l->name, job->mode);
        else
            snprintf(err, sizeof err, "unknown language '%s'", job->language);
        fail(out, JOB_FAILED, err);
        return;
    }
    bool problem = strcmp(job->mode, "problem") == 0;
    size_t n = job->ncases ? job->ncases : 1;
    out->cases = calloc(n, sizeof *out->cases);
    out->solution_cases = problem ? calloc(n, sizeof *out->solution_cases) : NULL;
    if (!out->cases || (problem && !out->solution_cases)) {
        fail(out, JOB_RETRY, "out of memory");
        return;
    }
    /* Problem mode: the solution first, each in a sandbox of its own. */
    if (!problem || run_code(r, b, l, template, job->solution_code ? job->solution_code : "",
                             job, out->solution_cases, out) == 0)
        run_code(r, b, l, template, job->code, job, out->cases, out);
}

static void cases_free(struct case_result *cases, size_t ncases)
{
    for (size_t i = 0; cases && i < ncases; i++) {
        free(cases[i].output);
        free(cases[i].error);
    }
    free(cases);
}

void job_outcome_free(struct job_outcome *out, size_t ncases)
{
    cases_free(out->cases, ncases);
    cases_free(out->solution_cases, ncases);
    free(out->compile_output);
    free(out->error);
    memset(out, 0, sizeof *out);
}
