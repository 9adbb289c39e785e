// expect: time_limit
// A classic fork bomb: the pids limit stops it, the CPU limit ends it.
#include <unistd.h>
int main(void) { for (;;) fork(); }
