/* filter_gen: compiles the sandbox's system call filter with libseccomp
 * and prints it as a C array (build/sandboxd/filter_prog.inc) that
 * seccomp.c includes. The filter depends on nothing configurable, so it is
 * built once with the daemon instead of on every start (~0.8 ms of each
 * `sandboxd run`). Run on the machine (architecture) it is built for. */
#define _GNU_SOURCE
#include "box/boxerr.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* Kernel attack surface a judge never needs (DESIGN.md, step 6; Docker's
 * default profile). Names unknown on this architecture are skipped. */
static const char *const forbidden[] = {
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "userfaultfd", "perf_event_open", "bpf",
    "keyctl", "add_key", "request_key",
    "mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "unshare", "setns", "personality", "open_by_handle_at", "name_to_handle_at",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
    "iopl", "ioperm", "lookup_dcookie", "uselib", "vm86", "vm86old",
    NULL,
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
    CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

static int add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
    int rc = 0;
    for (const char *const *name = forbidden; rc == 0 && *name; name++) {
        int nr = seccomp_syscall_resolve_name(*name);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
    }
    for (size_t i = 0; rc == 0 && i < sizeof namespace_flags / sizeof *namespace_flags; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]));
    /* clone3's flags live in memory seccomp cannot read: ENOSYS makes libc
     * fall back to clone, whose flags the rules above do see. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* Only AF_UNIX sockets. Internet sockets fail quietly instead of ending
     * the run, because the JVM and others probe them at start-up; the empty
     * network namespace would leave them nowhere to connect anyway. Every
     * other family (netlink, packet, alg, vsock, ...) is a violation. */
    for (int family = 0; rc == 0 && family < AF_MAX; family++)
        if (family != AF_UNIX)
            rc = seccomp_rule_add(ctx, family == AF_INET || family == AF_INET6
                                           ? SCMP_ACT_ERRNO(EAFNOSUPPORT) : SCMP_ACT_NOTIFY,
                                  SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)family));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_GE, (scmp_datum_t)AF_MAX));
    if (rc != 0) {
        errno = -rc;
        return box_fail(err, errlen, "seccomp rule");
    }
    return 0;
}

/* Explicit x32 check in front of libseccomp's program: x32 calls carry the
 * native AUDIT_ARCH_X86_64, so an architecture check alone lets them in.
 * Classic BPF jumps are relative, so prepending keeps the rest valid. */
static const struct sock_filter x32_guard[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
};
#define X32_GUARD_LEN (sizeof x32_guard / sizeof *x32_guard)

/* libseccomp 2.5 exports only to a file descriptor: a memfd keeps it in
 * memory. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog, char *err, size_t errlen)
{
    int fd = memfd_create("coderun-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return box_fail(err, errlen, "memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
    struct sock_filter *code = NULL;
    if (size > 0 && (code = malloc(sizeof x32_guard + (size_t)size))
        && pread(fd, code + X32_GUARD_LEN, (size_t)size, 0) == size) {
        memcpy(code, x32_guard, sizeof x32_guard);
        prog->filter = code;
        prog->len = (unsigned short)(X32_GUARD_LEN + (size_t)size / sizeof *code);
        close(fd);
        return 0;
    }
    free(code);
    close(fd);
    if (rc != 0)
        errno = -rc;
    return box_fail(err, errlen, "export seccomp filter");
}

static int filter_build(struct sock_fprog *prog, char *err, size_t errlen)
{
    *prog = (struct sock_fprog){0};
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        errno = ENOMEM;
        return box_fail(err, errlen, "seccomp_init");
    }
    /* Native architecture only: i386 calls (int 0x80) take this action. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
    if (rc != 0) {
        errno = -rc;
        rc = box_fail(err, errlen, "seccomp bad-arch action");
    } else if ((rc = add_rules(ctx, err, errlen)) == 0) {
        rc = export_program(ctx, prog, err, errlen);
    }
    seccomp_release(ctx);
    return rc;
}

int main(void)
{
    char err[256];
    struct sock_fprog prog;
    if (filter_build(&prog, err, sizeof err) != 0) {
        fprintf(stderr, "filter_gen: %s\n", err);
        return 1;
    }
    printf("/* generated by filter_gen (sandboxd/filter_gen.c): do not edit */\n"
           "static const struct sock_filter prebuilt_filter[] = {\n");
    for (unsigned i = 0; i < prog.len; i++)
        printf("    {0x%04x, %u, %u, 0x%08x},\n", prog.filter[i].code, prog.filter[i].jt,
               prog.filter[i].jf, prog.filter[i].k);
    printf("};\n");
    free(prog.filter);
    return fflush(stdout) == 0 ? 0 : 1;
}
