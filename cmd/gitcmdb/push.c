/*
 * gitcmdb push / pull: main to and from a remote, never forced. A push that lost the
 * race to another scanner re-applies this repository's commits on the remote's main
 * (scan commits by the scan's ownership rules) and tries again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	int attempts;
} push_args;

static const cli_option push_options[] = {
	CLI_OPT_INT(push_args, attempts, "attempts", "N", 1, 100,
		"pushes to try when other pushers keep winning (default 16)"),
	CLI_OPT_END,
};

static const char *hint_for(int code)
{
	switch (code) {
	case CMDB_EHOSTKEY: return NULL; /* the message says what to run */
	case CMDB_ELOCKED: return "try again";
	default: return NULL;
	}
}

static void options(cmdb_push_opts *po, cli_ctx *ctx, const push_args *a)
{
	*po = (cmdb_push_opts)CMDB_PUSH_OPTS_INIT;
	if (a && a->attempts)
		po->attempts = a->attempts;
	po->scan_remerge = cmdb_scan_remerge;
	po->scan_remerge_payload = ctx->repo;
}

static void print_report(const json_t *rep, const char *verb)
{
	const char *status = json_string_value(json_object_get(rep, "status"));
	json_int_t n = json_integer_value(json_object_get(rep, "reapplied"));

	if (!strcmp(status, "up-to-date"))
		status = "up to date at"; /* not "pushed": nothing travelled */
	cli_printf("%s %s: %s %.12s", verb, json_string_value(json_object_get(rep, "remote")),
		status, json_string_value(json_object_get(rep, "commit")));
	if (n)
		cli_printf(" (%lld local commit%s re-applied on the remote's main)", (long long)n,
			n == 1 ? "" : "s");
	if (json_integer_value(json_object_get(rep, "attempts")) > 1)
		cli_printf(" after %lld attempts",
			(long long)json_integer_value(json_object_get(rep, "attempts")));
	putchar('\n');
}

int cli_push(cli_ctx *ctx, const char *remote, int attempts, int quiet)
{
	cmdb_push_opts po;
	push_args a = {attempts};
	json_t *rep = NULL;
	char *name = NULL;
	int rc = CLI_OK;

	options(&po, ctx, &a);
	if (!remote && cmdb_remote_default(&name, ctx->repo) < 0)
		return cli_fail(NULL);
	if (cmdb_remote_push(&rep, ctx->repo, remote ? remote : name, &po) < 0) {
		rc = cli_fail(hint_for(cmdb_error_last_code()));
		goto done;
	}
	if (ctx->json && !quiet)
		rc = cli_print_json(rep);
	else if (!ctx->json)
		print_report(rep, "push");
	if (!strcmp(json_string_value(json_object_get(rep, "status")), "behind"))
		cli_errorf(0, "the remote holds commits this repository lacks: run 'gitcmdb pull'");
done:
	json_decref(rep);
	cmdb_free(name);
	return rc;
}

static int run_push(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const push_args *a = o;

	return cli_push(ctx, argc ? argv[0] : NULL, a->attempts, 0);
}

static int run_pull(cli_ctx *ctx, void *o, int argc, char **argv)
{
	cmdb_push_opts po;
	json_t *rep = NULL;
	char *name = NULL;
	int rc = CLI_OK;

	options(&po, ctx, o);
	if (!argc && cmdb_remote_default(&name, ctx->repo) < 0)
		return cli_fail(NULL);
	if (cmdb_remote_pull(&rep, ctx->repo, argc ? argv[0] : name, &po) < 0) {
		rc = cli_fail(hint_for(cmdb_error_last_code()));
		goto done;
	}
	if (ctx->json)
		rc = cli_print_json(rep);
	else
		print_report(rep, "pull");
	if (json_object_get(rep, "worktree_error"))
		cli_errorf(0,
			"warning: main moved but the work tree could not follow: %s; run "
			"'gitcmdb status' once that is fixed",
			json_string_value(json_object_get(rep, "worktree_error")));
done:
	json_decref(rep);
	cmdb_free(name);
	return rc;
}

const cli_command cli_cmd_push = {
	.name = "push",
	.summary = "push main to a remote (never forced)",
	.synopsis = "gitcmdb push [REMOTE] [--attempts N] [--json]",
	.about = "Push main to REMOTE's main (default: origin, or the only remote). The push is\n"
		 "never forced: when another scanner pushed first, gitcmdb fetches, re-applies\n"
		 "this repository's commits on the remote's main (a scan's by the scan's\n"
		 "ownership rules: people's annotations and relations win, the scan's attributes\n"
		 "win; others by merging their lines) keeping each message and its trailers,\n"
		 "and pushes again, up to N times with a growing, jittered pause (up to 3 s).\n",
	.notes = "prints 'pushed', or 'up to date' when the remote's main already was main\n"
		 "(--json: status \"pushed\" or \"up-to-date\", and up_to_date true/false).\n"
		 "exit status: 0 pushed or nothing to push, 1 failure (local commits are kept\n"
		 "for the next push), 2 usage error.\n",
	.options = push_options,
	.opts_size = sizeof(push_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.operands = "[REMOTE]",
	.min_operands = 0,
	.max_operands = 1,
	.run = run_push,
};

const cli_command cli_cmd_pull = {
	.name = "pull",
	.summary = "fetch a remote's main and bring main to it",
	.synopsis = "gitcmdb pull [REMOTE] [--json]",
	.about = "Fetch REMOTE's main and fast-forward main to it, or re-apply this\n"
		 "repository's unpushed commits on it (as push does). The work tree follows as\n"
		 "after a commit: a file with uncommitted edits that the pull would change\n"
		 "refuses it, and nothing moves. Works on bare repositories (a central indexer).\n",
	.opts_size = sizeof(push_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.operands = "[REMOTE]",
	.min_operands = 0,
	.max_operands = 1,
	.run = run_pull,
};

int cli_after_commit(cli_ctx *ctx, int push, int is_scan)
{
	json_t *set = NULL;
	const json_t *pas, *ap;
	const char *remote = NULL;
	long threshold = 5000;
	int rc = CLI_OK;

	if (cmdb_repo_settings(&set, ctx->repo) == 0) {
		pas = json_object_get(json_object_get(set, "remote"), "push_after_scan");
		ap = json_object_get(json_object_get(set, "maintenance"), "auto_pack");
		if (json_is_integer(ap))
			threshold = (long)json_integer_value(ap);
		if (is_scan && (json_is_true(pas) || json_is_string(pas)))
			push = 1;
		if (is_scan && json_is_string(pas))
			remote = json_string_value(pas);
	} else {
		cmdb_error_clear();
	}
	if (push)
		rc = cli_push(ctx, remote, 0, 1);
	cli_auto_pack(ctx, threshold);
	json_decref(set);
	return rc;
}
