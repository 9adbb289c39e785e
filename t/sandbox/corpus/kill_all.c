// expect: ok
// kill(-1) reaches only the program's own pid namespace.
#include <signal.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
int main(void)
{
    int rc = kill(-1, SIGKILL);
    printf("kill(-1): %d %s\n", rc, rc ? strerror(errno) : "");
    rc = kill(1, SIGKILL);
    printf("kill(1): %d %s\n", rc, rc ? strerror(errno) : "");
    return 0;
}
