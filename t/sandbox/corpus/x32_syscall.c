// expect: security_violation
// reason: x32
// getpid through the x32 ABI: same AUDIT_ARCH as x86_64, number | 0x40000000.
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = syscall(0x40000000 | SYS_getpid);
    printf("ESCAPED: x32 getpid returned %ld\n", rc);
    return 0;
}
