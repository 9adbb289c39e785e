// expect: ok
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
    int port = 0;
    if (scanf("%d", &port) != 1)
        return 3;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        printf("contained socket: %s\n", strerror(errno));
        return 0;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        puts("ESCAPED connected");
    else
        printf("contained connect: %s\n", strerror(errno));
    return 0;
}
