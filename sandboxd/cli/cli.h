/* cli: the sandboxd command line both executables share: global options
 * (-c CONFIG, -d CONNINFO), the configuration, then one command. */
#ifndef CODERUN_CLI_H
#define CODERUN_CLI_H

#include "worker/config.h"

#include <stddef.h>

/* Where `make install` and `sandboxd setup` keep the configuration. */
#ifndef ETC_DIR
#define ETC_DIR "/etc/coderun"
#endif

struct command {
    const char *name;
    int (*fn)(const struct config *cfg, int argc, char **argv);
    /* Read when neither -c nor -d is given and it exists (NULL: none). */
    const char *default_config;
};

/* Runs the command argv names from cmds. A command not in cmds goes to
 * elsewhere (given the whole argv) when it is set, else gets the usage. */
int cli_main(int argc, char **argv, const struct command *cmds, size_t ncmds,
             int (*elsewhere)(char **argv));

#endif
