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

/* What the text table shows (cmdb_sla_format_text), shared with res: the printer
 * escapes a copy of it, and the incidents' details are many. */
static json_t *text_fields(const json_t *res)
{
	static const char *const keep[] = {"id", "target", "availability", "outage_minutes", "met"};
	json_t *out = json_pack("{s:O,s:O,s:O,s:[]}", "since", json_object_get(res, "since"),
		"until", json_object_get(res, "until"), "period_minutes",
		json_object_get(res, "period_minutes"), "services");
	const json_t *svc, *inc;
	size_t i, j;

	json_array_foreach(json_object_get(res, "services"), i, svc)
	{
		json_t *row = json_object(), *incs = json_array();

		for (size_t k = 0; row && k < sizeof(keep) / sizeof(*keep); k++)
			if (json_object_get(svc, keep[k]))
				json_object_set(row, keep[k], json_object_get(svc, keep[k]));
		json_array_foreach(json_object_get(svc, "incidents"), j, inc)
		{
			json_array_append_new(
				incs, json_pack("{s:O}", "id", json_object_get(inc, "id")));
		}
		if (!out || !row || !incs || json_object_set_new(row, "incidents", incs) < 0 ||
			json_array_append_new(json_object_get(out, "services"), row) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int run_sla(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const sla_args *o = opts;
	cmdb_sla_opts so = CMDB_SLA_OPTS_INIT;
	json_t *res = NULL, *slim = NULL;
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
	} else if (!(slim = text_fields(res)) ||
		cli_print_formatted(slim, cmdb_sla_format_text) != CLI_OK) {
		rc = slim ? rc : cli_errorf(CLI_FAIL, "out of memory");
		goto done;
	}
	rc = CLI_OK;
done:
	free(text); /* json_dumps: malloc */
	json_decref(slim);
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
		 "open counts up to the end of the period. Outage and the period count only\n"
		 "inside attributes.sla.hours (\"24x7\", or \"Mon-Fri 08:00-18:00\", clauses "
		 "joined\n"
		 "by ';') in attributes.sla.timezone (UTC or an offset). See docs/report.md.\n",
	.notes = "Text output: the period, then one line per service: SERVICE TARGET ACHIEVED\n"
		 "OUTAGE_MIN MET INCIDENTS. With --json {since, until, commit, period_minutes,\n"
		 "services: [{id, name, target, hours, service_minutes, outage_minutes,\n"
		 "availability, met, incidents: [{id, summary, opened, resolved, minutes, "
		 "via}]}]}.\n"
		 "Exit status: 0 ok; 1 failure (a bad SLA target or hours, an incident resolved\n"
		 "before it opened, --since not before --until); 2 usage.\n",
	.options = sla_options,
	.opts_size = sizeof(sla_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.run = run_sla,
};
