// expect: security_violation
// reason: io_uring_setup
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_io_uring_setup, 8, 0);
    printf("ESCAPED: io_uring_setup returned %ld\n", rc);
    return 0;
}
