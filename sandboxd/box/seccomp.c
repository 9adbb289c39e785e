#define _GNU_SOURCE
#include "box/seccomp.h"
#include "box/boxerr.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* The program filter_gen compiled at build time: prebuilt_filter[]. */
#include "filter_prog.inc"

void filter_program(struct sock_fprog *prog)
{
    /* the kernel only reads it */
    prog->filter = (struct sock_filter *)prebuilt_filter;
    prog->len = (unsigned short)(sizeof prebuilt_filter / sizeof *prebuilt_filter);
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
