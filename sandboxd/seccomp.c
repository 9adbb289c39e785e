#define _GNU_SOURCE
#include "seccomp.h"
#include "boxerr.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

int filter_build(struct sock_fprog *prog, char *err, size_t errlen)
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

void filter_free(struct sock_fprog *prog)
{
    free(prog->filter);
    *prog = (struct sock_fprog){0};
}

int filter_install(const struct sock_fprog *prog, char *err, size_t errlen)
{
    /* no_new_privs is already set by identity_drop, as the kernel requires
     * for an unprivileged filter load. */
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
    if (fd < 0)
        return box_fail(err, errlen, "load seccomp filter");
    return (int)fd;
}

static const char *abi_name(uint32_t arch, int nr)
{
    if (arch != seccomp_arch_native())
        return "non-native ABI ";
    return (nr & __X32_SYSCALL_BIT) ? "x32 ABI " : "";
}

int filter_explain(int listener, char *reason, size_t len)
{
    struct seccomp_notif n;
    memset(&n, 0, sizeof n);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0)
        return -1;
    uint32_t arch = n.data.arch == seccomp_arch_native() && (n.data.nr & __X32_SYSCALL_BIT)
                        ? SCMP_ARCH_X32 : n.data.arch;
    char *name = seccomp_syscall_resolve_num_arch(arch, n.data.nr);
    if (name)
        snprintf(reason, len, "forbidden system call: %s%s", abi_name(n.data.arch, n.data.nr), name);
    else
        snprintf(reason, len, "forbidden system call: %s%d", abi_name(n.data.arch, n.data.nr), n.data.nr);
    free(name);
    return 0;
}
