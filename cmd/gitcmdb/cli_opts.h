/* The option parser and the --help generator behind cli_run (cli_opts.c, cli_help.c). */
#ifndef GITCMDB_CLI_OPTS_H
#define GITCMDB_CLI_OPTS_H

#include "cli.h"

/* cli_parse's answer when -h or --help stood where an option may. */
#define CLI_HELP (-1)

/* A shared option and the CLI_SHARED_* bit a command names it by. */
typedef struct {
	unsigned bit;
	cli_option opt;
} cli_shared_option;

/* The shared options, ended by bit 0. */
const cli_shared_option *cli_shared_options(void);
/* The shared options cmd takes: those it names, and --db, --no-refresh with an index. */
unsigned cli_shared_of(const cli_command *cmd);

/*
 * Parse argv (argv[0] is the command's name) into ctx's shared options and *opts, moving
 * the operands, in order, to argv[1..*nargs]. CLI_OK, CLI_USAGE or CLI_FAIL (message
 * printed), or CLI_HELP (nothing printed). Lists in *opts are the caller's to dispose.
 */
int cli_parse(const cli_command *cmd, cli_ctx *ctx, void *opts, int argc, char **argv, int *nargs);
/* The operand count (argv: the operands) against cmd's min/max; CLI_USAGE with a message. */
int cli_check_operands(const cli_command *cmd, cli_ctx *ctx, int argc, char **argv);
/* Free the lists a parse put in opts (NULL-safe). */
void cli_opts_dispose(const cli_command *cmd, void *opts);

/* "90", "90s", "5m", "2h", "1d" in seconds; -1 when s is not a duration. */
long long cli_parse_duration(const char *s);
/* Seconds in the largest unit that divides them: "2m", "1d", "90s". */
void cli_format_duration(char buf[32], long long s);

/* cmd's --help to f: for a command its synopsis, about, options (from its table, the
 * shared ones and -h) and notes; for a group its subcommands. */
void cli_print_help(FILE *f, const cli_command *cmd, const char *path);

#endif
