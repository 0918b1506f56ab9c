/* Private to the `folio mpi` command: the subcommands of src/cli/cmd_mpi_merge.c (merge, unmerge,
 * the duplicate worklist, overlays), dispatched from cmd_mpi.c. */
#ifndef FOLIO_CLI_CMD_MPI_MERGE_H
#define FOLIO_CLI_CMD_MPI_MERGE_H

#include "folio/base.h"
#include "cli/cli.h"

/* Usage lines of these subcommands (appended to `folio mpi help`). */
extern const char cmd_mpi_merge_usage[];

/* Runs `folio mpi SUB ...` (argv[0] = SUB) when SUB is one of merge, unmerge, merges, worklist,
 * scan, decide, overlays; *handled false (and FOLIO_OK returned) otherwise. */
int cmd_mpi_merge_dispatch(struct folio_cli *cli, int argc, char **argv, bool *handled);

#endif
