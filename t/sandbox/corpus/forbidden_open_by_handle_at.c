// expect: security_violation
// reason: open_by_handle_at
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_open_by_handle_at, 0, 0, 0);
    printf("ESCAPED: open_by_handle_at returned %ld\n", rc);
    return 0;
}
