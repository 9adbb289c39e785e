/* box_run end to end on the real kernel (needs root): verdicts, output,
 * stdin with NUL bytes, limits, forbidden calls, setup failures. */
#define _GNU_SOURCE
#include "box/box.h"
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static struct box_config cfg = {.box_dir = "/tmp/coderun-boxtest", .uid_base = 64900};
static const char *const env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL};
static char job_dir[PATH_MAX];
static struct box_slot slot;

static struct box_result run_sh_with(const char *script, const char *input, size_t len,
                                     const char *const *binds)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct box_spec spec = {
        .argv = argv, .env = env, .job_dir = job_dir, .stdin_data = input, .stdin_len = len,
        .ro_binds = binds,
        .limits = {.cpu_ms = 1000, .wall_ms = 2000, .memory_kb = 65536, .output_kb = 16,
                   .pids = 16, .tmpfs_kb = 4096},
        .slot = 5,
    };
    struct box_result res;
    box_run(&cfg, &slot, &spec, &res);
    return res;
}

static struct box_result run_sh(const char *script, const char *input, size_t len)
{
    return run_sh_with(script, input, len, NULL);
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

    /* The warm slot: one keeper serves run after run, and nothing of one
     * run reaches the next. */
    expect("a run leaves files, an orphan and SysV IPC objects",
           "echo x >/tmp/left; echo y >left; sleep 100 >/dev/null 2>&1 &"
           " ipcmk -M 4096 >/dev/null && ipcmk -S 2 >/dev/null && ipcmk -Q >/dev/null",
           BOX_OK, "");
    pid_t keeper = slot.keeper;
    ok(slot.live && keeper > 0, "the slot keeps its keeper");
    expect("the next run sees none of them",
           "test -e /tmp/left || test -e left || grep -l sleep /proc/[0-9]*/comm;"
           " cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | grep -v perms | wc -l",
           BOX_OK, "0\n");
    is_int(slot.keeper, keeper, "  and ran in the same keeper");
    ok(kill(keeper, 0) == 0, "  which is alive between runs");
    expect("the staged job dir is out of reach", "ls -a /.job 2>/dev/null || echo hidden",
           BOX_OK, "hidden\n");
    expect("a run that is killed", "sleep 10", BOX_TIME_LIMIT, NULL);
    ok(!slot.live && kill(keeper, 0) != 0, "  takes its keeper along");
    expect("the next run gets a new keeper", "echo fresh", BOX_OK, "fresh\n");
    ok(slot.live && slot.keeper != keeper, "  which the slot keeps");
    keeper = slot.keeper;
    const char *const binds[] = {"/usr/share", NULL};
    res = run_sh_with("echo bound", "", 0, binds);
    is_str(res.out, "bound\n", "other binds run");
    ok(slot.keeper != keeper && kill(keeper, 0) != 0, "  in a keeper built for them");
    box_result_free(&res);

    const char *argv[] = {"/nonexistent", NULL};
    struct box_spec bad = {.argv = argv, .env = env, .job_dir = job_dir,
                           .limits = {.cpu_ms = 1000, .wall_ms = 2000, .memory_kb = 65536,
                                      .output_kb = 16, .pids = 16, .tmpfs_kb = 4096}};
    box_run(&cfg, &slot, &bad, &res);
    is_int(res.verdict, BOX_INTERNAL_ERROR, "a failing exec is an internal error");
    ok(strstr(res.reason, "execve /nonexistent") != NULL, "  with the reason");
    box_result_free(&res);

    bad.job_dir = "/nonexistent-dir";
    argv[0] = "/bin/true";
    box_run(&cfg, &slot, &bad, &res);
    is_int(res.verdict, BOX_INTERNAL_ERROR, "a missing job dir is an internal error");
    box_result_free(&res);
    box_slot_close(&slot);
    return done_testing();
}
