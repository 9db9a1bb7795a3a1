/* gitcmdb fmt: placeholder until its issue lands. */
#include "cli.h"

const char usage_fmt[] = "usage: gitcmdb fmt\n\nNot implemented yet.\n";

int cmd_fmt(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'fmt' is not implemented yet");
}
