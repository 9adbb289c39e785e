#include "box/rlimit.h"
#include "box/boxerr.h"

#include <sys/resource.h>

#define OPEN_FILES 256

static int set_limit(int resource, const char *name, rlim_t soft, rlim_t hard,
                     char *err, size_t errlen)
{
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
    if (setrlimit(resource, &rl) != 0)
        return box_fail(err, errlen, "setrlimit %s", name);
    return 0;
}

int rlimit_apply(const struct box_limits *l, bool without_cgroup, char *err, size_t errlen)
{
    /* Whole seconds, rounded up, plus one: the parent enforces the exact
     * cpu_ms from the cgroup; SIGXCPU/SIGKILL is the backstop per process. */
    rlim_t cpu_s = (l->cpu_ms + 999) / 1000 + 1;
    rlim_t memory = (rlim_t)l->memory_kb * 1024;
    /* half the memory: runaway recursion ends as SIGSEGV (runtime error)
     * before it can look like a memory-limit kill */
    rlim_t stack = memory / 2;
    rlim_t nproc = without_cgroup ? l->pids : 2 * (rlim_t)l->pids;
    rlim_t file = (rlim_t)(l->tmpfs_kb > l->output_kb ? l->tmpfs_kb : l->output_kb) * 1024;

    if (set_limit(RLIMIT_CPU, "cpu", cpu_s, cpu_s + 1, err, errlen)
        || set_limit(RLIMIT_STACK, "stack", stack, stack, err, errlen)
        || set_limit(RLIMIT_FSIZE, "fsize", file, file, err, errlen)
        || set_limit(RLIMIT_NOFILE, "nofile", OPEN_FILES, OPEN_FILES, err, errlen)
        || set_limit(RLIMIT_CORE, "core", 0, 0, err, errlen)
        || set_limit(RLIMIT_MEMLOCK, "memlock", 0, 0, err, errlen)
        || set_limit(RLIMIT_MSGQUEUE, "msgqueue", 0, 0, err, errlen)
        /* per uid; every slot has its own uid, so this counts only this run.
         * With a cgroup, pids.max is the limit (it counts the whole box) and
         * this the backstop above it. */
        || set_limit(RLIMIT_NPROC, "nproc", nproc, nproc, err, errlen))
        return -1;
    if (without_cgroup)
        return set_limit(RLIMIT_AS, "as", memory, memory, err, errlen);
    return 0;
}
