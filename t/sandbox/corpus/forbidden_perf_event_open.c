// expect: security_violation
// reason: perf_event_open
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);
    printf("ESCAPED: perf_event_open returned %ld\n", rc);
    return 0;
}
