// expect: security_violation
// reason: keyctl
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_keyctl, 0, 0, 0, 0, 0);
    printf("ESCAPED: keyctl returned %ld\n", rc);
    return 0;
}
