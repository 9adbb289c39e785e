// expect: security_violation
// reason: ptrace
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/ptrace.h>
int main(void)
{
    long rc = (long)ptrace(PTRACE_TRACEME, 0, 0, 0);
    printf("ESCAPED: ptrace returned %ld\n", rc);
    return 0;
}
