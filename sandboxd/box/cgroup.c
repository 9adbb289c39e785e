#define _GNU_SOURCE
#include "box/cgroup.h"
#include "box/boxerr.h"
#include "common/text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REMOVE_TRIES 200      /* x 5 ms: processes die asynchronously */

static int write_file(const char *dir, const char *name, const char *value)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* O_CREAT is a no-op on cgroupfs (files exist or the open fails) and
     * lets tests use plain directories */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)len ? 0 : -1;
}

static ssize_t read_file(const char *dir, const char *name, char *buf, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

/* Value of "key N" in a flat keyed file (memory.events, cpu.stat,
 * memory.oom_control); -1 when absent. */
static long keyed_value(const char *dir, const char *file, const char *key)
{
    char buf[4096];
    if (read_file(dir, file, buf, sizeof buf) <= 0)
        return -1;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
            return strtol(line + klen + 1, NULL, 10);
    return -1;
}

static long number_file(const char *dir, const char *file)
{
    char buf[64];
    if (read_file(dir, file, buf, sizeof buf) <= 0)
        return -1;
    return strtol(buf, NULL, 10);
}

static bool has_word(const char *list, const char *word, const char *seps)
{
    size_t wlen = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += wlen)
        if ((p == list || strchr(seps, p[-1])) && (p[wlen] == '\0' || strchr(seps, p[wlen])))
            return true;
    return false;
}

/* Calls match on each line of text until it returns true; match gets a
 * copy it may cut up. */
static bool find_line(const char *text, bool (*match)(char *line, void *ctx), void *ctx)
{
    char line[4096];
    for (const char *s = text; s && *s;) {
        size_t n = strcspn(s, "\n");
        if (n < sizeof line) {
            memcpy(line, s, n);
            line[n] = '\0';
            if (match(line, ctx))
                return true;
        }
        s += n;
        s += *s == '\n';
    }
    return false;
}

struct lookup {
    const char *controller;   /* NULL or "": the v2 hierarchy */
    char *out;
    size_t len;
};

/* A /proc/self/mountinfo line of the cgroup2 mount, or of the v1 mount
 * carrying the controller: stores its mount point. */
static bool match_mount(char *line, void *ctx)
{
    struct lookup *l = ctx;
    char point[PATH_MAX], fstype[64], options[1024];
    const char *sep = strstr(line, " - ");
    if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1
        || sscanf(sep + 3, "%63s %*s %1023s", fstype, options) != 2)
        return false;
    if (l->controller ? strcmp(fstype, "cgroup") != 0 || !has_word(options, l->controller, ",")
                      : strcmp(fstype, "cgroup2") != 0)
        return false;
    return snprintf(l->out, l->len, "%s", point) < (int)l->len;
}

/* A /proc/self/cgroup line ("ID:CONTROLLERS:PATH") of the hierarchy:
 * stores our own path in it ("" for the root). */
static bool match_own_path(char *line, void *ctx)
{
    struct lookup *l = ctx;
    char *ctrls = strchr(line, ':'), *rel = ctrls ? strchr(ctrls + 1, ':') : NULL;
    if (!rel)
        return false;
    *rel++ = '\0';
    rel[strcspn(rel, "\n")] = '\0';
    ctrls++;
    if (*l->controller ? !has_word(ctrls, l->controller, ",") : *ctrls != '\0')
        return false;
    return snprintf(l->out, l->len, "%s", strcmp(rel, "/") == 0 ? "" : rel) < (int)l->len;
}

static bool find_mount(const char *mountinfo, const char *controller, char *mnt, size_t len)
{
    struct lookup l = {controller, mnt, len};
    return find_line(mountinfo, match_mount, &l);
}

static bool own_path(const char *self_cgroup, const char *controller, char *path, size_t len)
{
    struct lookup l = {controller, path, len};
    return find_line(self_cgroup, match_own_path, &l);
}

static int make_dir(const char *dir)
{
    return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Records why no hierarchy is usable (the first reason found is kept: a
 * cgroup2 mount's beats the v1 fallback's). Returns false for chaining. */
static bool give_up(struct cg_hier *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool give_up(struct cg_hier *h, const char *fmt, ...)
{
    if (h->why[0])
        return false;
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start above */
    vsnprintf(h->why, sizeof h->why, fmt, ap);
    va_end(ap);
    return false;
}

static int enable_controllers(const char *dir)
{
    return write_file(dir, "cgroup.subtree_control", "+memory +pids");
}

/* "No internal processes": the controllers can be enabled for dir's
 * children only once dir holds no process, so sandboxd moves itself into a
 * leaf dir/daemon, which works when dir is its own (systemd's Delegate=yes).
 * When other processes share dir, it moves back and removes the leaf. */
static bool v2_leave_for_leaf(struct cg_hier *h, const char *dir)
{
    char leaf[PATH_MAX];
    if (snprintf(leaf, sizeof leaf, "%s/daemon", dir) >= (int)sizeof leaf)
        return give_up(h, "cgroup2 %s: path too long", dir);
    if (make_dir(leaf) != 0 || write_file(leaf, "cgroup.procs", "0") != 0)
        return give_up(h, "cgroup2 %s: cannot move sandboxd into %s: %s", dir, leaf, strerror(errno));
    if (enable_controllers(dir) == 0)
        return true;
    int saved = errno;
    write_file(dir, "cgroup.procs", "0");
    rmdir(leaf);
    return give_up(h, "cgroup2 %s holds other processes besides sandboxd, so it cannot enable"
                      " memory and pids for a child (%s); start sandboxd in a cgroup of its own,"
                      " as the systemd unit's Delegate=yes does", dir, strerror(saved));
}

static bool v2_prepare(struct cg_hier *h, const char *dir)
{
    char buf[512];
    if (read_file(dir, "cgroup.controllers", buf, sizeof buf) < 0)
        return give_up(h, "cgroup2 %s: %s", dir, strerror(errno));
    if (!has_word(buf, "memory", " \n") || !has_word(buf, "pids", " \n"))
        return give_up(h, "cgroup2 %s offers no memory and pids controllers (it has: %.*s)", dir,
                       (int)strcspn(buf, "\n"), buf);
    if (enable_controllers(dir) != 0
        && (errno != EBUSY ? give_up(h, "cgroup2 %s: enable memory and pids: %s", dir, strerror(errno))
                           : !v2_leave_for_leaf(h, dir)))
        return false;
    if (snprintf(h->v2, sizeof h->v2, "%s/coderun", dir) >= (int)sizeof h->v2 || make_dir(h->v2) != 0)
        return give_up(h, "cgroup2 %s/coderun: %s", dir, strerror(errno));
    if (enable_controllers(h->v2) != 0) {
        int saved = errno;
        rmdir(h->v2);
        return give_up(h, "cgroup2 %s: enable memory and pids: %s", h->v2, strerror(saved));
    }
    return true;
}

static bool v1_base(struct cg_hier *h, const char *mountinfo, const char *self_cgroup,
                    const char *controller, char *out, size_t outlen)
{
    char mnt[PATH_MAX], rel[PATH_MAX];
    if (!find_mount(mountinfo, controller, mnt, sizeof mnt)
        || !own_path(self_cgroup, controller, rel, sizeof rel))
        return give_up(h, "no cgroup2 mount and no cgroup v1 %s hierarchy", controller);
    if (snprintf(out, outlen, "%s%s/coderun", mnt, rel) >= (int)outlen || make_dir(out) != 0)
        return give_up(h, "cgroup v1 %s%s/coderun: %s", mnt, rel, strerror(errno));
    return true;
}

/* mountinfo and self_cgroup are the two files' contents. */
static void detect(struct cg_hier *h, const char *mountinfo, const char *self_cgroup)
{
    char mnt[PATH_MAX], rel[PATH_MAX], dir[2 * PATH_MAX];
    if (find_mount(mountinfo, NULL, mnt, sizeof mnt)
        && own_path(self_cgroup, "", rel, sizeof rel)
        && snprintf(dir, sizeof dir, "%s%s", mnt, rel) < (int)sizeof dir
        && v2_prepare(h, dir)) {
        h->kind = CG_V2;
        return;
    }
    if (!v1_base(h, mountinfo, self_cgroup, "memory", h->memory, sizeof h->memory))
        return;
    if (!v1_base(h, mountinfo, self_cgroup, "pids", h->pids, sizeof h->pids)) {
        rmdir(h->memory);
        return;
    }
    if (!v1_base(h, mountinfo, self_cgroup, "cpuacct", h->cpuacct, sizeof h->cpuacct))
        h->cpuacct[0] = '\0';
    h->kind = CG_V1;
    h->why[0] = '\0';
}

void cg_detect(struct cg_hier *h, const char *mountinfo_path, const char *self_cgroup_path)
{
    /* read once: the lookups walk them up to four times */
    char *mountinfo = text_read_file(mountinfo_path, NULL);
    char *self_cgroup = text_read_file(self_cgroup_path, NULL);
    memset(h, 0, sizeof *h);
    detect(h, mountinfo, self_cgroup);
    free(mountinfo);
    free(self_cgroup);
}

const char *cg_mode_name(enum cg_kind kind)
{
    return kind == CG_V2 ? "cgroup2" : kind == CG_V1 ? "cgroup1" : "degraded";
}

static void kill_members(const char *dir)
{
    char buf[4096];
    if (read_file(dir, "cgroup.procs", buf, sizeof buf) <= 0)
        return;
    for (char *p = buf, *end; *p; p = end) {
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 0)
            kill((pid_t)pid, SIGKILL);
    }
}

static int remove_dir(const char *dir)
{
    struct timespec pause = {.tv_nsec = 5L * 1000 * 1000};
    for (int i = 0; i < REMOVE_TRIES; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -1;
        kill_members(dir);
        nanosleep(&pause, NULL);
    }
    return -1;
}

/* A slot dir left by a crashed run is emptied and recreated, so limits and
 * peak counters always start fresh. */
static int fresh_dir(const char *dir)
{
    if (mkdir(dir, 0755) == 0)
        return 0;
    if (errno != EEXIST || remove_dir(dir) != 0)
        return -1;
    return mkdir(dir, 0755);
}

static bool file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int set_limits_v2(const char *dir, const struct box_limits *l)
{
    char mem[32], pids[32];
    snprintf(mem, sizeof mem, "%llu", (unsigned long long)l->memory_kb * 1024);
    snprintf(pids, sizeof pids, "%u", l->pids);
    if (write_file(dir, "memory.max", mem) != 0 || write_file(dir, "pids.max", pids) != 0
        || write_file(dir, "memory.oom.group", "1") != 0)
        return -1;
    /* absent without swap accounting, where there is no swap to turn off */
    if (file_exists(dir, "memory.swap.max") && write_file(dir, "memory.swap.max", "0") != 0)
        return -1;
    return 0;
}

static int set_limits_v1(const char *memory, const char *pids_dir, const struct box_limits *l)
{
    char mem[32], pids[32];
    snprintf(mem, sizeof mem, "%llu", (unsigned long long)l->memory_kb * 1024);
    snprintf(pids, sizeof pids, "%u", l->pids);
    if (write_file(memory, "memory.limit_in_bytes", mem) != 0
        || write_file(pids_dir, "pids.max", pids) != 0)
        return -1;
    /* memory+swap at the same limit means no swap; without swap accounting
     * the file is absent and swappiness 0 keeps the box out of swap */
    if (file_exists(memory, "memory.memsw.limit_in_bytes"))
        return write_file(memory, "memory.memsw.limit_in_bytes", mem);
    return write_file(memory, "memory.swappiness", "0");
}

int cg_slot_create(const struct cg_hier *h, const char *name, const struct box_limits *l,
                   struct cg_slot *s, char *err, size_t errlen)
{
    const char *bases[3] = {h->v2};
    memset(s, 0, sizeof *s);
    s->kind = h->kind;
    if (h->kind == CG_V1) {
        bases[0] = h->memory;
        bases[1] = h->pids;
        bases[2] = h->cpuacct[0] ? h->cpuacct : NULL;
    }
    for (int i = 0; i < 3 && bases[i]; i++) {
        if (snprintf(s->dirs[i], PATH_MAX, "%s/%s", bases[i], name) >= PATH_MAX) {
            errno = ENAMETOOLONG;
            return box_fail(err, errlen, "cgroup path");
        }
        if (fresh_dir(s->dirs[i]) != 0)
            return box_fail(err, errlen, "create cgroup %s", s->dirs[i]);
        s->ndirs = i + 1;
    }
    int rc = h->kind == CG_V2 ? set_limits_v2(s->dirs[0], l)
                              : set_limits_v1(s->dirs[0], s->dirs[1], l);
    if (rc != 0)
        return box_fail(err, errlen, "set cgroup limits in %s", name);
    return 0;
}

int cg_slot_open_join(const struct cg_slot *s, int *fds, char *err, size_t errlen)
{
    /* v1: the program is one thread when it joins, so its thread moving
     * (tasks) is its whole process moving. Writing cgroup.procs instead
     * write-locks every thread group on the machine, which waits for an
     * RCU grace period: 6 to 24 ms a run, measured, against 0.1 ms. */
    const char *file = s->kind == CG_V1 ? "tasks" : "cgroup.procs";
    for (int i = 0; i < s->ndirs; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", s->dirs[i], file);
        if ((fds[i] = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
            box_fail(err, errlen, "open %s", path);
            while (i-- > 0) {
                close(fds[i]);
                fds[i] = -1;
            }
            return -1;
        }
    }
    return 0;
}

int cg_slot_open_dir(const struct cg_slot *s, int *fd, char *err, size_t errlen)
{
    if ((*fd = open(s->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return box_fail(err, errlen, "open %s", s->dirs[0]);
    return 0;
}

int cg_slot_stats(const struct cg_slot *s, struct cg_stats *st)
{
    const char *dir = s->dirs[0];
    long peak, cpu;
    if (s->kind == CG_V2) {
        if ((peak = number_file(dir, "memory.peak")) < 0)   /* before Linux 5.19 */
            peak = number_file(dir, "memory.current");
        st->oom_kills = keyed_value(dir, "memory.events", "oom_kill");
        cpu = keyed_value(dir, "cpu.stat", "usage_usec");
        st->cpu_ms = cpu < 0 ? -1 : cpu / 1000.0;
    } else {
        peak = number_file(dir, "memory.max_usage_in_bytes");
        st->oom_kills = keyed_value(dir, "memory.oom_control", "oom_kill");
        cpu = s->ndirs > 2 ? number_file(s->dirs[2], "cpuacct.usage") : -1;
        st->cpu_ms = cpu < 0 ? -1 : cpu / 1e6;
    }
    st->memory_peak_kb = peak < 0 ? -1 : peak / 1024;
    return peak < 0 ? -1 : 0;
}

void cg_slot_kill(const struct cg_slot *s)
{
    if (s->kind == CG_V2 && write_file(s->dirs[0], "cgroup.kill", "1") == 0)
        return;   /* Linux 5.14+ */
    for (int i = 0; i < s->ndirs; i++)
        kill_members(s->dirs[i]);
}

int cg_slot_remove(const struct cg_slot *s)
{
    int rc = 0;
    /* v1: remove_dir kills the members only if there are any */
    if (s->kind == CG_V2)
        cg_slot_kill(s);
    for (int i = 0; i < s->ndirs; i++)
        if (remove_dir(s->dirs[i]) != 0)
            rc = -1;
    return rc;
}
