// expect: ok
// /tmp is a size-capped tmpfs: writing stops with ENOSPC (or SIGXFSZ at the
// file size rlimit) instead of filling the host's disk.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
int main(void)
{
    signal(SIGXFSZ, SIG_IGN);
    char buf[65536];
    memset(buf, 'f', sizeof buf);
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 3;
    long total = 0;
    ssize_t n;
    while ((n = write(fd, buf, sizeof buf)) > 0)
        total += n;
    printf("stopped after %ld MiB: %s\n", total >> 20, strerror(errno));
    return total < (1L << 30) ? 0 : 42;
}
