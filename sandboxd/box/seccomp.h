/* seccomp: the system call filter. libseccomp compiles it into a classic
 * BPF program at build time (filter_gen.c: the rules are there); the
 * program installs it last, right before execve. Forbidden calls raise a user
 * notification instead of killing: the parent reads the call's number and
 * architecture from the listener fd, names the call and kills the box, so
 * the verdict is exact and the program cannot intercept it (SIGSYS could be
 * caught). */
#ifndef CODERUN_SECCOMP_H
#define CODERUN_SECCOMP_H

#include <linux/filter.h>
#include <stddef.h>

/* The prebuilt program; static storage, nothing to free. */
void filter_program(struct sock_fprog *prog);

/* Child: load prog with a new listener; returns the listener fd or -1. */
int filter_install(const struct sock_fprog *prog, char *err, size_t errlen);

/* Parent: reads one pending notification and writes "forbidden system
 * call: NAME" into reason. 0 on success, -1 if none could be read. */
int filter_explain(int listener, char *reason, size_t len);

#endif
