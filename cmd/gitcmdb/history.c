/* gitcmdb history: an item's versions with field-level changes, from the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_index.h"

typedef struct {
	const char *path;
} history_opts;

static const cli_option history_options[] = {
	CLI_OPT_STRING(history_opts, path, "path", 0, "ATTR",
		"only changes to ATTR or below it (attributes.packages.openssl);\n"
		"versions that change nothing there are left out"),
	CLI_OPT_END,
};

static void print_value(const json_t *v)
{
	char *s;

	if (!v || json_is_null(v)) {
		fputs("(none)", stdout);
		return;
	}
	if (json_is_string(v)) {
		cli_put_field(stdout, json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	cli_put_field(stdout, s ? s : "?");
	free(s);
}

static void print_text(const json_t *res, int all_fields)
{
	size_t i, j;
	json_t *v, *c;

	json_array_foreach(json_object_get(res, "versions"), i, v)
	{
		const char *kind = json_string_value(json_object_get(v, "kind"));
		json_t *ch = json_object_get(v, "changes");
		const char *author = json_string_value(json_object_get(v, "author"));

		cli_printf("%s  %.12s  %s  %s  %s\n", json_string_value(json_object_get(v, "time")),
			json_string_value(json_object_get(v, "commit")), author ? author : "?",
			kind,
			json_string_value(json_object_get(v, "summary"))
				? json_string_value(json_object_get(v, "summary"))
				: "");
		if (!all_fields && strcmp(kind, "modified") != 0)
			cli_printf("    (%zu field%s)\n", json_array_size(ch),
				json_array_size(ch) == 1 ? "" : "s");
		else
			json_array_foreach(ch, j, c)
			{
				cli_printf(
					"    %s: ", json_string_value(json_object_get(c, "path")));
				print_value(json_object_get(c, "old"));
				fputs(" → ", stdout);
				print_value(json_object_get(c, "new"));
				fputc('\n', stdout);
			}
		json_array_foreach(json_object_get(v, "change_ids"), j, c)
			cli_printf("    Change: %s\n", json_string_value(c));
	}
	json_array_foreach(json_object_get(res, "change_records"), i, c)
		cli_printf("change record: %s\n", json_string_value(c));
}

static int run_history(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const char *path = ((const history_opts *)opts)->path, *id = argv[0];
	cmdb_index *idx = ctx->idx;
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)argc;
	if (cmdb_index_item_history(&res, idx, id, path) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (ctx->json) {
		rc = cli_print_json(res);
		goto done;
	}
	print_text(res, path != NULL);
	if (path && json_array_size(json_object_get(res, "versions")) == 0)
		cli_errorf(0, "%s has no recorded changes at or under '%s'", id, path);
	rc = CLI_OK;
done:
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_history = {
	.name = "history",
	.summary = "list an item's versions and field changes",
	.synopsis = "gitcmdb history ID [--path ATTR] [--json] [--db FILE] [--no-refresh]",
	.about =
		"List every version of item ID, oldest first: the commit, its time and author, "
		"whether\n"
		"the item was created, modified or deleted there, and each field that changed as\n"
		"old → new (flattened paths such as attributes.packages.openssl.version; "
		"relations\n"
		"as relations.TYPE). Change ids come from the commit's 'Change:' trailers; change\n"
		"records whose 'affects' names the item are listed too.\n"
		"\n"
		"With --json: {id, path, change_records, versions: [{seq, commit, time, author,\n"
		"email, summary, kind, changes: [{path, op, old, new}], change_ids}]}.\n",
	.notes = "Exit status: 0 listed; 1 unknown item; 2 usage.\n",
	.options = history_options,
	.opts_size = sizeof(history_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "ID",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an ID such as host/web01",
	.run = run_history,
};
