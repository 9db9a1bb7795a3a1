/* gitcmdb sla: availability of each business service against its target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/report.h>

#include "cli_index.h"
#include "cli_print.h"

typedef struct {
	const char *since, *until;
} sla_args;

static const cli_option sla_options[] = {
	CLI_OPT_WHEN(sla_args, since, "since", "start of the period (default: the first commit)"),
	CLI_OPT_WHEN(sla_args, until, "until", "end of the period (default: the newest commit)"),
	CLI_OPT_END,
};

static int run_sla(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const sla_args *o = opts;
	cmdb_sla_opts so = CMDB_SLA_OPTS_INIT;
	json_t *res = NULL;
	char *text = NULL;
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	so.since = o->since;
	so.until = o->until;
	if (cmdb_sla(&res, ctx->idx, &so) < 0) {
		rc = cli_errorf(CLI_FAIL, "%s", cmdb_error_last());
		goto done;
	}
	if (ctx->json) {
		/* 12 significant digits: 99.93, not 99.930000000000007 */
		text = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
		if (!text) {
			rc = cli_errorf(CLI_FAIL, "out of memory");
			goto done;
		}
		puts(text);
	} else if (cli_print_formatted(res, cmdb_sla_format_text) != CLI_OK) {
		goto done;
	}
	rc = CLI_OK;
done:
	free(text); /* json_dumps: malloc */
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_sla = {
	.name = "sla",
	.summary = "availability of each business service against its SLA target",
	.synopsis = "gitcmdb sla [--since WHEN] [--until WHEN] [--json] [--db FILE] [--no-refresh]",
	.about = "For every business_service, the outage over the period and the availability\n"
		 "achieved against attributes.sla.availability. Outage is the union of the\n"
		 "open-to-resolved spans of the incidents on the service or on anything it\n"
		 "depends on (the impact graph at the incident's opened time); an incident still\n"
		 "open counts up to the end of the period. See docs/report.md.\n",
	.notes = "Text output: the period, then one line per service: SERVICE TARGET ACHIEVED\n"
		 "OUTAGE_MIN MET INCIDENTS. With --json {since, until, commit, period_minutes,\n"
		 "services: [{id, name, target, hours, outage_minutes, availability, met,\n"
		 "incidents: [{id, summary, opened, resolved, minutes, via}]}]}.\n"
		 "Exit status: 0 ok; 1 failure (a bad SLA target, an incident resolved before it\n"
		 "opened, --since not before --until); 2 usage.\n",
	.options = sla_options,
	.opts_size = sizeof(sla_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.run = run_sla,
};
