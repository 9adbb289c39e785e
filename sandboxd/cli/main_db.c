/* sandboxd-db: the sandboxd commands that need PostgreSQL, started by
 * sandboxd (main.c) with its arguments unchanged; `run` works here too. */
#include "cli/cli.h"
#include "cli/commands.h"

int main(int argc, char **argv)
{
    static const struct command commands[] = {
        {"serve", cmd_serve, NULL}, {"migrate", cmd_migrate, NULL},
        {"key", cmd_key, ETC_DIR "/admin.conf"}, {"run", cmd_run, NULL},
        {"setup", cmd_setup, NULL},
        {"purge", cmd_purge, ETC_DIR "/admin.conf"},
    };
    return cli_main(argc, argv, commands, sizeof commands / sizeof *commands, NULL);
}
