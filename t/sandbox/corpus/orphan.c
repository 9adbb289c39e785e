// expect: ok
// The grandchild outlives its parent; killing the pid namespace when the
// program ends must take it along (the test checks for leftover processes).
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            for (;;)
                sleep(1);
        }
        return 0;
    }
    puts("parent done");
    return 0;
}
