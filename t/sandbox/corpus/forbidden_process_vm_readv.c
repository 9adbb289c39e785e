// expect: security_violation
// reason: process_vm_readv
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
    long rc = (long)syscall(SYS_process_vm_readv, 1, 0, 0, 0, 0, 0);
    printf("ESCAPED: process_vm_readv returned %ld\n", rc);
    return 0;
}
