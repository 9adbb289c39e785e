/* cmd_serve: `sandboxd serve` — the worker daemon (worker/serve.h). */
#include "cli/commands.h"
#include "worker/serve.h"

int cmd_serve(const struct config *cfg, int argc, char **argv)
{
    (void)argv;
    return argc == 1 ? serve(cfg) : -1;
}
