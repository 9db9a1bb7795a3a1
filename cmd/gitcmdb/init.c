/* gitcmdb init: placeholder until its issue lands. */
#include "cli.h"

const char usage_init[] = "usage: gitcmdb init\n\nNot implemented yet.\n";

int cmd_init(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'init' is not implemented yet");
}
