// expect: security_violation
// reason: unshare
#define _GNU_SOURCE
#include <stdio.h>
#include <sched.h>
int main(void)
{
    long rc = (long)unshare(CLONE_NEWUSER);
    printf("ESCAPED: unshare returned %ld\n", rc);
    return 0;
}
