// expect: ok
// /proc shows only the program's own processes (hidepid), so pid 1 (the
// root-owned box init) and the host are out of reach.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
    char buf[256];
    ssize_t n = readlink("/proc/1/root", buf, sizeof buf - 1);
    printf("%s /proc/1/root\n", n >= 0 ? "ESCAPED" : "contained");
    n = readlink("/proc/1/exe", buf, sizeof buf - 1);
    printf("%s /proc/1/exe\n", n >= 0 ? "ESCAPED" : "contained");
    DIR *d = opendir("/proc/1/root/");
    printf("%s opendir /proc/1/root\n", d ? "ESCAPED" : "contained");
    int own = 0;
    struct dirent *e;
    DIR *proc = opendir("/proc");
    while (proc && (e = readdir(proc)))
        if (atoi(e->d_name) > 0)
            own++;
    printf("visible processes: %d\n", own);
    return own <= 2 ? 0 : 42;
}
