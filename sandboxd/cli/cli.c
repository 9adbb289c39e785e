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
        "  setup [--database CONNINFO] [--httpd-user USER]\n"
        "  key add NAME [--token-stdin] [SETTINGS] | key set NAME SETTINGS\n"
        "  key list | key revoke NAME\n"
        "      (without -c or -d: " ETC_DIR "/admin.conf, as `sandboxd setup` writes it)\n"
        "    SETTINGS: --max-unfinished N --max-time-ms N --max-memory-mb N\n"
        "      --max-output-kb N --max-inputs N --daily-cpu-seconds S\n"
        "      (each a number or 'default': the server's) --languages L1,L2|all\n"
        "      --expires TIMESTAMP|never\n"
        "  key scope NAME all|own          (the figures its dashboard shows)\n"
        "  purge --before TIME   roll up due days, delete ended jobs created before TIME\n"
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
    if (!config_path && !conninfo && cmd->default_config && access(cmd->default_config, F_OK) == 0)
        config_path = cmd->default_config;
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
