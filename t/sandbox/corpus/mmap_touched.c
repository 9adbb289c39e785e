// expect: memory_limit
// The same mapping, touched page by page.
#include <stddef.h>
#include <sys/mman.h>
int main(void)
{
    char *p = mmap(NULL, 8UL << 30, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return 3;
    for (unsigned long i = 0; i < (8UL << 30); i += 4096)
        p[i] = 1;
    return 0;
}
