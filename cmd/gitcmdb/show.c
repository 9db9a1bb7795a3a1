/* gitcmdb show: placeholder until its issue lands. */
#include "cli.h"

const char usage_show[] = "usage: gitcmdb show\n\nNot implemented yet.\n";

int cmd_show(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'show' is not implemented yet");
}
