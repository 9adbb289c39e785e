// expect: security_violation
// reason: mount
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mount.h>
int main(void)
{
    long rc = (long)mount("none", "/tmp", "tmpfs", 0, NULL);
    printf("ESCAPED: mount returned %ld\n", rc);
    return 0;
}
