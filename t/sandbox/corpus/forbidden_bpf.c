// expect: security_violation
// reason: bpf
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_bpf, 0, 0, 0);
    printf("ESCAPED: bpf returned %ld\n", rc);
    return 0;
}
