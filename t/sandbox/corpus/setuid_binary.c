// expect: ok
// A setuid-root binary must not raise privileges: /usr is mounted nosuid
// and no_new_privs is set.
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
    struct stat st;
    struct statvfs vfs;
    if (stat("/usr/bin/su", &st) != 0 || statvfs("/usr/bin/su", &vfs) != 0)
        return puts("no /usr/bin/su"), 0;
    printf("setuid bit %s, nosuid mount %s, no_new_privs %d\n", (st.st_mode & S_ISUID) ? "set" : "clear",
           (vfs.f_flag & ST_NOSUID) ? "yes" : "no", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* runs, but as the box user: the setuid bit is ignored */
        execl("/usr/bin/mount", "mount", "-V", (char *)NULL);
        _exit(99);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!(vfs.f_flag & ST_NOSUID) || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        puts("ESCAPED: setuid would take effect");
    return 0;
}
