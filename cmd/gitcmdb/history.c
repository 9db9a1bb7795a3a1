/* gitcmdb history: placeholder until its issue lands. */
#include "cli.h"

const char usage_history[] = "usage: gitcmdb history\n\nNot implemented yet.\n";

int cmd_history(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'history' is not implemented yet");
}
