// expect: security_violation
// reason: clone
// clone with a namespace flag (the raw syscall, as an exploit would do it).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    long rc = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0)
        return 0;
    printf("ESCAPED: clone returned %ld\n", rc);
    return 0;
}
