/* gitcmdb init: create a new CMDB repository (library: cmdb_repo_init). */
#include <stdio.h>

#include "cli.h"

typedef struct {
	int bare;
} init_opts;

static const cli_option init_options[] = {
	CLI_OPT_FLAG(init_opts, bare, "bare", 0,
		"create a bare repository (no work tree; scans and the library\n"
		"commit without one)"),
	CLI_OPT_END,
};

static int run_init(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const init_opts *o = opts;
	cmdb_repo *repo = NULL;
	const char *dir = argc ? argv[0] : ctx->dir;

	if (!dir || !*dir)
		return cli_usage(ctx, "missing DIR: give the directory to create");
	if (cmdb_repo_init(&repo, dir, o->bare) < 0)
		return cli_fail(NULL);
	cli_printf("Initialised %s CMDB repository in %s\n", o->bare ? "bare" : "a",
		o->bare ? cmdb_repo_gitdir(repo) : cmdb_repo_workdir(repo));
	cmdb_repo_free(repo);
	return CLI_OK;
}

const cli_command cli_cmd_init = {
	.name = "init",
	.summary = "create a new CMDB repository",
	.synopsis = "gitcmdb init [--bare] DIR",
	.about = "Create a new CMDB repository in DIR (which must not exist or be empty):\n"
		 "a git repository whose HEAD is main, with a first commit holding\n"
		 "gitcmdb.yaml (repository settings) and a commented example inventory.yaml.\n",
	.notes =
		"DIR defaults to -C DIR / $GITCMDB_DIR when given, never to an existing non-empty\n"
		"directory. Exit 0 on success, 1 on failure, 2 on bad usage.\n",
	.options = init_options,
	.opts_size = sizeof(init_opts),
	.operands = "DIR",
	.max_operands = 1,
	.run = run_init,
};
