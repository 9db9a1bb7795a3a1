/* gitcmdb report: the auditor's evidence report as one HTML or Markdown file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gitcmdb/report.h>

#include "cli_index.h"
#include "cli_print.h"

typedef struct {
	const char *at, *since, *format, *output;
	int no_graphs;
} report_args;

static const cli_option report_options[] = {
	CLI_OPT_WHEN(report_args, at, "at", "the report as of WHEN (default: the newest commit)"),
	CLI_OPT_WHEN(report_args, since, "since",
		"the period starts at WHEN (default: the first commit)"),
	CLI_OPT_CHOICE(report_args, format, "format", "FMT", "html|md", "html or md (required)"),
	CLI_OPT_STRING(
		report_args, output, "output", 'o', "FILE", "write the report to FILE (required)"),
	CLI_OPT_FLAG(report_args, no_graphs, "no-graphs", 0,
		"plain dependency lists even when Graphviz dot is installed"),
	CLI_OPT_END,
};

/* Graphviz dot on PATH, or NULL (malloc'd). */
static char *find_dot(void)
{
	const char *path = getenv("PATH");

	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = n ? malloc(n + 5) : NULL;

		if (cand) {
			snprintf(cand, n + 5, "%.*s/dot", (int)n, p);
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		p += n + (p[n] == ':');
	}
	return NULL;
}

static int check_report(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const report_args *o = opts;

	(void)argc, (void)argv;
	if (!o->format)
		return cli_usage(ctx, "--format html|md is required");
	if (!o->output || !*o->output)
		return cli_usage(ctx, "-o FILE is required");
	return CLI_OK;
}

/* Write data to path through a temporary file renamed over it: never half a report. */
static int write_file(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	FILE *f;
	int ok;

	if (!tmp)
		return cli_errorf(CLI_FAIL, "out of memory");
	snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "wb"))) {
		cli_errorf(CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return CLI_FAIL;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		cli_errorf(CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return CLI_FAIL;
	}
	free(tmp);
	return CLI_OK;
}

static int run_report(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const report_args *o = opts;
	cmdb_report_opts ro = CMDB_REPORT_OPTS_INIT;
	json_t *model = NULL;
	char *doc = NULL, *dot = NULL;
	size_t len = 0;
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	ro.at = o->at;
	ro.since = o->since;
	if (!o->no_graphs && !strcmp(o->format, "html"))
		ro.dot = dot = find_dot();
	if (cmdb_report_build(&model, ctx->idx, &ro) < 0 ||
		cmdb_report_render(&doc, &len, model,
			strcmp(o->format, "md") ? CMDB_REPORT_HTML : CMDB_REPORT_MD, &ro) < 0) {
		rc = cli_errorf(CLI_FAIL, "%s", cmdb_error_last());
		goto done;
	}
	if ((rc = write_file(o->output, doc, len)) != CLI_OK)
		goto done;
	if (ctx->json)
		rc = cli_print_json(model);
	else
		cli_printf("%s\n", o->output);
done:
	free(dot);
	cmdb_free(doc);
	json_decref(model);
	return rc;
}

const cli_command cli_cmd_report = {
	.name = "report",
	.summary = "write the auditor's evidence report (HTML or Markdown)",
	.synopsis = "gitcmdb report [--at WHEN] [--since WHEN] --format html|md -o FILE [--json]\n"
		    "[--no-graphs] [--db FILE] [--no-refresh]",
	.about = "Write one self-contained document with the evidence an ISO/IEC 20000 audit\n"
		 "asks for: the scope (repository, commit, period); the CI register at --at;\n"
		 "the changes of the period with their approval and the drifts they authorised;\n"
		 "unauthorised drift with the candidate changes; incidents with their affected\n"
		 "CIs, correlated drifts and problems; scan coverage; service levels (as `gitcmdb\n"
		 "sla`); the open audit findings. The HTML needs no network: inline CSS, and the\n"
		 "dependency graphs of business services as inline SVG when Graphviz dot is\n"
		 "installed (plain lists otherwise). Every value is escaped. The same repository\n"
		 "and arguments give the same bytes. See docs/report.md.\n",
	.notes = "Prints the file's path (with --json, the report's data instead).\n"
		 "Exit status: 0 written; 1 failure (nothing written); 2 usage.\n",
	.options = report_options,
	.opts_size = sizeof(report_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.check = check_report,
	.run = run_report,
};
