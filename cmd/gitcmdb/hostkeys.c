/*
 * gitcmdb hostkeys: record inventory hosts' SSH host keys in the repository's
 * known_hosts (committed, so their history is audit evidence) and list them.
 * Enrolment is explicit trust on first use: a key that differs from the recorded
 * one is never replaced unless --replace says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *limit, *inventory, *remote;
	int replace, timeout_s, jobs;
} opts;

static const cli_option enroll_options[] = {
	CLI_OPT_STRING(opts, limit, "limit", 0, "HOSTS",
		"comma-separated host globs or @group (\"!\" excludes); default all"),
	CLI_OPT_STRING(opts, inventory, "inventory", 0, "FILE",
		"take the hosts from FILE instead of main's inventory.yaml"),
	CLI_OPT_FLAG(opts, replace, "replace", 0,
		"accept a changed key (after verifying it out of band)"),
	CLI_OPT_DURATION(opts, timeout_s, "timeout", 1, 3600,
		"connect and handshake deadline per host (default 10s)"),
	CLI_OPT_INT(opts, jobs, "jobs", "N", 1, 256, "hosts contacted in parallel (default 16)"),
	CLI_OPT_STRING(opts, remote, "remote", 0, "NAME",
		"enroll the git server of remote NAME instead of inventory hosts"),
	CLI_OPT_END,
};

static const char *field(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Print the report; CLI_FAIL when a host was refused or failed. */
static int print_enroll(const json_t *report, int json)
{
	const json_t *h;
	size_t i;
	int rc = CLI_OK;

	json_array_foreach(json_object_get(report, "hosts"), i, h)
	{
		const char *err = field(h, "error");

		if (strcmp(field(h, "status"), "added") && strcmp(field(h, "status"), "replaced") &&
			strcmp(field(h, "status"), "unchanged"))
			rc = CLI_FAIL;
		if (json)
			continue;
		cli_printf("%-20s %-10s %s %s\n", field(h, "name"), field(h, "status"),
			field(h, "type") ? field(h, "type") : "-",
			field(h, "fingerprint") ? field(h, "fingerprint") : "-");
		if (err)
			cli_errorf(0, "host/%s: %s", field(h, "name"), err);
	}
	if (json)
		return cli_print_json(report) == CLI_OK ? rc : CLI_FAIL;
	if (field(report, "commit"))
		cli_printf("committed %s\n", field(report, "commit"));
	else
		puts("known_hosts unchanged; nothing committed");
	return rc;
}

/* --remote NAME: the git server behind a remote (remote.h). */
static int enroll_remote(cli_ctx *ctx, const opts *eo)
{
	json_t *r = NULL;
	int rc = CLI_OK;

	if (eo->limit || eo->inventory)
		return cli_usage(
			ctx, "--remote enrolls one git server: drop --limit and --inventory");
	if (cmdb_remote_enroll(&r, ctx->repo, eo->remote, eo->replace) < 0)
		return cli_fail(cmdb_error_last_code() == CMDB_EDIRTY
				? "commit or revert your edits to known_hosts first"
				: NULL);
	if (ctx->json)
		rc = cli_print_json(r);
	else
		cli_printf("remote %-13s %-10s %s %s\n%s\n", field(r, "remote"), field(r, "status"),
			field(r, "type"), field(r, "fingerprint"),
			field(r, "commit") ? "committed known_hosts"
					   : "known_hosts unchanged; nothing committed");
	json_decref(r);
	return rc;
}

static int run_enroll(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const opts *eo = o;
	cmdb_hostkeys_opts ho = CMDB_HOSTKEYS_OPTS_INIT;
	json_t *report = NULL;
	int rc;

	(void)argc, (void)argv;
	if (eo->remote)
		return enroll_remote(ctx, eo);
	ho.inventory = eo->inventory;
	ho.limit = eo->limit;
	ho.replace = eo->replace;
	if (eo->jobs)
		ho.jobs = eo->jobs;
	if (eo->timeout_s)
		ho.timeout_s = eo->timeout_s;
	if (cmdb_hostkeys_enroll(&report, ctx->repo, &ho) < 0)
		return cli_fail(cmdb_error_last_code() == CMDB_EDIRTY
				? "commit or revert your edits to known_hosts first"
				: NULL);
	rc = print_enroll(report, ctx->json);
	json_decref(report);
	return rc;
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	json_t *keys = NULL, *e;
	size_t i;
	int rc = CLI_OK;

	(void)o, (void)argc, (void)argv;
	if (cmdb_hostkeys_list(&keys, ctx->repo) < 0)
		return cli_fail("fix known_hosts on main (the line named above)");
	if (ctx->json)
		rc = cli_print_json(keys);
	else
		json_array_foreach(keys, i, e)
		{
			const char *marker = field(e, "marker");

			cli_printf("%s%s%s %s %s\n", marker, *marker ? " " : "", field(e, "hosts"),
				field(e, "type"), field(e, "fingerprint"));
		}
	json_decref(keys);
	return rc;
}

static const cli_command enroll_cmd = {
	.name = "enroll",
	.summary = "record inventory hosts' SSH host keys in known_hosts and commit it",
	.synopsis = "gitcmdb hostkeys enroll [--limit HOSTS] [--inventory FILE] [--replace]\n"
		    "                               [--timeout DURATION] [--jobs N] [--json]\n"
		    "gitcmdb hostkeys enroll --remote NAME [--replace] [--json]",
	.about =
		"Connect to each selected inventory host, take the SSH host key it presents\n"
		"(no login is attempted), record it in the repository's known_hosts and commit "
		"the\n"
		"changed file on main. It prints each key's SHA256 fingerprint: compare them with\n"
		"'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the hosts. A host already\n"
		"recorded with the same key is 'unchanged'. A host presenting a different key is\n"
		"refused (exit 1) unless --replace is given, which drops the host's old keys.\n"
		"'gitcmdb scan' accepts only hosts whose key is recorded here.\n",
	.options = enroll_options,
	.opts_size = sizeof(opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_enroll,
};

static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the recorded keys of main's known_hosts with their fingerprints",
	.synopsis = "gitcmdb hostkeys list [--json]",
	.about = "Print the recorded keys of main's known_hosts with their SHA256 fingerprints.\n",
	.opts_size = sizeof(opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};

static const cli_command *const hostkeys_subcommands[] = {&enroll_cmd, &list_cmd, NULL};

const cli_command cli_cmd_hostkeys = {
	.name = "hostkeys",
	.summary = "enroll and list SSH host keys",
	.about = "Record inventory hosts' SSH host keys in the repository's known_hosts\n"
		 "(committed, so their history is audit evidence) and list them. Enrolment is\n"
		 "explicit trust on first use: a key that differs from the recorded one is never\n"
		 "replaced unless --replace says so.\n",
	.subcommands = hostkeys_subcommands,
};
