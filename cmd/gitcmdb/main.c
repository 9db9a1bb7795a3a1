/* gitcmdb CLI entry: global options, then dispatch through one table (git.c style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_commands[] = {
	{"init", cmd_init, "create a new CMDB repository", usage_init},
	{"validate", cmd_validate, "check every item against its schema", usage_validate},
	{"commit", cmd_commit, "validate and commit edited item files", usage_commit},
	{"status", cmd_status, "finish an interrupted update; show what you changed", usage_status},
	{"fmt", cmd_fmt, "rewrite item files in canonical form", usage_fmt},
	{"scan", cmd_scan, "discover hosts over SSH and commit what changed", usage_scan},
	{"hostkeys", cmd_hostkeys, "enroll and list SSH host keys", usage_hostkeys},
	{"index", cmd_index, "bring the SQLite history index up to date", usage_index},
	{"show", cmd_show, "show an item, now or at a past time", usage_show},
	{"history", cmd_history, "list an item's versions and field changes", usage_history},
	{"impact", cmd_impact, "what is hit when an item fails or changes", usage_impact},
	{"diff", cmd_diff, "estate-wide differences between two points", usage_diff},
	{"find", cmd_find, "find items by attribute expression", usage_find},
	{"query", cmd_query, "run read-only SQL on the index", usage_query},
	{NULL, NULL, NULL, NULL},
};

static void print_overview(FILE *f)
{
	fputs("usage: gitcmdb [-C DIR] [--version] [--help] COMMAND [ARGS]\n\n"
	      "A Git-native CMDB: scan hosts over SSH, keep their configuration as YAML in git,\n"
	      "and answer what runs where, what changed and what breaks.\n\ncommands:\n",
		f);
	for (const cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nThe repository is -C DIR, else $GITCMDB_DIR, else the current directory.\n"
	      "'gitcmdb help COMMAND' or 'gitcmdb COMMAND --help' for a command's options.\n",
		f);
}

static const cli_command *find_command(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {NULL};
	const cli_command *cmd;
	int i = 1, rc;

	ctx.dir = getenv("GITCMDB_DIR");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (++i >= argc)
				return cli_usage(NULL, "-C needs a directory");
			ctx.dir = argv[i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("gitcmdb %s\n", cmdb_version());
			return CLI_OK;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_overview(stdout);
			return CLI_OK;
		} else {
			return cli_usage(NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (!ctx.dir || !*ctx.dir)
		ctx.dir = ".";
	if (i >= argc) {
		print_overview(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			print_overview(stdout);
			return CLI_OK;
		}
		return cli_help(argv[i + 1]);
	}
	if (!(cmd = find_command(argv[i])))
		return cli_usage(NULL, "unknown command '%s'", argv[i]);
	for (int j = i + 1; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0)
			break;
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
			return cli_help(cmd->name);
	}
	if (cmdb_init() < 0)
		return cli_fail(NULL);
	rc = cmd->fn(argc - i, argv + i, &ctx);
	cmdb_shutdown();
	return rc;
}
