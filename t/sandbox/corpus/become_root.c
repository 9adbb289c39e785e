// expect: ok
// No capabilities and no way back to uid 0.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
    if (setuid(0) == 0 || setgid(0) == 0 || sethostname("pwned", 5) == 0)
        puts("ESCAPED privileged call worked");
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "Uid", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0) {
            fputs(line, stdout);
            if (strncmp(line, "Cap", 3) == 0 && !strstr(line, "0000000000000000"))
                puts("ESCAPED capability left");
        }
    return 0;
}
