// expect: security_violation
// reason: socket
#include <stdio.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <arpa/inet.h>
int main(void)
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    printf("ESCAPED packet socket %d\n", fd);
    return 0;
}
