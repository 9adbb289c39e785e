/* The trivial program of sandbox_overhead_ms: built with gcc -static, then
 * exec'd bare and through `sandboxd run`; the difference is the sandbox. */
int main(void)
{
    return 0;
}
