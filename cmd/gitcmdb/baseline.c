/*
 * gitcmdb baseline: name a configuration of main (an annotated tag
 * refs/tags/baseline/NAME) so that every WHEN can say baseline/NAME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *message, *at;
} baseline_args;

static const cli_option create_options[] = {
	CLI_OPT_STRING(baseline_args, message, "message", 'm', "MSG",
		"the tag's message (default \"gitcmdb baseline\")"),
	CLI_OPT_WHEN(baseline_args, at, "at", "the commit of main to name (default main's tip)"),
	CLI_OPT_END,
};

static const char *field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static int run_create(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const baseline_args *a = o;
	char commit[41];
	int rc = CLI_OK;

	(void)argc;
	if (cmdb_baseline_create(commit, ctx->repo, argv[0], a->message, a->at) < 0)
		return cli_fail(NULL);
	if (ctx->json) {
		json_t *r = json_pack("{s:s, s:s, s:s+}", "name", argv[0], "commit", commit, "ref",
			"refs/tags/baseline/", argv[0]);

		rc = r ? cli_print_json(r) : cli_errorf(CLI_FAIL, "out of memory");
		json_decref(r);
	} else {
		cli_printf("baseline/%s -> %.12s\n", argv[0], commit);
	}
	return rc;
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	json_t *list = NULL, *e;
	size_t i;
	int rc = CLI_OK;

	(void)o, (void)argc, (void)argv;
	if (cmdb_baseline_list(&list, ctx->repo) < 0)
		return cli_fail(NULL);
	if (ctx->json)
		rc = cli_print_json(list);
	else
		json_array_foreach(list, i, e) cli_printf("%-20s %.12s %s %s\n", field(e, "name"),
			field(e, "commit"), field(e, "commit_time"), field(e, "message"));
	if (!ctx->json && json_array_size(list) == 0)
		fputs("no baselines\n", stderr);
	json_decref(list);
	return rc;
}

static int run_delete(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)o, (void)argc;
	if (cmdb_baseline_delete(ctx->repo, argv[0]) < 0)
		return cli_fail(NULL);
	cli_printf("deleted baseline/%s\n", argv[0]);
	return CLI_OK;
}

static const cli_command create_cmd = {
	.name = "create",
	.summary = "tag a commit of main as baseline/NAME",
	.synopsis = "gitcmdb baseline create NAME [-m MSG] [--at WHEN] [--json]",
	.about = "Create the annotated tag refs/tags/baseline/NAME (tagger: $GIT_AUTHOR_NAME or\n"
		 "git config user.name, else 'gitcmdb user') on main's tip, or on the latest\n"
		 "commit of main at WHEN. An existing NAME is refused. Every WHEN (diff, show\n"
		 "--at, history) then accepts baseline/NAME.\n",
	.options = create_options,
	.opts_size = sizeof(baseline_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.operands = "NAME",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give the baseline a name, e.g. 2026-Q4",
	.run = run_create,
};
static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the baselines",
	.synopsis = "gitcmdb baseline list [--json]",
	.about = "One line a baseline: name, commit, the commit's time, the tag's message.\n"
		 "--json: [{\"name\", \"commit\", \"commit_time\", \"created\", \"tagger\", "
		 "\"message\"}].\n",
	.opts_size = sizeof(baseline_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};
static const cli_command delete_cmd = {
	.name = "delete",
	.summary = "delete the tag baseline/NAME (the commits stay)",
	.synopsis = "gitcmdb baseline delete NAME",
	.about = "Delete the tag refs/tags/baseline/NAME. History is not touched.\n",
	.opts_size = sizeof(baseline_args),
	.needs = CLI_NEEDS_REPO,
	.operands = "NAME",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give the name of the baseline to delete",
	.run = run_delete,
};

static const cli_command *const baseline_subcommands[] = {
	&create_cmd, &list_cmd, &delete_cmd, NULL};

const cli_command cli_cmd_baseline = {
	.name = "baseline",
	.summary = "baselines (tags baseline/NAME): create, list, delete",
	.about = "A baseline names a configuration of main: an annotated git tag\n"
		 "refs/tags/baseline/NAME. Every WHEN accepts baseline/NAME (diff, show --at,\n"
		 "history).\n",
	.subcommands = baseline_subcommands,
};
