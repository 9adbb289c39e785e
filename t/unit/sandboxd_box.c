/* box_run end to end on the real kernel (needs root): verdicts, output,
 * stdin with NUL bytes, limits, forbidden calls, setup failures. */
#define _GNU_SOURCE
#include "box.h"
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct box_config cfg = {.box_dir = "/tmp/coderun-boxtest", .uid_base = 64900};
static const char *const env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL};
static char job_dir[PATH_MAX];

static struct box_result run_sh(const char *script, const char *input, size_t len)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct box_spec spec = {
        .argv = argv, .env = env, .job_dir = job_dir, .stdin_data = input, .stdin_len = len,
        .limits = {.cpu_ms = 1000, .wall_ms = 2000, .memory_kb = 65536, .output_kb = 16,
                   .pids = 16, .tmpfs_kb = 4096},
        .slot = 5,
    };
    struct box_result res;
    box_run(&cfg, &spec, &res);
    return res;
}

static void expect(const char *name, const char *script, enum box_verdict want, const char *out)
{
    struct box_result res = run_sh(script, "", 0);
    is_str(box_verdict_name(res.verdict), box_verdict_name(want), name);
    if (res.verdict != want)
        printf("#   reason: %s stderr: %s\n", res.reason, res.err ? res.err : "");
    if (out)
        is_str(res.out, out, "  its stdout");
    box_result_free(&res);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("1..0 # SKIP needs root\n");
        return 0;
    }
    char err[256];
    is_int(box_init(&cfg, err, sizeof err), 0, "box_init");
    ok(strcmp(cfg.mode, "cgroup1") == 0 || strcmp(cfg.mode, "cgroup2") == 0
       || strcmp(cfg.mode, "degraded") == 0, "mode is reported");
    snprintf(job_dir, sizeof job_dir, "%s/slot-5", cfg.box_dir);
    mkdir(job_dir, 0755);

    is_str(box_verdict_name(BOX_SECURITY_VIOLATION), "security_violation", "verdict names");
    expect("echo is ok", "echo hi; id -u", BOX_OK, "hi\n64905\n");
    expect("exit 3 is a runtime error", "exit 3", BOX_RUNTIME_ERROR, NULL);
    expect("a busy loop hits the time limit", "while :; do :; done", BOX_TIME_LIMIT, NULL);
    expect("sleeping hits the wall limit", "sleep 10", BOX_TIME_LIMIT, NULL);
    expect("endless output hits the output limit", "yes", BOX_OUTPUT_LIMIT, NULL);
    expect("the host root is out of sight", "test -e /var/lib/coderun || test -e /home || echo clean",
           BOX_OK, "clean\n");

    struct box_result res = run_sh("od -An -c", "a\0b", 3);
    is_str(res.out, "   a  \\0   b\n", "stdin keeps NUL bytes");
    box_result_free(&res);

    res = run_sh("echo oops >&2; exit 1", "", 0);
    is_str(res.err, "oops\n", "stderr is captured");
    box_result_free(&res);

    const char *argv[] = {"/nonexistent", NULL};
    struct box_spec bad = {.argv = argv, .env = env, .job_dir = job_dir,
                           .limits = {.cpu_ms = 1000, .wall_ms = 2000, .memory_kb = 65536,
                                      .output_kb = 16, .pids = 16, .tmpfs_kb = 4096}};
    box_run(&cfg, &bad, &res);
    is_int(res.verdict, BOX_INTERNAL_ERROR, "a failing exec is an internal error");
    ok(strstr(res.reason, "execve /nonexistent") != NULL, "  with the reason");
    box_result_free(&res);

    bad.job_dir = "/nonexistent-dir";
    argv[0] = "/bin/true";
    box_run(&cfg, &bad, &res);
    is_int(res.verdict, BOX_INTERNAL_ERROR, "a missing job dir is an internal error");
    box_result_free(&res);
    return done_testing();
}
