/* gitcmdb find: items whose attributes match an expression, now or at a past point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

static void print_text(const json_t *res)
{
	json_t *item, *m;
	size_t i, j;

	json_array_foreach(json_object_get(res, "items"), i, item)
	{
		cli_put_field(stdout, json_string_value(json_object_get(item, "id")));
		json_array_foreach(json_object_get(item, "matches"), j, m)
		{
			json_t *v = json_object_get(m, "value");
			char *s = json_is_string(v) ? NULL
						    : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			cli_printf("  %s=%s", json_string_value(json_object_get(m, "path")),
				s ? s : json_string_value(v));
			free(s);
		}
		putchar('\n');
	}
}

/* A bad expression is a usage error: say so before touching the repository. */
static int check_expr(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)opts, (void)argc;
	if (cmdb_find_check(argv[0]) < 0)
		return cli_usage(
			ctx, "%s: see 'gitcmdb help find' for the syntax", cmdb_error_last());
	return CLI_OK;
}

static int run_find(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)opts, (void)argc;
	if (cmdb_find(&res, ctx->idx, argv[0], ctx->at) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	if (ctx->json)
		cli_print_json(res);
	else
		print_text(res);
	rc = CLI_OK;
done:
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_find = {
	.name = "find",
	.summary = "find items by attribute expression",
	.synopsis = "gitcmdb find EXPR [--at WHEN] [--json] [--db FILE] [--no-refresh]",
	.about = "List the items whose attributes satisfy every term of EXPR at WHEN (default:\n"
		 "now). Terms are joined by ',' or 'and'; each is PATH OP VALUE or a bare PATH\n"
		 "(the attribute exists):\n"
		 "\n"
		 "  gitcmdb find 'attributes.packages.openssl.version<3.0.13'\n"
		 "  gitcmdb find 'attributes.os.id=debian and annotations.owner~^team-'\n"
		 "  gitcmdb find 'attributes.packages.*.version>=2:0, type=host'\n"
		 "\n"
		 "PATH is a flattened item path (type, name, attributes.os.id,\n"
		 "annotations.owner, ...; 'id' is the item id); '*' matches any run of\n"
		 "characters, dots included. OP is = != < <= > >= ~ (POSIX extended regex) or !~.\n"
		 "VALUE runs to the next ',' or ' and '; quote it ('...' or \"...\") to include\n"
		 "those. Ordering compares numbers as numbers and everything else as package\n"
		 "versions: rpm rules on hosts whose attributes.os.id is rpm-based (rhel, centos,\n"
		 "fedora, rocky, almalinux, ol, sles, ...; their services too), dpkg rules\n"
		 "otherwise ('~' sorts before anything, epoch first). A list matches when any\n"
		 "element does; != and !~ when none does. A term only matches items that have\n"
		 "the attribute.\n",
	.notes = "Text output: one line per item, 'ID  path=value ...'; with --json {expr, at,\n"
		 "items: [{id, type, matches: [{path, value}]}]}. See docs/queries.md.\n"
		 "Exit status: 0 query ran (also with no match); 1 failure or WHEN before the\n"
		 "first commit; 2 usage, an expression that does not parse, or malformed WHEN.\n",
	.shared = CLI_SHARED_AT | CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "EXPR",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an expression such as 'attributes.os.id=debian'",
	.check = check_expr,
	.run = run_find,
};
