// expect: security_violation
// reason: userfaultfd
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_userfaultfd, 0);
    printf("ESCAPED: userfaultfd returned %ld\n", rc);
    return 0;
}
