/* gitcmdb audit: unauthorised drift and the other findings over a range of history. */
#include <stdio.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"
#include "cli_print.h"

typedef struct {
	const char *since, *until;
} audit_opts;

static const cli_option audit_options[] = {
	CLI_OPT_WHEN(audit_opts, since, "since", "only what came after WHEN (a baseline too)"),
	CLI_OPT_WHEN(audit_opts, until, "until", "up to WHEN (default: the newest commit)"),
	CLI_OPT_END,
};

static int run_audit(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const audit_opts *o = opts;
	cmdb_audit_opts ao = CMDB_AUDIT_OPTS_INIT;
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	ao.since = o->since;
	ao.until = o->until;
	if (cmdb_audit(&res, ctx->idx, &ao) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	if (ctx->json) {
		if (cli_print_json(res) != CLI_OK)
			goto done;
	} else if (cli_print_formatted(res, cmdb_audit_format_text) != CLI_OK) {
		goto done;
	}
	rc = json_array_size(json_object_get(res, "findings")) ? CLI_FAIL : CLI_OK;
done:
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_audit = {
	.name = "audit",
	.summary = "report unauthorised drift, stale scans and broken records",
	.synopsis = "gitcmdb audit [--since WHEN] [--until WHEN] [--json] [--db FILE] "
		    "[--no-refresh]",
	.about =
		"Check the history against the change records and report every finding:\n"
		"\n"
		"  unauthorised_drift    a commit changed a CI and no approved change covered it\n"
		"                        (with the nearest candidate changes and why each failed)\n"
		"  stale_scan            a scanned host without a successful scan for\n"
		"                        audit.stale_days (default 7)\n"
		"  dangling_relation     a relation to an item that does not exist\n"
		"  schema_violation      an item or record its schema refuses\n"
		"  duplicate_identity    hosts with the same machine-id or DMI uuid\n"
		"  change_without_drift  an approved change whose window passed with no drift\n"
		"  emergency_change      an emergency change implemented without approval\n"
		"                        before its window (needs review)\n"
		"\n"
		"A drift is authorised when an approved or implemented change affects the item,\n"
		"its host or one of its groups and the commit lies in the change's window\n"
		"(widened by changes.grace_minutes), or the commit's 'Change: CHG-...' trailer\n"
		"names such a change; a drift whose every path matches changes.exempt_paths is\n"
		"exempt. See docs/audit.md.\n",
	.notes = "Text output: one line per finding, 'TIME  KIND  ITEM  COMMIT  EXPLANATION',\n"
		 "then further candidates indented, then the count (or 'no findings'). With\n"
		 "--json {since, until, now, findings: [{kind, item, commit, time, explanation,\n"
		 "paths, candidates: [{change, reason}], ...}], counts: {KIND: n, total: n}}.\n"
		 "Exit status: 0 no findings; 1 findings or failure; 2 usage or malformed WHEN.\n",
	.options = audit_options,
	.opts_size = sizeof(audit_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.run = run_audit,
};
