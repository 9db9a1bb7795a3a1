/*
 * gitcmdb inventory import ansible FILE [--merge]: write inventory.yaml on main from an
 * ansible inventory (INI or YAML) in one commit, listing every variable it does not use.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
	int merge;
} opts;

static const cli_option import_options[] = {
	CLI_OPT_FLAG(opts, merge, "merge", 0,
		"keep main's inventory.yaml (defaults, other hosts, tags) and lay the\n"
		"imported hosts and groups over it"),
	CLI_OPT_END,
};

static int check_import(cli_ctx *ctx, void *o, int argc, char **argv)
{
	(void)o;
	if (argc < 1 || strcmp(argv[0], "ansible"))
		return cli_usage(ctx, "unknown source '%s': the one source is 'ansible'",
			argc ? argv[0] : "");
	return CLI_OK;
}

static void print_unknown(const json_t *report)
{
	const json_t *u;
	size_t i;

	json_array_foreach(json_object_get(report, "unknown"), i, u)
	{
		cli_errorf(0, "warning: %s:%d: %s: %s: %s",
			json_string_value(json_object_get(u, "file")),
			(int)json_integer_value(json_object_get(u, "line")),
			json_string_value(json_object_get(u, "where")),
			json_string_value(json_object_get(u, "variable")),
			json_string_value(json_object_get(u, "why")));
	}
}

static int run_import(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const opts *io = o;
	json_t *report = NULL;
	const char *commit;
	int rc = CLI_OK;

	(void)argc;
	if (cmdb_scan_import_ansible(&report, ctx->repo, argv[1], io->merge) < 0)
		return cli_fail(cmdb_error_last_code() == CMDB_EDIRTY
				? "commit or revert your edits to inventory.yaml first"
				: "fix the inventory (the line named above); nothing was written");
	if (ctx->json) {
		rc = cli_print_json(report);
	} else {
		print_unknown(report);
		cli_printf("%lld hosts (%zu added, %zu updated), %lld groups\n",
			(long long)json_integer_value(json_object_get(report, "hosts")),
			json_array_size(json_object_get(report, "added")),
			json_array_size(json_object_get(report, "updated")),
			(long long)json_integer_value(json_object_get(report, "groups")));
		commit = json_string_value(json_object_get(report, "commit"));
		if (commit)
			cli_printf("committed %s\n", commit);
		else
			cli_printf("inventory.yaml unchanged; nothing committed\n");
	}
	json_decref(report);
	return rc;
}

static const cli_command import_cmd = {
	.name = "import",
	.summary = "write inventory.yaml from an ansible inventory (one commit)",
	.synopsis = "gitcmdb inventory import ansible FILE [--merge] [--json]",
	.about =
		"Read an ansible inventory, INI or YAML (groups, children, ranges like\n"
		"web[01:20], group and host vars), and commit inventory.yaml on main with its\n"
		"hosts and groups. ansible_host, ansible_port, ansible_user,\n"
		"ansible_ssh_private_key_file and the ProxyJump of ansible_ssh_common_args become\n"
		"address, port, user, identity_file and proxy_jump; every other variable is\n"
		"listed as a warning with its file:line and never used. Inventory plugin configs\n"
		"(plugin: aws_ec2) are refused: export them with 'ansible-inventory --list\n"
		"--yaml' first. Without --merge the file replaces main's inventory.yaml.\n",
	.options = import_options,
	.opts_size = sizeof(opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.operands = "ansible FILE",
	.min_operands = 2,
	.max_operands = 2,
	.missing = "name the source and the file: 'gitcmdb inventory import ansible hosts.ini'",
	.check = check_import,
	.run = run_import,
};

static const cli_command *const inventory_subcommands[] = {&import_cmd, NULL};

const cli_command cli_cmd_inventory = {
	.name = "inventory",
	.summary = "import hosts into inventory.yaml",
	.about = "Fill inventory.yaml from other sources of hosts (an ansible inventory).\n",
	.subcommands = inventory_subcommands,
};
