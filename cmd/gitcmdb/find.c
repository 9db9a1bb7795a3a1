/* gitcmdb find: placeholder until its issue lands. */
#include "cli.h"

const char usage_find[] = "usage: gitcmdb find\n\nNot implemented yet.\n";

int cmd_find(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'find' is not implemented yet");
}
