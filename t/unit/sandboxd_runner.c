/* runner: limits from a job, the template per mode, the stored error text. */
#include "worker/runner.h"
#include "tap.h"

#include <stdlib.h>

static void error_text(enum box_verdict v, const char *err, bool truncated, const char *reason,
                       const char *want, const char *name)
{
    struct box_result res = {.verdict = v, .err = (char *)err, .err_len = strlen(err),
                             .err_truncated = truncated, .exit_code = 3};
    snprintf(res.reason, sizeof res.reason, "%s", reason);
    char *got = runner_error_text(&res);
    is_str(got, want, name);
    free(got);
}

int main(void)
{
    struct box_limits lim;
    runner_limits(&lim, 2000, 128, 64);
    is_int(lim.cpu_ms, 2000, "cpu limit is time_ms");
    is_int(lim.wall_ms, 5000, "wall limit is 2*time_ms+1000");
    is_int(lim.memory_kb, 131072, "memory in KiB");
    is_int(lim.output_kb, 64, "output cap");
    is_int(lim.pids, 64, "pids");
    is_int(lim.tmpfs_kb, 65536, "tmpfs 64 MiB");

    struct language l = {.template = "f {{code}}", .problem_template = "p {{code}}"};
    const char *t = "unset";
    ok(runner_template(&l, "program", &t) == 0 && t == NULL, "program mode: no wrapper");
    ok(runner_template(&l, "function", &t) == 0, "function mode");
    is_str(t, "f {{code}}", "function template");
    ok(runner_template(&l, "problem", &t) == 0, "problem mode");
    is_str(t, "p {{code}}", "problem template");
    l.template = NULL;
    is_int(runner_template(&l, "function", &t), -1, "no function template, no function mode");
    is_int(runner_template(&l, "sideways", &t), -1, "unknown mode");

    error_text(BOX_RUNTIME_ERROR, "ValueError: bad\n", false, "",
               "ValueError: bad", "stderr without its final newline");
    error_text(BOX_RUNTIME_ERROR, "", false, "killed by SIGSEGV",
               "killed by SIGSEGV", "silent crash: the reason");
    error_text(BOX_TIME_LIMIT, "partial\n", false, "CPU time limit",
               "CPU time limit\npartial", "limit: reason, then stderr");
    error_text(BOX_OK, "debug\r\n", false, "", "debug", "ok keeps stderr");
    error_text(BOX_RUNTIME_ERROR, "", false, "", "exit code 3", "silent non-zero exit");
    error_text(BOX_RUNTIME_ERROR, "\xA9tail\xFFx", true, "",
               "tail\xEF\xBF\xBDx", "cut tail starts at a character; bad byte replaced");
    return done_testing();
}
