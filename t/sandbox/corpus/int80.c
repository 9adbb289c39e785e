// expect: security_violation
// reason: non-native
// expect-without-ia32: runtime_error
// (kernels without IA-32 emulation answer int 0x80 with SIGSEGV)
// The i386 ABI through int 0x80 (eax 20 = getpid there).
#include <stdio.h>
int main(void)
{
    long rc;
    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
    printf("ESCAPED: int 0x80 returned %ld\n", rc);
    return 0;
}
