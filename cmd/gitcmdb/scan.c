/* gitcmdb scan: placeholder until its issue lands. */
#include "cli.h"

const char usage_scan[] = "usage: gitcmdb scan\n\nNot implemented yet.\n";

int cmd_scan(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'scan' is not implemented yet");
}
