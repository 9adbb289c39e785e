// expect: security_violation
// reason: add_key
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_add_key, "user", "k", "v", 1, -2);
    printf("ESCAPED: add_key returned %ld\n", rc);
    return 0;
}
