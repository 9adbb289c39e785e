// expect: security_violation
// reason: setns
#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
int main(void)
{
    long rc = (long)setns(open("/proc/self/ns/net", O_RDONLY), 0);
    printf("ESCAPED: setns returned %ld\n", rc);
    return 0;
}
