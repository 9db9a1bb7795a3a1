/* What change, incident and problem share in the CLI: their output and option lists. */
#ifndef GITCMDB_RECORD_PRINT_H
#define GITCMDB_RECORD_PRINT_H

#include "cli.h"

/* An option list as the library's id list (borrowing its strings). */
cmdb_id_list rec_ids(const cli_list *l);
/* After a write: the id on stdout's first line, then "committed <sha>: <what>" (or with
 * json {"id", "commit"}); a work tree left behind is warned about on stderr. */
int rec_written(cli_ctx *ctx, const char *id, const char *commit, const char *what);
/* A failed write: the library's message, exit 1 (with a hint for a busy repository). */
int rec_failed(void);
/* `list`: one line a record (id, status, then cols, then summary), or the JSON array. */
int rec_print_list(const json_t *list, int json, const char *const *cols);
/* `show`: the record, its related items, and any section a front-end added (drifts). */
int rec_print_show(const json_t *show, int json);
/* What the index adds to a record's show: *res (caller's) for record id. */
typedef int (*rec_index_fn)(json_t **res, cli_ctx *ctx, const char *id, const void *opts);
/* `show ID`: the record as on main; with index, the keys of its result (NULL-terminated)
 * added to it; printed. A CLI_* code. */
int rec_run_show(cli_ctx *ctx, const char *id, rec_index_fn index, const void *opts,
	const char *const *keys);

#endif
