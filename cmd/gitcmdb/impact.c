/* gitcmdb impact: placeholder until its issue lands. */
#include "cli.h"

const char usage_impact[] = "usage: gitcmdb impact\n\nNot implemented yet.\n";

int cmd_impact(int argc, char **argv, cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return cli_errorf(CLI_FAIL, "'impact' is not implemented yet");
}
