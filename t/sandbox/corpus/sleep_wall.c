// expect: time_limit
// reason: wall
// Uses no CPU: only the wall clock limit can end it.
#include <unistd.h>
int main(void) { sleep(100); return 0; }
