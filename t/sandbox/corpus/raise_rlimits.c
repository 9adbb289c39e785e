// expect: ok
// Hard limits cannot be raised without CAP_SYS_RESOURCE.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
int main(void)
{
    int res[] = {RLIMIT_CPU, RLIMIT_NPROC, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_STACK};
    for (unsigned i = 0; i < sizeof res / sizeof *res; i++) {
        struct rlimit rl;
        getrlimit(res[i], &rl);
        rl.rlim_max = RLIM_INFINITY;
        rl.rlim_cur = RLIM_INFINITY;
        if (setrlimit(res[i], &rl) == 0)
            printf("ESCAPED raised limit %d\n", res[i]);
        else
            printf("contained %d: %s\n", res[i], strerror(errno));
    }
    return 0;
}
