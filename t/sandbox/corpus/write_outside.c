// expect: ok
// Everything outside /box and /tmp is read-only or not there at all.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
int main(void)
{
    char port[16], sock[256], name[256], canary[256], canary_new[300], canary_file[300];
    if (scanf("%15s %255s %255s %255s", port, sock, name, canary) != 4)
        return 3;
    snprintf(canary_new, sizeof canary_new, "%s/pwned", canary);
    snprintf(canary_file, sizeof canary_file, "%s/canary", canary);
    const char *paths[] = {"/pwned", "/etc/pwned", "/usr/pwned", "/usr/bin/pwned", "/dev/pwned",
                           "/proc/pwned", canary_new, canary_file,
                           "/work/main/PWNED", "/var/lib/coderun/box/pwned", "/etc/passwd", NULL};
    for (const char **p = paths; *p; p++) {
        int fd = open(*p, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0 && write(fd, "pwned\n", 6) == 6 && access(*p, F_OK) == 0)
            printf("ESCAPED wrote %s\n", *p);
        else
            printf("contained %s: %s\n", *p, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    int fd = open("/box/scratch", O_WRONLY | O_CREAT, 0644);
    printf("work dir writable: %s\n", fd >= 0 ? "yes" : "no");
    return fd >= 0 ? 0 : 3;
}
