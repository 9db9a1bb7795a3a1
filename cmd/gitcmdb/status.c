/*
 * gitcmdb status: finish a work-tree update a commit left unfinished, then show
 * what a person changed against main. The safe first step before plain git.
 */
#include <stdio.h>

#include "cli.h"

static int print_json(const char *base, int finished, json_t *changes)
{
	size_t i;
	json_t *c, *r;

	json_array_foreach(changes, i, c) json_object_set_new(c, "managed",
		json_boolean(cmdb_path_managed(json_string_value(json_object_get(c, "path")))));
	r = json_pack("{s:s?, s:b, s:O}", "main", *base ? base : NULL, "finished_update", finished,
		"changes", changes);
	if (!r)
		return cli_errorf(CLI_FAIL, "out of memory");
	cli_print_json(r);
	json_decref(r);
	return CLI_OK;
}

static void print_text(const char *base, json_t *changes)
{
	size_t i;
	json_t *c;

	cli_printf("on main %.12s\n", base);
	if (json_array_size(changes) == 0)
		puts("nothing changed: the work tree matches main");
	json_array_foreach(changes, i, c)
	{
		const char *path = json_string_value(json_object_get(c, "path"));

		cli_printf("%-9s %s%s\n", json_string_value(json_object_get(c, "status")), path,
			cmdb_path_managed(path) ? ""
						: "   (not gitcmdb's: commit leaves it alone)");
	}
}

static int run_status(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	json_t *changes = NULL;
	char base[41] = "";
	int finished = 0, rc = CLI_FAIL;

	(void)opts;
	(void)argc;
	(void)argv;
	if (cmdb_repo_sync(ctx->repo, &finished) < 0 ||
		cmdb_repo_worktree_changes(&changes, base, ctx->repo) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (finished)
		cli_errorf(0,
			"finished an interrupted work-tree update: the work tree and git "
			"index follow main again");
	if (ctx->json)
		rc = print_json(base, finished, changes);
	else {
		print_text(base, changes);
		rc = CLI_OK;
	}
done:
	json_decref(changes);
	return rc;
}

const cli_command cli_cmd_status = {
	.name = "status",
	.summary = "finish an interrupted update; show what you changed",
	.synopsis = "gitcmdb status [--json]",
	.about = "First finish a work-tree update that an earlier commit left unfinished (its\n"
		 "writer was killed, or the disk filled after main had moved): the files and git\n"
		 "index entries that nobody edited since are brought to main. Then list the files\n"
		 "whose bytes differ from main, as 'gitcmdb commit' sees them.\n"
		 "\n"
		 "Until that update is finished, the work tree lags main and plain git takes the\n"
		 "lag for your edits: run 'gitcmdb status' before 'git status', 'git add' or\n"
		 "'git commit -a' whenever a gitcmdb command was interrupted or warned that the\n"
		 "work tree could not be updated. (gitcmdb commit, fmt and scan finish it\n"
		 "themselves.)\n",
	.notes = "--json prints {\"main\", \"finished_update\", \"changes\": [{\"path\",\n"
		 "\"status\", \"managed\"}]}.\n"
		 "Exit 0 (changes or not), 1 failure (the update could not be finished: nothing\n"
		 "else was done), 2 bad usage.\n",
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_WORKTREE,
	.run = run_status,
};
