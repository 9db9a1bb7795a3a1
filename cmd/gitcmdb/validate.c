/* gitcmdb validate: placeholder until its issue lands. */
#include "cli.h"

const char usage_validate[] = "usage: gitcmdb validate\n\nNot implemented yet.\n";

int cmd_validate(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'validate' is not implemented yet");
}
