#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr,
        "usage: sandboxd [-c CONFIG] [-d CONNINFO] COMMAND\n"
        "  serve\n"
        "  migrate [-s SQLDIR]\n"
        "  key add NAME [--token-stdin] | key list | key revoke NAME\n"
        "  run [--lang L] [--mode program|function|problem] [--time-ms N]\n"
        "      [--memory-mb N] [--output-kb N] [--repeat N] [--standalone] FILE\n");
    return 2;
}

int cli_main(int argc, char **argv, const struct command *cmds, size_t ncmds,
             int (*elsewhere)(char **argv))
{
    const char *config_path = NULL, *conninfo = NULL;
    int opt;
    /* '+': options after the command belong to the command. */
    while ((opt = getopt(argc, argv, "+c:d:h")) != -1) {
        if (opt == 'c')
            config_path = optarg;
        else if (opt == 'd')
            conninfo = optarg;
        else
            return usage();
    }
    if (optind >= argc)
        return usage();
    const struct command *cmd = NULL;
    for (size_t i = 0; i < ncmds; i++)
        if (strcmp(argv[optind], cmds[i].name) == 0)
            cmd = &cmds[i];
    if (!cmd)
        return elsewhere ? elsewhere(argv) : usage();

    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    if ((config_path && config_load(&cfg, config_path, err, sizeof err) != 0)
        || (conninfo && config_set(&cfg, "database", conninfo, err, sizeof err) != 0)) {
        fprintf(stderr, "sandboxd: %s\n", err);
        config_free(&cfg);
        return 2;
    }
    char **sub = argv + optind;
    int subc = argc - optind;
    optind = 1;    /* the command parses its own options */
    int status = cmd->fn(&cfg, subc, sub);
    config_free(&cfg);
    return status < 0 ? usage() : status;
}
