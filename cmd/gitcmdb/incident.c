/*
 * gitcmdb incident: incident records (incident/INC-0001.yaml): opened, resolved,
 * closed; each action one validated commit on main (docs/records.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli.h"
#include "record_print.h"

typedef struct {
	const char *summary, *opened, *severity, *description, *external_ref, *at, *caused_by;
	cli_list affects;
	int lookback_s;
} incident_args;

static const cli_option new_options[] = {
	CLI_OPT_STRING(
		incident_args, summary, "summary", 0, "S", "what broke, in one line (required)"),
	CLI_OPT_LIST(incident_args, affects, "affects", "ID[,ID...]",
		"the items it hits (required; each must exist on main)"),
	CLI_OPT_WHEN(incident_args, opened, "opened", "when it started (default now)"),
	CLI_OPT_CHOICE(incident_args, severity, "severity", "S", "critical|high|medium|low",
		"how bad (default medium)"),
	CLI_OPT_STRING(incident_args, description, "description", 0, "D", "more text"),
	CLI_OPT_STRING(incident_args, external_ref, "external-ref", 0, "REF",
		"its id in another tool (a ticket)"),
	CLI_OPT_END,
};
static const cli_option resolve_options[] = {
	CLI_OPT_WHEN(incident_args, at, "at", "when it was resolved (default now)"),
	CLI_OPT_STRING(incident_args, caused_by, "caused-by", 0, "ID",
		"what caused it: a change (CHG-0001) or an item (host/web01)"),
	CLI_OPT_END,
};
static const cli_option close_options[] = {
	CLI_OPT_WHEN(incident_args, at, "at", "when it was closed (default now)"),
	CLI_OPT_END,
};

static const cli_option show_options[] = {
	CLI_OPT_DURATION(incident_args, lookback_s, "lookback", 1, 366 * 86400,
		"how far before it opened to look for drifts (default 72h)"),
	CLI_OPT_END,
};

static int check_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const incident_args *a = o;

	(void)argc, (void)argv;
	if (!a->summary)
		return cli_usage(ctx, "an incident needs a summary: give --summary S");
	if (!a->affects.n)
		return cli_usage(
			ctx, "an incident needs the items it hits: give --affects ID[,ID...]");
	return 0;
}

static int run_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const incident_args *a = o;
	cmdb_incident_spec s;
	char commit[41], *id = NULL;
	int rc;

	(void)argc, (void)argv;
	memset(&s, 0, sizeof(s));
	s.summary = a->summary;
	s.description = a->description;
	s.external_ref = a->external_ref;
	s.severity = a->severity;
	s.opened = a->opened;
	s.affects = rec_ids(&a->affects);
	if (cmdb_incident_new(&id, commit, ctx->repo, &s) < 0)
		rc = rec_failed();
	else
		rc = rec_written(ctx, id, commit, "opened");
	cmdb_free(id);
	return rc;
}

static int run_resolve(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const incident_args *a = o;
	char commit[41];

	(void)argc;
	if (cmdb_incident_resolve(commit, ctx->repo, argv[0], a->at, a->caused_by) < 0)
		return rec_failed();
	return rec_written(ctx, argv[0], commit, "resolved");
}

static int run_close(cli_ctx *ctx, void *o, int argc, char **argv)
{
	char commit[41];

	(void)argc;
	if (cmdb_incident_close(commit, ctx->repo, argv[0], ((const incident_args *)o)->at) < 0)
		return rec_failed();
	return rec_written(ctx, argv[0], commit, "closed");
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	static const char *const cols[] = {"severity", "opened", NULL};
	json_t *list = NULL;
	int rc;

	(void)o, (void)argc, (void)argv;
	if (cmdb_records_list(&list, ctx->repo, CMDB_RECORD_INCIDENT, NULL) < 0)
		return cli_fail(NULL);
	rc = rec_print_list(list, ctx->json, cols);
	json_decref(list);
	return rc;
}

/* What changed before it broke: every drift on the affected items and on what they
 * need, in [opened - lookback, opened], ranked (cmdb_query_incident_drifts). */
static int incident_drifts(json_t **res, cli_ctx *ctx, const char *id, const void *opts)
{
	return cmdb_query_incident_drifts(
		res, ctx->idx, id, ((const incident_args *)opts)->lookback_s);
}

static int run_show(cli_ctx *ctx, void *o, int argc, char **argv)
{
	static const char *const keys[] = {"lookback", "impact", "drifts", NULL};

	(void)argc;
	return rec_run_show(ctx, argv[0], incident_drifts, o, keys);
}

#define ONE_ID                                                                                     \
	.operands = "ID", .min_operands = 1, .max_operands = 1,                                    \
	.missing = "give an incident id such as INC-0001"

static const cli_command new_cmd = {
	.name = "new",
	.summary = "record an incident and commit it",
	.synopsis = "gitcmdb incident new --summary S --affects ID[,ID...] [--opened WHEN]\n"
		    "    [--severity S] [--description D] [--external-ref REF] [--json]",
	.about = "Write incident/INC-NNNN.yaml (status open) with the next free id and commit it\n"
		 "on main. The new id is the first line of the output. Every item in --affects\n"
		 "must exist on main.\n",
	.options = new_options,
	.opts_size = sizeof(incident_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.check = check_new,
	.run = run_new,
};
static const cli_command resolve_cmd = {
	.name = "resolve",
	.summary = "mark an open incident resolved, optionally naming its cause",
	.synopsis = "gitcmdb incident resolve ID [--at WHEN] [--caused-by ID] [--json]",
	.about = "Move an open (or investigating) incident to resolved at WHEN (not before it\n"
		 "opened); --caused-by records relations.caused_by (a change or an item).\n",
	.options = resolve_options,
	.opts_size = sizeof(incident_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	ONE_ID,
	.run = run_resolve,
};
static const cli_command close_cmd = {
	.name = "close",
	.summary = "close a resolved incident",
	.synopsis = "gitcmdb incident close ID [--at WHEN] [--json]",
	.about = "Move a resolved incident to closed (an open one must be resolved first).\n",
	.options = close_options,
	.opts_size = sizeof(incident_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	ONE_ID,
	.run = run_close,
};
static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the incident records on main",
	.synopsis = "gitcmdb incident list [--json]",
	.about = "One line an incident: id, status, severity, opened, summary.\n",
	.opts_size = sizeof(incident_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};
static const cli_command show_cmd = {
	.name = "show",
	.summary = "show an incident record and the items it affects",
	.synopsis = "gitcmdb incident show ID [--lookback DURATION] [--json] [--db FILE] "
		    "[--no-refresh]",
	.about = "The incident's fields, the items it affects and its cause, as on main, and\n"
		 "what changed before it broke: every drift of the affected items and of what\n"
		 "they need (upstream impact) in the lookback before it opened, ranked by\n"
		 "closeness in time and in the graph, each authorised (naming the change),\n"
		 "exempt or unauthorised (docs/audit.md).\n",
	.options = show_options,
	.opts_size = sizeof(incident_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	ONE_ID,
	.run = run_show,
};

static const cli_command *const incident_subcommands[] = {
	&new_cmd, &resolve_cmd, &close_cmd, &list_cmd, &show_cmd, NULL};

const cli_command cli_cmd_incident = {
	.name = "incident",
	.summary = "incident records: new, resolve, close, list, show",
	.about = "Incident records (incident/INC-NNNN.yaml): what broke, when, which items it\n"
		 "hits and, once known, its cause. open -> resolved -> closed. Each action is one\n"
		 "validated commit on main. See docs/records.md.\n",
	.subcommands = incident_subcommands,
};
