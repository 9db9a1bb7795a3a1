/*
 * gitcmdb remote: the CMDB repository's git remotes (add, list, remove), kept in its
 * git config so plain git sees them too.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *identity;
} add_opts;

static const cli_option add_options[] = {
	CLI_OPT_STRING(add_opts, identity, "identity", 0, "FILE",
		"SSH private key (ed25519/ECDSA) for this remote; default the ssh agent"),
	CLI_OPT_END,
};

/* A bad name or URL is a usage error (exit 2); the message says what is wanted. */
static int add_hint(int code)
{
	if (code == CMDB_EINVALID) {
		cli_fail(NULL);
		return CLI_USAGE;
	}
	return cli_fail(
		code == CMDB_EEXISTS ? "remove it first ('gitcmdb remote remove NAME')" : NULL);
}

static int run_add(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const add_opts *ao = o;

	(void)argc;
	if (cmdb_remote_add(ctx->repo, argv[0], argv[1], ao->identity) < 0)
		return add_hint(cmdb_error_last_code());
	cli_printf("remote %s: %s\n", argv[0], argv[1]);
	return CLI_OK;
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	json_t *list = NULL, *e;
	size_t i;
	int rc = CLI_OK;

	(void)o, (void)argc, (void)argv;
	if (cmdb_remote_list(&list, ctx->repo) < 0)
		return cli_fail(NULL);
	if (ctx->json)
		rc = cli_print_json(list);
	else
		json_array_foreach(list, i, e)
		{
			const char *id = json_string_value(json_object_get(e, "identity"));

			if (id)
				cli_printf("%s\t%s\tidentity %s\n",
					json_string_value(json_object_get(e, "name")),
					json_string_value(json_object_get(e, "url")), id);
			else
				cli_printf("%s\t%s\n",
					json_string_value(json_object_get(e, "name")),
					json_string_value(json_object_get(e, "url")));
		}
	json_decref(list);
	return rc;
}

static int run_remove(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)o, (void)argc;
	if (cmdb_remote_remove(ctx->repo, argv[0]) < 0)
		return cli_fail(NULL);
	return CLI_OK;
}

static const cli_command add_cmd = {
	.name = "add",
	.summary = "add a remote (a central CMDB repository) to push to and pull from",
	.synopsis = "gitcmdb remote add NAME URL [--identity FILE]",
	.about = "Add remote NAME with URL to the repository's git config ('git remote -v'\n"
		 "shows it). URL: ssh://user@host[:port]/path, user@host:path, file://path or a\n"
		 "local path. SSH servers must have their host key in main's known_hosts:\n"
		 "'gitcmdb hostkeys enroll --remote NAME' records it.\n",
	.options = add_options,
	.opts_size = sizeof(add_opts),
	.needs = CLI_NEEDS_REPO,
	.operands = "NAME URL",
	.min_operands = 2,
	.max_operands = 2,
	.missing = "give a remote name and its URL",
	.run = run_add,
};

static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the remotes",
	.synopsis = "gitcmdb remote list [--json]",
	.about = "Print each remote's name, URL and identity file.\n",
	.opts_size = sizeof(add_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};

static const cli_command remove_cmd = {
	.name = "remove",
	.summary = "remove a remote",
	.synopsis = "gitcmdb remote remove NAME",
	.about = "Remove remote NAME and its remote-tracking refs.\n",
	.opts_size = sizeof(add_opts),
	.needs = CLI_NEEDS_REPO,
	.operands = "NAME",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give the remote's name ('gitcmdb remote list')",
	.run = run_remove,
};

static const cli_command *const remote_subcommands[] = {&add_cmd, &list_cmd, &remove_cmd, NULL};

const cli_command cli_cmd_remote = {
	.name = "remote",
	.summary = "add, list and remove remotes (central CMDB repositories)",
	.about = "The repository's git remotes: where 'gitcmdb push' and 'gitcmdb pull' go.\n",
	.subcommands = remote_subcommands,
};
