/*
 * gitcmdb change: change records (change/CHG-0001.yaml) and their life cycle,
 * requested → approved → implemented → closed (or rejected, cancelled); each action
 * one validated commit on main (docs/records.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli.h"
#include "record_print.h"

typedef struct {
	const char *summary, *window, *type, *risk, *status, *approved_by, *requested_by;
	const char *description, *external_ref, *by;
	cli_list affects;
} change_args;

static const cli_option new_options[] = {
	CLI_OPT_STRING(
		change_args, summary, "summary", 0, "S", "one line saying what changes (required)"),
	CLI_OPT_LIST(change_args, affects, "affects", "ID[,ID...]",
		"the items it changes (required; each must exist on main)"),
	CLI_OPT_STRING(change_args, window, "window", 0, "START/END",
		"when it may happen (required): two times, ISO 8601 (2026-11-28T22:00Z),\n"
		"now or relative (2.hours.ago); END after START"),
	CLI_OPT_CHOICE(change_args, type, "type", "T", "standard|normal|emergency",
		"the kind of change (default normal)"),
	CLI_OPT_CHOICE(change_args, risk, "risk", "R", "low|medium|high", "its risk"),
	CLI_OPT_CHOICE(change_args, status, "status", "S", "requested|approved",
		"requested (default), or approved at once (needs --approved-by)"),
	CLI_OPT_STRING(change_args, approved_by, "approved-by", 0, "NAME", "who approved it"),
	CLI_OPT_STRING(change_args, requested_by, "requested-by", 0, "NAME",
		"who asked for it (default: the commit's author)"),
	CLI_OPT_STRING(change_args, description, "description", 0, "D", "more text"),
	CLI_OPT_STRING(change_args, external_ref, "external-ref", 0, "REF",
		"its id in another tool (a ticket)"),
	CLI_OPT_END,
};

static int check_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const change_args *a = o;
	const char *slash = a->window ? strchr(a->window, '/') : NULL;

	(void)argc, (void)argv;
	if (!a->summary)
		return cli_usage(ctx, "a change needs a summary: give --summary S");
	if (!a->affects.n)
		return cli_usage(
			ctx, "a change needs the items it affects: give --affects ID[,ID...]");
	if (!a->window)
		return cli_usage(ctx, "a change needs a window: give --window START/END");
	if (!slash || slash == a->window || !slash[1] || strchr(slash + 1, '/'))
		return cli_usage(ctx,
			"--window '%s': give START/END, e.g. 2026-11-28T22:00Z/2026-11-28T23:00Z",
			a->window);
	if (a->status && !strcmp(a->status, "approved") && !a->approved_by)
		return cli_usage(ctx, "--status approved needs --approved-by NAME");
	return 0;
}

static int run_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const change_args *a = o;
	cmdb_change_spec s;
	char commit[41], *id = NULL, *start = strdup(a->window);
	int rc;

	(void)argc, (void)argv;
	if (!start)
		return cli_errorf(CLI_FAIL, "out of memory");
	memset(&s, 0, sizeof(s));
	*strchr(start, '/') = '\0';
	s.summary = a->summary;
	s.description = a->description;
	s.external_ref = a->external_ref;
	s.type = a->type;
	s.risk = a->risk;
	s.status = a->status;
	s.requested_by = a->requested_by;
	s.approved_by = a->approved_by;
	s.window_start = start;
	s.window_end = start + strlen(start) + 1;
	s.affects = rec_ids(&a->affects);
	if (cmdb_change_new(&id, commit, ctx->repo, &s) < 0)
		rc = rec_failed();
	else
		rc = rec_written(ctx, id, commit, a->status ? a->status : "requested");
	cmdb_free(id);
	free(start);
	return rc;
}

/* approve, implement, close, reject, cancel: the subcommand's name says the status. */
static int set_status(cli_ctx *ctx, const char *status, const char *by, const char *id)
{
	char commit[41], what[160];

	if (cmdb_change_set_status(commit, ctx->repo, id, status, by) < 0)
		return rec_failed();
	snprintf(what, sizeof(what), "%s%s%s", status, by ? " by " : "", by ? by : "");
	return rec_written(ctx, id, commit, what);
}

static int run_approve(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)argc;
	return set_status(ctx, "approved", ((const change_args *)o)->by, argv[0]);
}

#define STATUS_RUN(fn, status)                                                                     \
	static int fn(cli_ctx *ctx, void *o, int argc, char **argv)                                \
	{                                                                                          \
		(void)o, (void)argc;                                                               \
		return set_status(ctx, status, NULL, argv[0]);                                     \
	}
STATUS_RUN(run_implement, "implemented")
STATUS_RUN(run_close, "closed")
STATUS_RUN(run_reject, "rejected")
STATUS_RUN(run_cancel, "cancelled")

static int check_approve(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!((const change_args *)o)->by)
		return cli_usage(ctx, "approving needs the approver: give --by NAME");
	return 0;
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	static const char *const cols[] = {"type", "window", NULL};
	json_t *list = NULL;
	int rc;

	(void)argc, (void)argv;
	if (cmdb_records_list(&list, ctx->repo, CMDB_RECORD_CHANGE, ((change_args *)o)->status) < 0)
		return cli_fail(NULL);
	rc = rec_print_list(list, ctx->json, cols);
	json_decref(list);
	return rc;
}

/* What the change authorised (the drifts it matched) and what it could break (the
 * downstream impact of its items): cmdb_query_change_drifts. */
static int change_drifts(json_t **res, cli_ctx *ctx, const char *id, const void *opts)
{
	(void)opts;
	return cmdb_query_change_drifts(res, ctx->idx, id);
}

static int run_show(cli_ctx *ctx, void *o, int argc, char **argv)
{
	static const char *const keys[] = {"impact", "drifts", NULL};

	(void)o, (void)argc;
	return rec_run_show(ctx, argv[0], change_drifts, NULL, keys);
}

static const cli_option approve_options[] = {
	CLI_OPT_STRING(change_args, by, "by", 0, "NAME", "who approves it (required)"),
	CLI_OPT_END,
};
static const cli_option list_options[] = {
	CLI_OPT_CHOICE(change_args, status, "status", "S",
		"requested|approved|rejected|implemented|closed|cancelled",
		"only changes in status S"),
	CLI_OPT_END,
};

#define ONE_ID                                                                                     \
	.operands = "ID", .min_operands = 1, .max_operands = 1,                                    \
	.missing = "give a change id such as CHG-0001"

static const cli_command new_cmd = {
	.name = "new",
	.summary = "record a change request (or an approved change) and commit it",
	.synopsis = "gitcmdb change new --summary S --affects ID[,ID...] --window START/END\n"
		    "    [--type T] [--risk R] [--status requested|approved] [--approved-by NAME]\n"
		    "    [--description D] [--requested-by NAME] [--external-ref REF] [--json]",
	.about =
		"Write change/CHG-NNNN.yaml with the next free id and commit it on main. The\n"
		"new id is the first line of the output. Every item in --affects must exist on\n"
		"main; the window's END must be after its START. Nothing is committed otherwise.\n",
	.options = new_options,
	.opts_size = sizeof(change_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.check = check_new,
	.run = run_new,
};
static const cli_command approve_cmd = {
	.name = "approve",
	.summary = "approve a requested change (records approved_by and approved_at)",
	.synopsis = "gitcmdb change approve ID --by NAME [--json]",
	.about = "Move a requested change to approved, recording who approved it and when.\n",
	.options = approve_options,
	.opts_size = sizeof(change_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	ONE_ID,
	.check = check_approve,
	.run = run_approve,
};

#define STATUS_CMD(verb, to, text)                                                                 \
	static const cli_command verb##_cmd = {                                                    \
		.name = #verb,                                                                     \
		.summary = text,                                                                   \
		.synopsis = "gitcmdb change " #verb " ID [--json]",                                \
		.about = "Move the change to " to "; an illegal move is refused, naming the\n"     \
			 "allowed ones (docs/records.md).\n",                                      \
		.opts_size = sizeof(change_args),                                                  \
		.shared = CLI_SHARED_JSON,                                                         \
		.needs = CLI_NEEDS_REPO,                                                           \
		ONE_ID,                                                                            \
		.run = run_##verb,                                                                 \
	}
STATUS_CMD(implement, "implemented", "mark an approved (or emergency) change implemented");
STATUS_CMD(close, "closed", "close an implemented change");
STATUS_CMD(reject, "rejected", "reject a requested change");
STATUS_CMD(cancel, "cancelled", "cancel a requested or approved change");

static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the change records on main",
	.synopsis = "gitcmdb change list [--status S] [--json]",
	.about = "One line a change: id, status, type, window, summary. With --json, every\n"
		 "attribute and the relations of each ([{\"id\", \"status\", ...}]).\n",
	.options = list_options,
	.opts_size = sizeof(change_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};
static const cli_command show_cmd = {
	.name = "show",
	.summary = "show a change record and the items it affects",
	.synopsis = "gitcmdb change show ID [--json] [--db FILE] [--no-refresh]",
	.about = "The change's fields and the items it affects, as on main; the drifts it\n"
		 "authorised (its window or a Change: trailer) and what its items could break\n"
		 "(downstream impact), from the index. --json prints {\"id\", \"kind\",\n"
		 "\"path\", \"commit\", \"record\", \"related\", \"drifts\", \"impact\"}\n"
		 "(docs/records.md, docs/audit.md).\n",
	.opts_size = sizeof(change_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	ONE_ID,
	.run = run_show,
};

static const cli_command *const change_subcommands[] = {&new_cmd, &approve_cmd, &implement_cmd,
	&close_cmd, &reject_cmd, &cancel_cmd, &list_cmd, &show_cmd, NULL};

const cli_command cli_cmd_change = {
	.name = "change",
	.summary = "change records: new, approve, implement, close, reject, cancel, list, show",
	.about = "Change records (change/CHG-NNNN.yaml): what is changed, when it may happen and\n"
		 "who approved it. Each action is one validated commit on main whose message says\n"
		 "what happened. requested -> approved -> implemented -> closed; requested ->\n"
		 "rejected; requested or approved -> cancelled; an emergency change may go from\n"
		 "requested to implemented. See docs/records.md.\n",
	.subcommands = change_subcommands,
};
