// expect: security_violation
// reason: kexec_load
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_kexec_load, 0, 0, 0, 0);
    printf("ESCAPED: kexec_load returned %ld\n", rc);
    return 0;
}
