/* gitcmdb gc: pack loose objects and prune unreachable ones older than two weeks. */
#include <stdio.h>

#include "cli.h"

typedef struct {
	int libgit2;
} gc_args;

static const cli_option gc_options[] = {
	CLI_OPT_FLAG(gc_args, libgit2, "libgit2", 0,
		"pack with libgit2's packbuilder even when git is installed"),
	CLI_OPT_END,
};

int cli_auto_pack(cli_ctx *ctx, long threshold)
{
	cmdb_gc_opts go = CMDB_GC_OPTS_INIT;
	json_t *rep = NULL;
	size_t loose = 0;

	if (threshold <= 0 || cmdb_repo_loose_count(&loose, ctx->repo) < 0 ||
		loose <= (size_t)threshold)
		return CLI_OK;
	if (cmdb_repo_gc(&rep, ctx->repo, &go) < 0)
		return cli_errorf(0, "warning: automatic gc failed: %s", cmdb_error_last());
	json_decref(rep);
	return CLI_OK;
}

static int run_gc(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const gc_args *a = o;
	cmdb_gc_opts go = CMDB_GC_OPTS_INIT;
	json_t *rep = NULL;
	int rc = CLI_OK;

	(void)argc, (void)argv;
	go.use_git = !a->libgit2;
	if (cmdb_repo_gc(&rep, ctx->repo, &go) < 0)
		return cli_fail(NULL);
	if (ctx->json)
		rc = cli_print_json(rep);
	else
		cli_printf("gc (%s): %lld loose objects -> %lld, %lld packs, %lld -> %lld bytes, "
			   "%lld ms\n",
			json_string_value(json_object_get(rep, "method")),
			(long long)json_integer_value(json_object_get(rep, "loose_before")),
			(long long)json_integer_value(json_object_get(rep, "loose_after")),
			(long long)json_integer_value(json_object_get(rep, "packs_after")),
			(long long)json_integer_value(json_object_get(rep, "bytes_before")),
			(long long)json_integer_value(json_object_get(rep, "bytes_after")),
			(long long)json_integer_value(json_object_get(rep, "ms")));
	json_decref(rep);
	return rc;
}

const cli_command cli_cmd_gc = {
	.name = "gc",
	.summary = "pack loose objects, prune unreachable ones older than two weeks",
	.synopsis = "gitcmdb gc [--libgit2] [--json]",
	.about = "Pack the repository's loose objects ('git gc' when git is installed, else\n"
		 "libgit2's packbuilder) and prune unreachable objects older than two weeks.\n"
		 "Safe while scans and other gitcmdb commands run. A scan or commit runs it\n"
		 "itself when loose objects exceed gitcmdb.yaml maintenance.auto_pack (5000).\n",
	.options = gc_options,
	.opts_size = sizeof(gc_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_gc,
};
