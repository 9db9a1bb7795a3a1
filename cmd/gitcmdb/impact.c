/* gitcmdb impact: what is hit when an item fails or changes (or, upstream, what it needs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

typedef struct {
	int upstream, depth;
	const char *format;
} impact_args;

static const cli_option impact_options[] = {
	CLI_OPT_FLAG(impact_args, upstream, "upstream", 0,
		"walk towards what ID depends on instead of what depends on ID"),
	CLI_OPT_INT(impact_args, depth, "depth", "N", 0, 1000000,
		"stop N relations away from ID (default: no limit)"),
	CLI_OPT_CHOICE(impact_args, format, "format", "FMT", "text|json|dot",
		"text (an indented tree, the default), json, or dot (Graphviz:\n"
		"gitcmdb impact host/db01 --format dot | dot -Tsvg > impact.svg)"),
	CLI_OPT_END,
};

/* The built-in relation types, overridden by the repository's schemas/relations.yaml. */
static int load_schema(cmdb_schema **out, cmdb_repo *repo)
{
	cmdb_schema *s = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = cmdb_schema_load_builtin(&s)) < 0)
		return rc;
	rc = cmdb_repo_read(&buf, &len, repo, NULL, "schemas/relations.yaml");
	if (rc == 0)
		rc = cmdb_schema_add(s, "schemas/relations.yaml", buf, len);
	else if (rc == CMDB_ENOTFOUND)
		rc = 0;
	cmdb_free(buf);
	if (rc < 0) {
		cmdb_schema_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int print_result(const json_t *res, const char *format)
{
	json_t *shown = NULL;
	char *s = NULL;
	int rc;

	if (!strcmp(format, "json")) {
		cli_print_json(res);
		return CLI_OK;
	}
	if (!(shown = cli_display_copy(res)))
		return cli_errorf(CLI_FAIL, "out of memory");
	rc = !strcmp(format, "dot") ? cmdb_impact_format_dot(&s, shown)
				    : cmdb_impact_format_text(&s, shown);
	json_decref(shown);
	if (rc < 0)
		return cli_fail(NULL);
	cli_put_text(stdout, s, strlen(s));
	cmdb_free(s);
	return CLI_OK;
}

static int run_impact(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const impact_args *a = opts;
	cmdb_impact_opts o = CMDB_IMPACT_OPTS_INIT;
	cmdb_schema *schema = NULL;
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)argc;
	o.upstream = a->upstream;
	o.depth = a->depth;
	o.at = ctx->at;
	if (load_schema(&schema, ctx->repo) < 0) {
		rc = cli_fail("fix the repository's schemas/relations.yaml");
		goto done;
	}
	if (cmdb_impact(&res, ctx->idx, schema, argv[0], &o) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	rc = print_result(res, ctx->json ? "json" : a->format ? a->format : "text");
done:
	json_decref(res);
	cmdb_schema_free(schema);
	return rc;
}

const cli_command cli_cmd_impact = {
	.name = "impact",
	.summary = "what is hit when an item fails or changes",
	.synopsis = "gitcmdb impact ID [--upstream] [--depth N] [--at WHEN]\n"
		    "                         [--format text|json|dot] [--json] [--db FILE] "
		    "[--no-refresh]",
	.about = "List everything hit when item ID fails or changes: every item that reaches ID\n"
		 "through relations whose type carries impact (schemas/relations.yaml: runs_on,\n"
		 "hosted_on, depends_on, connects_to, member_of, part_of; not affects/caused_by),\n"
		 "each with the chain of relations that links it. With --upstream, the other\n"
		 "way: everything ID needs. Only relations valid at WHEN count.\n",
	.notes = "--json is --format json. Each item is listed once, under the item it was first\n"
		 "reached from (shortest chain); cycles are followed once. Relation types come "
		 "from\n"
		 "the built-in schemas and the repository's own schemas/relations.yaml on main.\n"
		 "\n"
		 "Exit status: 0 listed (also when nothing is hit); 1 unknown item, item absent\n"
		 "at WHEN, WHEN before the first commit, or failure; 2 usage or malformed WHEN.\n",
	.options = impact_options,
	.opts_size = sizeof(impact_args),
	.shared = CLI_SHARED_AT | CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "ID",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an ID such as host/db01",
	.run = run_impact,
};
