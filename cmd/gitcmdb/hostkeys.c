/* gitcmdb hostkeys: placeholder until its issue lands. */
#include "cli.h"

const char usage_hostkeys[] = "usage: gitcmdb hostkeys\n\nNot implemented yet.\n";

int cmd_hostkeys(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'hostkeys' is not implemented yet");
}
