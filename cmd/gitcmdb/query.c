/* gitcmdb query: placeholder until its issue lands. */
#include "cli.h"

const char usage_query[] = "usage: gitcmdb query\n\nNot implemented yet.\n";

int cmd_query(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'query' is not implemented yet");
}
