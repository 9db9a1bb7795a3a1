/* Opening the history index for a CLI command (shared by index, show, history, query, and
 * any command that reads the index): --db, --no-refresh, warnings printed once. */
#ifndef GITCMDB_CLI_INDEX_H
#define GITCMDB_CLI_INDEX_H

#include <gitcmdb/index.h>

#include "cli.h"

/*
 * Open the repository of ctx and its index (db NULL = default path), catching up
 * with main unless no_refresh; flags may add CMDB_INDEX_READONLY. Prints any
 * warning and, on failure, the error; returns NULL then (*repo is NULL too).
 */
cmdb_index *cli_index_open(
	cmdb_repo **repo, cli_ctx *ctx, const char *db, int no_refresh, unsigned flags);
/* Free both (NULL-safe). */
void cli_index_close(cmdb_index *idx, cmdb_repo *repo);

#endif
