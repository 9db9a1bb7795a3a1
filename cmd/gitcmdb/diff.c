/* gitcmdb diff: estate-wide, field-level differences between two points of history. */
#include <stdio.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

static int run_diff(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)opts;
	if (cmdb_estate_diff(&res, ctx->idx, argv[0], argc > 1 ? argv[1] : NULL) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	if (ctx->json) {
		cli_print_json(res);
	} else if (cli_print_formatted(res, cmdb_estate_diff_format_text) != CLI_OK) {
		goto done;
	}
	rc = CLI_OK;
done:
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_diff = {
	.name = "diff",
	.summary = "estate-wide differences between two points",
	.synopsis = "gitcmdb diff WHEN [WHEN2] [--json] [--db FILE] [--no-refresh]",
	.about = "Show what changed across the whole estate from WHEN to WHEN2 (default: now):\n"
		 "items added (+) and removed (-), attributes changed (~, 'path: old -> new',\n"
		 "'(absent)' for a field that was not there), and relations added and removed.\n"
		 "WHEN2 earlier than WHEN shows the change backwards.\n"
		 "\n"
		 "A WHEN is a date (2026-11-28, UTC), a date-time (2026-11-28T22:10:00+01:00),\n"
		 "a relative time (7.days.ago), a git revision (main~2, a sha), a baseline name\n"
		 "(tag), or 'now'.\n"
		 "With --json: {from, to, added, removed, changed: [{id, changes: [{path, old,\n"
		 "new}]}], relations_added, relations_removed}.\n",
	.notes =
		"Exit status: 0 shown (also when nothing changed); 1 failure or a WHEN before the\n"
		"first commit; 2 usage or malformed WHEN.\n",
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "WHEN [WHEN2]",
	.min_operands = 1,
	.max_operands = 2,
	.missing = "give a WHEN such as 7.days.ago",
	.run = run_diff,
};
