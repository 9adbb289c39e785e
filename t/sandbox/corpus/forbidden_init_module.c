// expect: security_violation
// reason: init_module
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_init_module, 0, 0, "");
    printf("ESCAPED: init_module returned %ld\n", rc);
    return 0;
}
