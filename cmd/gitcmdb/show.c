/* gitcmdb show: an item as it was at a point in history, from the index. */
#include <stdio.h>

#include "cli_index.h"

static const char *field(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int print_text(const json_t *v)
{
	const json_t *commit = json_object_get(v, "commit");
	const char *author = field(commit, "author"), *summary = field(commit, "summary");
	char *yaml = NULL;
	size_t ylen = 0;

	if (cmdb_yaml_emit(&yaml, &ylen, json_object_get(v, "item"), CMDB_YAML_ITEM) < 0)
		return cli_fail(NULL);
	cli_printf("# %s from commit %s (%s, %s): %s\n", field(v, "id"), field(commit, "oid"),
		field(commit, "time"), author ? author : "?", summary ? summary : "");
	cli_put_text(stdout, yaml, ylen);
	cmdb_free(yaml);
	return CLI_OK;
}

static int run_show(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	json_t *v = NULL;
	int rc;

	(void)opts, (void)argc;
	if (cmdb_index_item_at(&v, ctx->idx, argv[0], ctx->at) < 0)
		return cmdb_error_last_code() == CMDB_EINVALID
			? cli_usage(ctx, "%s", cmdb_error_last())
			: cli_fail(NULL);
	rc = ctx->json ? cli_print_json(v) : print_text(v);
	json_decref(v);
	return rc;
}

const cli_command cli_cmd_show = {
	.name = "show",
	.summary = "show an item, now or at a past time",
	.synopsis = "gitcmdb show ID [--at WHEN] [--json] [--db FILE] [--no-refresh]",
	.about = "Print item ID (\"host/web01\") as it was at WHEN (default: now), as canonical "
		 "YAML\n"
		 "preceded by a comment naming the commit that version comes from, or with --json\n"
		 "as {id, seq, commit: {oid, time, author, email, summary}, blob, item}.\n",
	.notes = "Exit status: 0 shown; 1 unknown item, not present at WHEN, or WHEN before the\n"
		 "first commit; 2 usage or malformed WHEN.\n",
	.shared = CLI_SHARED_AT | CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "ID",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an ID such as host/web01",
	.run = run_show,
};
