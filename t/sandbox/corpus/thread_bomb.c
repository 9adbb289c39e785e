// expect: ok
// Threads until creation fails: the pids limit must stop it well below 1000.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *idle(void *arg) { (void)arg; pause(); return NULL; }
int main(void)
{
    int n = 0;
    pthread_t t;
    while (n < 100000 && pthread_create(&t, NULL, idle, NULL) == 0)
        n++;
    printf("threads %d\n", n);
    return n < 1000 ? 0 : 42;
}
