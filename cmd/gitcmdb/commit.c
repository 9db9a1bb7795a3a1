/* gitcmdb commit: placeholder until its issue lands. */
#include "cli.h"

const char usage_commit[] = "usage: gitcmdb commit\n\nNot implemented yet.\n";

int cmd_commit(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'commit' is not implemented yet");
}
