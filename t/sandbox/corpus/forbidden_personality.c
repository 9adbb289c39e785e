// expect: security_violation
// reason: personality
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/personality.h>
int main(void)
{
    long rc = (long)personality(READ_IMPLIES_EXEC);
    printf("ESCAPED: personality returned %ld\n", rc);
    return 0;
}
