#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_index.h"
#include "cli_opts.h"

int cli_errorf(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* what was printed before the error comes before it */
	fputs("gitcmdb: ", stderr);
	va_start(ap, fmt);
	cli_vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_fail(const char *hint)
{
	/* A failure no library call explained must never read "no error". */
	const char *msg = cmdb_error_last_code() ? cmdb_error_last() : "unexpected failure";

	if (hint && *hint)
		return cli_errorf(CLI_FAIL, "%s: %s", msg, hint);
	return cli_errorf(CLI_FAIL, "%s", msg);
}

int cli_usage(const cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("gitcmdb: ", stderr);
	if (ctx && ctx->name[0])
		cli_fprintf(stderr, "%s: ", ctx->name);
	va_start(ap, fmt);
	cli_vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
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

int cli_print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (!s)
		return cli_errorf(CLI_FAIL,
			"cannot print the JSON result (out of memory, or a "
			"string that is not UTF-8)");
	puts(s);
	free(s);
	return CLI_OK;
}

int cli_add_finding(json_t *findings, const char *file, const char *message)
{
	if (json_array_append_new(findings,
		    json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", file, "line", 0, "column", 0,
			    "id", "", "message", message)) < 0)
		return cli_errorf(CLI_FAIL, "out of memory");
	return CLI_OK;
}

typedef struct {
	json_t *f;
	size_t i; /* the position it came in: ties keep it */
} ranked;

static int finding_order(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	int c = strcmp(json_string_value(json_object_get(x->f, "file")),
		json_string_value(json_object_get(y->f, "file")));
	json_int_t lx = json_integer_value(json_object_get(x->f, "line")),
		   ly = json_integer_value(json_object_get(y->f, "line")),
		   cx = json_integer_value(json_object_get(x->f, "column")),
		   cy = json_integer_value(json_object_get(y->f, "column"));

	if (c)
		return c;
	if (lx != ly)
		return (lx > ly) - (lx < ly);
	if (cx != cy)
		return (cx > cy) - (cx < cy);
	return (x->i > y->i) - (x->i < y->i);
}

int cli_print_findings(json_t *findings, int json)
{
	size_t i, n = json_array_size(findings);
	ranked *v = calloc(n ? n : 1, sizeof(*v));
	json_t *f;

	if (!v)
		return cli_errorf(CLI_FAIL, "out of memory");
	json_array_foreach(findings, i, f)
	{
		v[i].f = json_incref(f);
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), finding_order);
	json_array_clear(findings);
	for (i = 0; i < n; i++)
		json_array_append_new(findings, v[i].f);
	free(v);
	if (json)
		return cli_print_json(findings);
	json_array_foreach(findings, i, f)
	{
		const char *file = json_string_value(json_object_get(f, "file"));
		json_int_t line = json_integer_value(json_object_get(f, "line"));
		json_int_t col = json_integer_value(json_object_get(f, "column"));
		const char *msg = json_string_value(json_object_get(f, "message"));

		if (line > 0)
			cli_printf(
				"%s:%lld:%lld: %s\n", file, (long long)line, (long long)col, msg);
		else
			cli_printf("%s: %s\n", file, msg);
	}
	return CLI_OK;
}

int cli_read_worktree(
	char **data, size_t *len, json_t *findings, cmdb_repo *repo, const char *path, int link)
{
	if (link)
		return cli_add_finding(findings, path,
			       "a symbolic link: gitcmdb never follows links in the work "
			       "tree; put the file itself there") == CLI_OK
			? 1
			: -1;
	*data = NULL;
	if (cmdb_repo_worktree_read(data, len, repo, path, CMDB_YAML_MAX_BYTES) == 0)
		return 0;
	switch (cmdb_error_last_code()) {
	case CMDB_ETOOBIG:
	case CMDB_EINVALID: /* replaced by a link or a FIFO since it was listed */
		return cli_add_finding(findings, path, cmdb_error_last()) == CLI_OK ? 1 : -1;
	default: cli_fail("check its permissions"); return -1;
	}
}

/* Open what cmd needs into ctx (cli_run closes it). */
static int open_needs(const cli_command *cmd, cli_ctx *ctx)
{
	unsigned needs = cmd->needs;

	if (needs & (CLI_NEEDS_INDEX | CLI_NEEDS_INDEX_READONLY)) {
		ctx->idx = cli_index_open(&ctx->repo, ctx, ctx->db, ctx->no_refresh,
			needs & CLI_NEEDS_INDEX_READONLY ? CMDB_INDEX_READONLY : 0);
		return ctx->idx ? CLI_OK : CLI_FAIL;
	}
	if ((needs & (CLI_NEEDS_REPO | CLI_NEEDS_WORKTREE)) && !(ctx->repo = cli_open_repo(ctx)))
		return CLI_FAIL;
	if ((needs & CLI_NEEDS_WORKTREE) && !cmdb_repo_workdir(ctx->repo))
		return cli_errorf(CLI_FAIL,
			"%s needs a work tree (%s is bare): clone it and run %s there", ctx->name,
			cmdb_repo_gitdir(ctx->repo), ctx->name);
	return CLI_OK;
}

/* A group: argv[1] names the subcommand, which parses the rest. */
static int run_group(const cli_command *cmd, cli_ctx *ctx, int argc, char **argv)
{
	char names[256] = "";

	for (const cli_command *const *sub = cmd->subcommands; *sub; sub++) {
		if (argc > 1 && !strcmp((*sub)->name, argv[1]))
			return cli_run(*sub, ctx, argc - 1, argv + 1);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			sub == cmd->subcommands ? "" : ", ", (*sub)->name);
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cli_print_help(stdout, cmd, ctx->name);
		return CLI_OK;
	}
	if (argc < 2)
		return cli_usage(ctx, "missing subcommand: give one of %s", names);
	if (argv[1][0] == '-')
		return cli_usage(ctx, "option '%s' before the subcommand: give one of %s first",
			argv[1], names);
	return cli_usage(ctx, "unknown subcommand '%s': give one of %s", argv[1], names);
}

int cli_run(const cli_command *cmd, cli_ctx *ctx, int argc, char **argv)
{
	size_t used = strlen(ctx->name);
	void *opts = NULL;
	int rc, nargs = 0, inited = 0;

	snprintf(ctx->name + used, sizeof(ctx->name) - used, "%s%s", used ? " " : "", cmd->name);
	if (cmd->subcommands)
		return run_group(cmd, ctx, argc, argv);
	if (!(opts = calloc(1, cmd->opts_size ? cmd->opts_size : 1)))
		return cli_errorf(CLI_FAIL, "out of memory");
	if (cmd->init)
		cmd->init(opts);
	rc = cli_parse(cmd, ctx, opts, argc, argv, &nargs);
	if (rc == CLI_HELP) {
		cli_print_help(stdout, cmd, ctx->name);
		rc = CLI_OK;
		goto done;
	}
	if (rc != CLI_OK || (rc = cli_check_operands(cmd, ctx, nargs, argv + 1)) != CLI_OK ||
		(cmd->check && (rc = cmd->check(ctx, opts, nargs, argv + 1)) != CLI_OK))
		goto done;
	if (cmdb_init() < 0) {
		rc = cli_fail(NULL);
		goto done;
	}
	inited = 1;
	if ((rc = open_needs(cmd, ctx)) == CLI_OK)
		rc = cmd->run(ctx, opts, nargs, argv + 1);
	/* repairs an index the command found damaged (cli_index_close) */
	cli_index_close(ctx->idx, ctx->repo);
	ctx->idx = NULL;
	ctx->repo = NULL;
done:
	if (inited)
		cmdb_shutdown();
	cli_opts_dispose(cmd, opts);
	free(opts);
	return rc;
}

int cli_print_formatted(const json_t *res, int (*format)(char **out, const json_t *res))
{
	json_t *shown = cli_display_copy(res);
	char *text = NULL;
	int rc = CLI_OK;

	if (!shown)
		rc = cli_errorf(CLI_FAIL, "out of memory");
	else if (format(&text, shown) < 0)
		rc = cli_fail(NULL);
	else
		cli_put_text(stdout, text, strlen(text));
	cmdb_free(text);
	json_decref(shown);
	return rc;
}
