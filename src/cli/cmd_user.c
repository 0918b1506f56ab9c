/* Placeholder while the user command is being written: replaced by its owner. */
#include "folio/base.h"
#include "cli/cli.h"

int cmd_user(struct folio_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return folio_err_set(&cli->err, FOLIO_EUSAGE, NULL, "'user' is not available yet");
}
