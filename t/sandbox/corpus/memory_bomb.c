// expect: memory_limit
// malloc and touch every page: the cgroup OOM killer ends it.
#include <stdlib.h>
#include <string.h>
int main(void)
{
    for (;;) {
        char *p = malloc(1 << 20);
        if (p)
            memset(p, 1, 1 << 20);
    }
}
