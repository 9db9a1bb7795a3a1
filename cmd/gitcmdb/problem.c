/*
 * gitcmdb problem: problem records (problem/PRB-0001.yaml): the cause behind
 * incidents, its root cause and workaround (docs/records.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "record_print.h"

typedef struct {
	const char *summary, *external_ref, *status, *root_cause, *workaround;
	cli_list incidents, affects;
} problem_args;

static const cli_option new_options[] = {
	CLI_OPT_STRING(
		problem_args, summary, "summary", 0, "S", "the problem in one line (required)"),
	CLI_OPT_LIST(problem_args, incidents, "incidents", "INC[,INC...]",
		"the incidents it is behind (INC-0001; each must exist on main)"),
	CLI_OPT_LIST(problem_args, affects, "affects", "ID[,ID...]", "the items it affects"),
	CLI_OPT_STRING(problem_args, external_ref, "external-ref", 0, "REF",
		"its id in another tool (a ticket)"),
	CLI_OPT_END,
};
static const cli_option update_options[] = {
	CLI_OPT_CHOICE(problem_args, status, "status", "S", "open|known_error|resolved|closed",
		"move it to status S (docs/records.md: allowed moves)"),
	CLI_OPT_STRING(problem_args, root_cause, "root-cause", 0, "TEXT", "what causes it"),
	CLI_OPT_STRING(problem_args, workaround, "workaround", 0, "TEXT", "how to live with it"),
	CLI_OPT_END,
};

static int check_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!((const problem_args *)o)->summary)
		return cli_usage(ctx, "a problem needs a summary: give --summary S");
	return 0;
}

static int check_update(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const problem_args *a = o;

	(void)argc, (void)argv;
	if (!a->status && !a->root_cause && !a->workaround)
		return cli_usage(
			ctx, "nothing to update: give --status, --root-cause or --workaround");
	return 0;
}

static int run_new(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const problem_args *a = o;
	cmdb_problem_spec s;
	char commit[41], *id = NULL;
	int rc;

	(void)argc, (void)argv;
	memset(&s, 0, sizeof(s));
	s.summary = a->summary;
	s.external_ref = a->external_ref;
	s.incidents = rec_ids(&a->incidents);
	s.affects = rec_ids(&a->affects);
	if (cmdb_problem_new(&id, commit, ctx->repo, &s) < 0)
		rc = rec_failed();
	else
		rc = rec_written(ctx, id, commit, "opened");
	cmdb_free(id);
	return rc;
}

static int run_update(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const problem_args *a = o;
	char commit[41];

	(void)argc;
	if (cmdb_problem_update(
		    commit, ctx->repo, argv[0], a->status, a->root_cause, a->workaround) < 0)
		return rec_failed();
	return rec_written(ctx, argv[0], commit, a->status ? a->status : "updated");
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	json_t *list = NULL;
	int rc;

	(void)o, (void)argc, (void)argv;
	if (cmdb_records_list(&list, ctx->repo, CMDB_RECORD_PROBLEM, NULL) < 0)
		return cli_fail(NULL);
	rc = rec_print_list(list, ctx->json, NULL);
	json_decref(list);
	return rc;
}

static int run_show(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)o, (void)argc;
	return rec_run_show(ctx, argv[0], NULL, NULL, NULL);
}

#define ONE_ID                                                                                     \
	.operands = "ID", .min_operands = 1, .max_operands = 1,                                    \
	.missing = "give a problem id such as PRB-0001"

static const cli_command new_cmd = {
	.name = "new",
	.summary = "record a problem and commit it",
	.synopsis = "gitcmdb problem new --summary S [--incidents INC[,INC...]] [--affects "
		    "ID[,ID...]]\n"
		    "    [--external-ref REF] [--json]",
	.about = "Write problem/PRB-NNNN.yaml (status open) with the next free id and commit it\n"
		 "on main. The new id is the first line of the output.\n",
	.options = new_options,
	.opts_size = sizeof(problem_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.check = check_new,
	.run = run_new,
};
static const cli_command update_cmd = {
	.name = "update",
	.summary = "change a problem's status, root cause or workaround",
	.synopsis =
		"gitcmdb problem update ID [--status S] [--root-cause TEXT] [--workaround TEXT]\n"
		"    [--json]",
	.about = "Set the given fields in one commit. open -> known_error -> resolved -> closed\n"
		 "(open and known_error may also be resolved or closed directly; resolved may be\n"
		 "reopened).\n",
	.options = update_options,
	.opts_size = sizeof(problem_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	ONE_ID,
	.check = check_update,
	.run = run_update,
};
static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the problem records on main",
	.synopsis = "gitcmdb problem list [--json]",
	.about = "One line a problem: id, status, summary.\n",
	.opts_size = sizeof(problem_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};
static const cli_command show_cmd = {
	.name = "show",
	.summary = "show a problem record, its incidents and the items it affects",
	.synopsis = "gitcmdb problem show ID [--json]",
	.about = "The problem's fields, its incidents and the items it affects, as on main.\n",
	.opts_size = sizeof(problem_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	ONE_ID,
	.run = run_show,
};

static const cli_command *const problem_subcommands[] = {
	&new_cmd, &update_cmd, &list_cmd, &show_cmd, NULL};

const cli_command cli_cmd_problem = {
	.name = "problem",
	.summary = "problem records: new, update, list, show",
	.about = "Problem records (problem/PRB-NNNN.yaml): the cause behind incidents, its root\n"
		 "cause and workaround. Each action is one validated commit on main. See\n"
		 "docs/records.md.\n",
	.subcommands = problem_subcommands,
};
