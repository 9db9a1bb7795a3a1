/* gitcmdb CLI entry: global options, then dispatch through one table (git.c style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Each command is declared in its own file (options, needs, operands, help). */
const cli_command *const cli_commands[] = {
	&cli_cmd_init,
	&cli_cmd_validate,
	&cli_cmd_commit,
	&cli_cmd_status,
	&cli_cmd_fmt,
	&cli_cmd_scan,
	&cli_cmd_hostkeys,
	&cli_cmd_inventory,
	&cli_cmd_index,
	&cli_cmd_show,
	&cli_cmd_history,
	&cli_cmd_impact,
	&cli_cmd_diff,
	&cli_cmd_find,
	&cli_cmd_query,
	&cli_cmd_remote,
	&cli_cmd_push,
	&cli_cmd_pull,
	&cli_cmd_gc,
	&cli_cmd_change,
	&cli_cmd_incident,
	&cli_cmd_problem,
	&cli_cmd_import,
	&cli_cmd_baseline,
	&cli_cmd_audit,
	&cli_cmd_report,
	&cli_cmd_sla,
	NULL,
};

static void print_overview(FILE *f)
{
	fputs("usage: gitcmdb [-C DIR] [--version] [--help] COMMAND [ARGS]\n\n"
	      "A Git-native CMDB: scan hosts over SSH, keep their configuration as YAML in git,\n"
	      "and answer what runs where, what changed and what breaks.\n\ncommands:\n",
		f);
	for (const cli_command *const *c = cli_commands; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fputs("\nThe repository is -C DIR, else $GITCMDB_DIR, else the current directory.\n"
	      "'gitcmdb help COMMAND' or 'gitcmdb COMMAND --help' for a command's options.\n",
		f);
}

static const cli_command *find_command(const char *name)
{
	for (const cli_command *const *c = cli_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {NULL};
	const cli_command *cmd;
	int i = 1;

	ctx.dir = getenv("GITCMDB_DIR");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-C") == 0) {
			if (++i >= argc)
				return cli_errorf(CLI_USAGE,
					"-C needs a directory: give -C DIR before the command");
			ctx.dir = argv[i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("gitcmdb %s\n", cmdb_version());
			return CLI_OK;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_overview(stdout);
			return CLI_OK;
		} else {
			return cli_errorf(
				CLI_USAGE, "unknown option '%s': see 'gitcmdb help'", argv[i]);
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
		return cli_help(argc - i - 1, argv + i + 1);
	}
	if (!(cmd = find_command(argv[i])))
		return cli_errorf(CLI_USAGE, "unknown command '%s': see 'gitcmdb help'", argv[i]);
	return cli_run(cmd, &ctx, argc - i, argv + i);
}
