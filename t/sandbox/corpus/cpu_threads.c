// expect: time_limit
// Four threads burning CPU: their time adds up against the CPU limit (the
// reason is not asserted: on a loaded host the wall clock may win).
#include <pthread.h>
static void *burn(void *arg) { for (volatile unsigned long i = 0;; i++) ; return arg; }
int main(void)
{
    pthread_t t;
    for (int i = 0; i < 4; i++)
        pthread_create(&t, NULL, burn, NULL);
    burn(NULL);
    return 0;
}
