#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_errorf(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("gitcmdb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_fail(const char *hint)
{
	if (hint && *hint)
		return cli_errorf(CLI_FAIL, "%s: %s", cmdb_error_last(), hint);
	return cli_errorf(CLI_FAIL, "%s", cmdb_error_last());
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("gitcmdb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, ": see 'gitcmdb help %s'\n", cmd);
	else
		fputs(": see 'gitcmdb help'\n", stderr);
	return CLI_USAGE;
}

int cli_help(const char *cmd)
{
	for (const cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, cmd) == 0) {
			fputs(c->usage, stdout);
			return CLI_OK;
		}
	}
	return cli_usage(NULL, "unknown command '%s'", cmd);
}

cmdb_repo *cli_open_repo(cli_ctx *ctx)
{
	cmdb_repo *repo = NULL;

	if (cmdb_repo_open(&repo, ctx->dir) < 0) {
		cli_fail(cmdb_error_last_code() == CMDB_ENOTFOUND
				? "run 'gitcmdb init DIR' first, or point -C / GITCMDB_DIR at a "
				  "CMDB repository"
				: NULL);
		return NULL;
	}
	return repo;
}

void cli_print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (s) {
		puts(s);
		free(s);
	}
}
