/* gitcmdb index: bring the SQLite history index up to date (or rebuild it) and report. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli_index.h"

typedef struct {
	int rebuild;
} index_opts;

static const cli_option index_options[] = {
	CLI_OPT_FLAG(index_opts, rebuild, "rebuild", 0,
		"discard the index and build it again from the first commit"),
	CLI_OPT_END,
};

cmdb_index *cli_index_open(
	cmdb_repo **repo, cli_ctx *ctx, const char *db, int no_refresh, unsigned flags)
{
	cmdb_index *idx = NULL;

	*repo = NULL;
	if (!(*repo = cli_open_repo(ctx)))
		return NULL;
	if (!no_refresh)
		flags |= CMDB_INDEX_REFRESH;
	if (cmdb_index_open(&idx, *repo, db, flags) < 0 && cmdb_error_last_code() == CMDB_ELOCKED &&
		(flags & CMDB_INDEX_REFRESH) &&
		cmdb_index_open(&idx, *repo, db, flags & ~(unsigned)CMDB_INDEX_REFRESH) == 0)
		cli_errorf(0,
			"warning: another gitcmdb is updating the index; answering from its last "
			"complete state");
	if (!idx) {
		cli_fail(cmdb_error_last_code() == CMDB_ELOCKED
				? "another gitcmdb is writing the index; try again"
				: NULL);
		cmdb_repo_free(*repo);
		*repo = NULL;
		return NULL;
	}
	if (cmdb_index_warning(idx))
		cli_errorf(0, "warning: %s", cmdb_index_warning(idx));
	return idx;
}

/*
 * A command that read a damaged index has failed with SQLite's message: say so,
 * and repair it now when the user may (move it aside, rebuild; or a private index
 * for a repository the user cannot write), so that running it again works.
 */
void cli_index_close(cmdb_index *idx, cmdb_repo *repo)
{
	if (idx && cmdb_index_damaged(idx)) {
		if (cmdb_index_repair(idx) == 0)
			cli_errorf(0, "warning: %s; run the command again",
				cmdb_index_warning(idx) ? cmdb_index_warning(idx)
							: "the index was damaged and is repaired");
		else
			cli_errorf(0, "the index is damaged: %s", cmdb_error_last());
	}
	cmdb_index_free(idx);
	cmdb_repo_free(repo);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int report(
	const cmdb_index_counts *n, cmdb_index *idx, int added, int rebuilt, double secs, int json)
{
	if (json) {
		json_t *o = json_pack("{s:i, s:I, s:I, s:I, s:f, s:b, s:s}", "commits_added", added,
			"commits", (json_int_t)n->commits, "items", (json_int_t)n->items,
			"items_ever", (json_int_t)n->items_ever, "seconds", secs, "rebuilt",
			rebuilt, "db", cmdb_index_path(idx));
		int rc = o ? cli_print_json(o) : cli_errorf(CLI_FAIL, "out of memory");

		json_decref(o);
		return rc;
	}
	cli_printf("%s %d commit%s: %lld commits, %lld items (%lld ever) in %.2f s\n",
		rebuilt ? "rebuilt from" : "indexed", added, added == 1 ? "" : "s", n->commits,
		n->items, n->items_ever, secs);
	return CLI_OK;
}

static int run_index(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const char *db = ctx->db;
	int rebuild = ((const index_opts *)opts)->rebuild, json = ctx->json, added = 0, warned,
	    rc = CLI_FAIL;
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	cmdb_index_counts counts;
	double t0;

	(void)argc, (void)argv;
	t0 = now_seconds();
	if (!(idx = cli_index_open(&repo, ctx, db, 1, 0)))
		goto done;
	warned = cmdb_index_warning(idx) != NULL;
	/* the one command that reads every page: a damaged page elsewhere than on the
	 * update's path is found here, not by the next query */
	if ((!rebuild && cmdb_index_check(idx) < 0) ||
		(rebuild ? cmdb_index_rebuild(idx) : cmdb_index_refresh(idx, &added)) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (!warned && cmdb_index_warning(idx)) /* damage found while updating */
		cli_errorf(0, "warning: %s", cmdb_index_warning(idx));
	if (cmdb_index_count(&counts, idx) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (rebuild)
		added = (int)counts.commits;
	rc = report(&counts, idx, added, rebuild, now_seconds() - t0, json);
done:
	cli_index_close(idx, repo);
	return rc;
}

/* Opens the index itself (no refresh first: it refreshes or rebuilds and counts). */
const cli_command cli_cmd_index = {
	.name = "index",
	.summary = "bring the SQLite history index up to date",
	.synopsis = "gitcmdb index [--rebuild] [--db FILE] [--json]",
	.about = "Bring the history index (SQLite, default <gitdir>/gitcmdb/index.db) up to date "
		 "with\n"
		 "main: every commit reachable from main, every version of every item, flattened\n"
		 "attributes and relations, each with its validity interval. The index is derived\n"
		 "data: deleting it and running this again gives the same answers. Commands that\n"
		 "read the index (show, history, query, ...) catch it up themselves first.\n",
	.notes = "First checks every page of the index (PRAGMA quick_check): a damaged index is\n"
		 "moved aside to <file>.corrupt-<time> and rebuilt. A file that is another\n"
		 "application's database is refused and left untouched.\n"
		 "\n"
		 "Prints the commits added, the items (current and ever) and the time taken\n"
		 "(with --json as an object).\n",
	.options = index_options,
	.opts_size = sizeof(index_opts),
	.shared = CLI_SHARED_JSON | CLI_SHARED_DB,
	.run = run_index,
};
