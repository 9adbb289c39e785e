// expect: runtime_error
// Unbounded recursion hits the stack rlimit: SIGSEGV.
#include <stdio.h>
static int down(volatile char *prev)
{
    volatile char frame[4096];
    frame[0] = prev ? prev[0] + 1 : 0;
    return down(frame) + frame[1];
}
int main(void) { printf("%d\n", down(NULL)); return 0; }
