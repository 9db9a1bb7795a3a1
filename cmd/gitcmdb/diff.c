/* gitcmdb diff: placeholder until its issue lands. */
#include "cli.h"

const char usage_diff[] = "usage: gitcmdb diff\n\nNot implemented yet.\n";

int cmd_diff(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'diff' is not implemented yet");
}
