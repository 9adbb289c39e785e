/* cgroup file handling on fake hierarchies in a temp dir: v2 detection and
 * delegation, limits written, stats parsed, both for v2 and v1. */
#define _GNU_SOURCE
#include "box/cgroup.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/coderun-cgtest-XXXXXX";

static void put(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *get(const char *dir, const char *name)
{
    static char buf[256];
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* Peak kB, OOM kills and CPU ms as parsed from the fake stat files. */
static void check_stats(const struct cg_slot *s, long peak_kb, long oom_kills, long cpu_ms)
{
    struct cg_stats st;
    is_int(cg_slot_stats(s, &st), 0, "stats read");
    is_int(st.memory_peak_kb, peak_kb, "  peak memory");
    is_int(st.oom_kills, oom_kills, "  OOM kills");
    is_int((long)st.cpu_ms, cpu_ms, "  CPU ms");
}

static const struct box_limits limits = {.memory_kb = 65536, .pids = 32};

/* cg_detect on a fake /proc/self/mountinfo and /proc/self/cgroup. */
static void detect(const char *name, const char *mountinfo, const char *self_cgroup,
                   struct cg_hier *h)
{
    char mountinfo_file[64], self_file[64], mountinfo_path[PATH_MAX], self_path[PATH_MAX];
    snprintf(mountinfo_file, sizeof mountinfo_file, "mountinfo-%s", name);
    snprintf(self_file, sizeof self_file, "self-cgroup-%s", name);
    put(base, mountinfo_file, mountinfo);
    put(base, self_file, self_cgroup);
    snprintf(mountinfo_path, sizeof mountinfo_path, "%s/%s", base, mountinfo_file);
    snprintf(self_path, sizeof self_path, "%s/%s", base, self_file);
    cg_detect(h, mountinfo_path, self_path);
}

static void test_v2(void)
{
    char mnt[PATH_MAX], own[PATH_MAX];
    snprintf(mnt, sizeof mnt, "%s/v2", base);
    snprintf(own, sizeof own, "%s/v2/daemon.service", base);
    mkdir(mnt, 0755);
    mkdir(own, 0755);
    put(own, "cgroup.controllers", "cpu memory pids\n");
    char line[2 * PATH_MAX];
    snprintf(line, sizeof line,
             "30 23 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
             "35 23 0:27 / %s rw,nosuid - cgroup2 cgroup2 rw\n", mnt);

    struct cg_hier h;
    detect("v2", line, "0::/daemon.service\n", &h);
    is_int(h.kind, CG_V2, "v2 chosen when the own cgroup offers memory and pids");
    is_str(cg_mode_name(h.kind), "cgroup2", "mode name");
    char want[PATH_MAX + 16];
    snprintf(want, sizeof want, "%s/coderun", own);
    is_str(h.v2, want, "slots live under <own cgroup>/coderun");
    is_str(get(own, "cgroup.subtree_control"), "+memory +pids", "controllers enabled for children");

    struct cg_slot s;
    char err[256];
    is_int(cg_slot_create(&h, "uid-3", &limits, &s, err, sizeof err), 0, "slot created");
    is_int(s.ndirs, 1, "one directory in v2");
    snprintf(want, sizeof want, "%s/coderun/uid-3", own);
    is_str(s.dirs[0], want, "named by the box's uid");
    is_str(get(s.dirs[0], "memory.max"), "67108864", "memory.max in bytes");
    is_str(get(s.dirs[0], "pids.max"), "32", "pids.max");
    is_str(get(s.dirs[0], "memory.oom.group"), "1", "OOM kills the whole box");
    ok(access(get(s.dirs[0], "memory.swap.max"), F_OK) != 0, "memory.swap.max only where it exists");

    put(s.dirs[0], "memory.peak", "10485760\n");
    put(s.dirs[0], "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    put(s.dirs[0], "cpu.stat", "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n");
    check_stats(&s, 10240, 1, 123);
}

static void test_v2_without_controllers(void)
{
    char mnt[PATH_MAX], line[2 * PATH_MAX];
    snprintf(mnt, sizeof mnt, "%s/empty-v2", base);
    mkdir(mnt, 0755);
    put(mnt, "cgroup.controllers", "\n");
    snprintf(line, sizeof line, "35 23 0:27 / %s rw - cgroup2 cgroup2 rw\n", mnt);
    struct cg_hier h;
    detect("empty-v2", line, "0::/\n", &h);
    is_int(h.kind, CG_NONE, "a v2 mount without controllers is not used");
    is_str(cg_mode_name(h.kind), "degraded", "and the mode says so");
    ok(strstr(h.why, "offers no memory and pids controllers") != NULL, "with the reason");
}

static void test_nothing_usable(void)
{
    struct cg_hier h;
    detect("none", "30 23 0:26 / / rw - ext4 /dev/root rw\n", "0::/\n", &h);
    is_int(h.kind, CG_NONE, "no cgroup mount at all: degraded");
    is_str(h.why, "no cgroup2 mount and no cgroup v1 memory hierarchy", "with the reason");
}

static void test_v1(void)
{
    char line[4 * PATH_MAX];
    const char *ctrl[] = {"memory", "pids", "cpuacct"};
    char dirs[3][PATH_MAX];
    for (int i = 0; i < 3; i++) {
        snprintf(dirs[i], PATH_MAX, "%s/v1-%s", base, ctrl[i]);
        mkdir(dirs[i], 0755);
    }
    snprintf(line, sizeof line,
             "30 23 0:26 / %s rw - cgroup cgroup rw,memory\n"
             "31 23 0:27 / %s rw - cgroup cgroup rw,pids\n"
             "32 23 0:28 / %s rw - cgroup cgroup rw,cpu,cpuacct\n", dirs[0], dirs[1], dirs[2]);
    struct cg_hier h;
    detect("v1", line, "4:memory:/\n3:pids:/\n2:cpu,cpuacct:/\n0::/\n", &h);
    is_int(h.kind, CG_V1, "v1 memory+pids found");
    ok(h.cpuacct[0] != '\0', "cpuacct found in a co-mounted hierarchy");

    struct cg_slot s;
    char err[256];
    is_int(cg_slot_create(&h, "uid-1", &limits, &s, err, sizeof err), 0, "v1 slot created");
    is_int(s.ndirs, 3, "memory, pids and cpuacct dirs");
    is_str(get(s.dirs[0], "memory.limit_in_bytes"), "67108864", "memory limit");
    is_str(get(s.dirs[0], "memory.swappiness"), "0", "no memsw: swappiness 0");
    is_str(get(s.dirs[1], "pids.max"), "32", "pids.max");
    put(s.dirs[0], "memory.max_usage_in_bytes", "2097152\n");
    put(s.dirs[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    put(s.dirs[2], "cpuacct.usage", "5000000\n");
    check_stats(&s, 2048, 2, 5);
}

int main(void)
{
    if (!mkdtemp(base))
        return 1;
    test_v2();
    test_v2_without_controllers();
    test_nothing_usable();
    test_v1();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", base);
    return done_testing();
}
