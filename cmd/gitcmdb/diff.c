/* gitcmdb diff: estate-wide, field-level differences between two points of history. */
#include <getopt.h>
#include <stdio.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

const char usage_diff[] =
	"usage: gitcmdb diff WHEN [WHEN2] [--json] [--db FILE] [--no-refresh]\n"
	"\n"
	"Show what changed across the whole estate from WHEN to WHEN2 (default: now):\n"
	"items added (+) and removed (-), attributes changed (~, 'path: old -> new',\n"
	"'(absent)' for a field that was not there), and relations added and removed.\n"
	"WHEN2 earlier than WHEN shows the change backwards.\n"
	"\n"
	"  WHEN          a date (2026-11-28, UTC), a date-time (2026-11-28T22:10:00+01:00),\n"
	"                a relative time (7.days.ago), a git revision (main~2, a sha), a\n"
	"                baseline name (tag), or 'now'\n"
	"  --json        {from, to, added, removed, changed: [{id, changes: [{path, old,\n"
	"                new}]}], relations_added, relations_removed}\n"
	"  --db FILE     use FILE as the index database\n"
	"  --no-refresh  do not catch the index up with main first\n"
	"\n"
	"Exit status: 0 shown (also when nothing changed); 1 failure or a WHEN before the\n"
	"first commit; 2 usage or malformed WHEN.\n";

int cmd_diff(int argc, char **argv, cli_ctx *ctx)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
		{"db", required_argument, NULL, 'd'}, {"no-refresh", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}};
	const char *db = NULL;
	int json = 0, no_refresh = 0, c, rc = CLI_FAIL;
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	json_t *res = NULL;
	char *text = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'd': db = optarg; break;
		case 'n': no_refresh = 1; break;
		default: return cli_usage("diff", "bad option");
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage("diff",
			optind >= argc ? "diff since when? give a WHEN such as 7.days.ago"
				       : "diff takes at most two WHENs");
	if (!(idx = cli_index_open(&repo, ctx, db, no_refresh, 0)))
		goto done;
	if (cmdb_estate_diff(&res, idx, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL) <
		0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	if (json) {
		cli_print_json(res);
	} else {
		if (cmdb_estate_diff_format_text(&text, res) < 0) {
			rc = cli_fail(NULL);
			goto done;
		}
		fputs(text, stdout);
	}
	rc = CLI_OK;
done:
	cmdb_free(text);
	json_decref(res);
	cli_index_close(idx, repo);
	return rc;
}
