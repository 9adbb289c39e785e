// expect: runtime_error
int main(void) { return *(volatile int *)0; }
