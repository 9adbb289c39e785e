// expect: security_violation
// reason: chroot
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    long rc = (long)chroot("/tmp");
    printf("ESCAPED: chroot returned %ld\n", rc);
    return 0;
}
