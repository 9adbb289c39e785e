#define _GNU_SOURCE
/* sandboxd: the coderun worker daemon and its admin CLI. `run` is served
 * here; serve, migrate and key talk to PostgreSQL and live in sandboxd-db
 * beside this executable, so that `run` starts without loading libpq and
 * the two dozen libraries it brings (8 of the 11 ms a start took). */
#include "cli/cli.h"
#include "cli/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DB_EXECUTABLE "sandboxd-db"

static int exec_db(char **argv)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof DB_EXECUTABLE - 1);
    char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
    if (!slash) {
        fprintf(stderr, "sandboxd: cannot find my own executable: %s\n", strerror(errno));
        return 1;
    }
    memcpy(slash + 1, DB_EXECUTABLE, sizeof DB_EXECUTABLE);
    execv(path, argv);
    fprintf(stderr, "sandboxd: %s: %s\n", path, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    static const struct command commands[] = {{"run", cmd_run, NULL}};
    return cli_main(argc, argv, commands, sizeof commands / sizeof *commands, exec_db);
}
