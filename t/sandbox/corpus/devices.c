// expect: ok
// /dev holds null, zero and urandom only.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    const char *bad[] = {"/dev/sda", "/dev/mem", "/dev/kmsg", "/dev/tty", "/dev/shm", NULL};
    for (const char **p = bad; *p; p++)
        printf("%s %s\n", open(*p, O_RDONLY) >= 0 ? "ESCAPED" : "contained", *p);
    int fd = open("/dev/urandom", O_RDONLY);
    unsigned char b[4];
    printf("urandom %s\n", fd >= 0 && read(fd, b, 4) == 4 ? "works" : "broken");
    return fd >= 0 ? 0 : 3;
}
