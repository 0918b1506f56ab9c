/* Placeholder while the audit command is being written: replaced by its owner. */
#include "folio/base.h"
#include "cli/cli.h"

int cmd_audit(struct folio_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return folio_err_set(&cli->err, FOLIO_EUSAGE, NULL, "'audit' is not available yet");
}
