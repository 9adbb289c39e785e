// expect: ok
// A huge mapping that is never touched costs no memory: not a limit hit.
#include <stdio.h>
#include <sys/mman.h>
int main(void)
{
    void *p = mmap(NULL, 64UL << 30, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    puts(p == MAP_FAILED ? "mmap refused" : "mapped, untouched");
    return 0;
}
