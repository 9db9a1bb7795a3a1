/* gitcmdb init: create a new CMDB repository (library: cmdb_repo_init). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

const char usage_init[] =
	"usage: gitcmdb init [--bare] DIR\n"
	"\n"
	"Create a new CMDB repository in DIR (which must not exist or be empty):\n"
	"a git repository whose HEAD is main, with a first commit holding\n"
	"gitcmdb.yaml (repository settings) and a commented example inventory.yaml.\n"
	"\n"
	"options:\n"
	"  --bare      create a bare repository (no work tree; scans and the library\n"
	"              commit without one)\n"
	"  -h, --help  show this help\n"
	"\n"
	"DIR defaults to -C DIR / $GITCMDB_DIR when given, never to an existing non-empty\n"
	"directory. Exit 0 on success, 1 on failure, 2 on bad usage.\n";

int cmd_init(int argc, char **argv, cli_ctx *ctx)
{
	static const struct option longopts[] = {
		{"bare", no_argument, NULL, 'b'},
		{NULL, 0, NULL, 0},
	};
	cmdb_repo *repo = NULL;
	const char *dir;
	int bare = 0, c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'b')
			bare = 1;
		else
			return cli_usage("init", "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cli_usage("init", "too many arguments");
	dir = optind < argc ? argv[optind] : ctx->dir;
	if (!dir || !*dir)
		return cli_usage("init", "init needs a directory");
	if (cmdb_repo_init(&repo, dir, bare) < 0)
		return cli_fail(NULL);
	printf("Initialised %s CMDB repository in %s\n", bare ? "bare" : "a",
		bare ? cmdb_repo_gitdir(repo) : cmdb_repo_workdir(repo));
	cmdb_repo_free(repo);
	return CLI_OK;
}
