/* gitcmdb find: items whose attributes match an expression, now or at a past point. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

const char usage_find[] =
	"usage: gitcmdb find EXPR [--at WHEN] [--json] [--db FILE] [--no-refresh]\n"
	"\n"
	"List the items whose attributes satisfy every term of EXPR at WHEN (default:\n"
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
	"the attribute.\n"
	"\n"
	"  --at WHEN     a date (2026-11-28, UTC), a date-time, a relative time\n"
	"                (3.days.ago), a git revision (main~2, a sha) or a baseline name\n"
	"  --json        {expr, at, items: [{id, type, matches: [{path, value}]}]}\n"
	"  --db FILE     use FILE as the index database\n"
	"  --no-refresh  do not catch the index up with main first\n"
	"\n"
	"Text output: one line per item, 'ID  path=value ...'. See docs/queries.md.\n"
	"Exit status: 0 query ran (also with no match); 1 failure or WHEN before the\n"
	"first commit; 2 usage, an expression that does not parse, or malformed WHEN.\n";

static void print_text(const json_t *res)
{
	json_t *item, *m;
	size_t i, j;

	json_array_foreach(json_object_get(res, "items"), i, item)
	{
		fputs(json_string_value(json_object_get(item, "id")), stdout);
		json_array_foreach(json_object_get(item, "matches"), j, m)
		{
			json_t *v = json_object_get(m, "value");
			char *s = json_is_string(v) ? NULL
						    : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			printf("  %s=%s", json_string_value(json_object_get(m, "path")),
				s ? s : json_string_value(v));
			free(s);
		}
		putchar('\n');
	}
}

int cmd_find(int argc, char **argv, cli_ctx *ctx)
{
	static const struct option opts[] = {{"at", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'}, {"db", required_argument, NULL, 'd'},
		{"no-refresh", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	const char *db = NULL, *at = NULL;
	int json = 0, no_refresh = 0, c, rc = CLI_FAIL;
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	json_t *res = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': at = optarg; break;
		case 'j': json = 1; break;
		case 'd': db = optarg; break;
		case 'n': no_refresh = 1; break;
		default: return cli_usage("find", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage("find",
			optind >= argc ? "what to find? give an expression such as "
					 "'attributes.os.id=debian'"
				       : "find takes one expression (quote it)");
	/* A bad expression is a usage error: say so before touching the repository. */
	if (cmdb_find_check(argv[optind]) < 0)
		return cli_errorf(CLI_USAGE, "%s: see 'gitcmdb help find'", cmdb_error_last());
	if (!(idx = cli_index_open(&repo, ctx, db, no_refresh, 0)))
		goto done;
	if (cmdb_find(&res, idx, argv[optind], at) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	if (json)
		cli_print_json(res);
	else
		print_text(res);
	rc = CLI_OK;
done:
	json_decref(res);
	cli_index_close(idx, repo);
	return rc;
}
