// expect: ok
// Invalid UTF-8 and NUL bytes on stdout must still give valid JSON.
#include <unistd.h>
int main(void)
{
    static const char bytes[] = "ok \xff\xfe\xc3( \x80 nul:\0:end\n";
    write(1, bytes, sizeof bytes - 1);
    write(2, bytes, sizeof bytes - 1);
    return 0;
}
