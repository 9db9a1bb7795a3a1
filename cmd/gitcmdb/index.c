/* gitcmdb index: placeholder until its issue lands. */
#include "cli.h"

const char usage_index[] = "usage: gitcmdb index\n\nNot implemented yet.\n";

int cmd_index(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'index' is not implemented yet");
}
