/* sandboxd-db: the sandboxd commands that need PostgreSQL, started by
 * sandboxd (main.c) with its arguments unchanged; `run` works here too. */
#include "cli/cli.h"
#include "cli/commands.h"

int main(int argc, char **argv)
{
    static const struct command commands[] = {
        {"serve", cmd_serve}, {"migrate", cmd_migrate}, {"key", cmd_key}, {"run", cmd_run},
    };
    return cli_main(argc, argv, commands, sizeof commands / sizeof *commands, NULL);
}
