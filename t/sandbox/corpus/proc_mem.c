// expect: ok
// /proc/self/mem only reaches the program's own memory; /proc/1/mem (the
// box's root-owned init) is hidden and off limits.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static volatile int target = 1;
int main(void)
{
    int fd = open("/proc/self/mem", O_RDWR);
    int value = 2;
    if (fd >= 0 && pwrite(fd, &value, sizeof value, (off_t)(unsigned long)&target) == sizeof value)
        printf("own memory rewritten: %d\n", target);
    fd = open("/proc/1/mem", O_RDWR);
    printf("%s /proc/1/mem\n", fd >= 0 ? "ESCAPED" : "contained");
    return 0;
}
