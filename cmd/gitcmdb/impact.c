/* gitcmdb impact: what is hit when an item fails or changes (or, upstream, what it needs). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/query.h>

#include "cli_index.h"

const char usage_impact[] =
	"usage: gitcmdb impact ID [--upstream] [--depth N] [--at WHEN]\n"
	"                         [--format text|json|dot] [--json] [--db FILE] [--no-refresh]\n"
	"\n"
	"List everything hit when item ID fails or changes: every item that reaches ID\n"
	"through relations whose type carries impact (schemas/relations.yaml: runs_on,\n"
	"hosted_on, depends_on, connects_to, member_of, part_of; not affects/caused_by),\n"
	"each with the chain of relations that links it. With --upstream, the other\n"
	"way: everything ID needs. Only relations valid at WHEN count.\n"
	"\n"
	"  --upstream      walk towards what ID depends on instead of what depends on ID\n"
	"  --depth N       stop N relations away from ID (default: no limit)\n"
	"  --at WHEN       a date (2026-11-28, UTC), a date-time, a relative time\n"
	"                  (3.days.ago), a git revision (main~2, a sha) or a baseline name\n"
	"  --format FMT    text (an indented tree, the default), json, or dot (Graphviz:\n"
	"                  gitcmdb impact host/db01 --format dot | dot -Tsvg > impact.svg)\n"
	"  --json          same as --format json\n"
	"  --db FILE       use FILE as the index database\n"
	"  --no-refresh    do not catch the index up with main first\n"
	"\n"
	"Each item is listed once, under the item it was first reached from (shortest\n"
	"chain); cycles are followed once. Relation types come from the built-in schemas\n"
	"and the repository's own schemas/relations.yaml on main.\n"
	"\n"
	"Exit status: 0 listed (also when nothing is hit); 1 unknown item, item absent\n"
	"at WHEN, WHEN before the first commit, or failure; 2 usage or malformed WHEN.\n";

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
	char *s = NULL;
	int rc;

	if (!strcmp(format, "json")) {
		cli_print_json(res);
		return CLI_OK;
	}
	rc = !strcmp(format, "dot") ? cmdb_impact_format_dot(&s, res)
				    : cmdb_impact_format_text(&s, res);
	if (rc < 0)
		return cli_fail(NULL);
	fputs(s, stdout);
	cmdb_free(s);
	return CLI_OK;
}

static int parse_depth(int *out, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_impact(int argc, char **argv, cli_ctx *ctx)
{
	static const struct option opts[] = {{"upstream", no_argument, NULL, 'u'},
		{"depth", required_argument, NULL, 'D'}, {"at", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
		{"db", required_argument, NULL, 'd'}, {"no-refresh", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}};
	cmdb_impact_opts o = CMDB_IMPACT_OPTS_INIT;
	const char *db = NULL, *format = "text";
	int no_refresh = 0, c, rc = CLI_FAIL;
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	cmdb_schema *schema = NULL;
	json_t *res = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.upstream = 1; break;
		case 'D':
			if (parse_depth(&o.depth, optarg) < 0)
				return cli_usage("impact",
					"--depth needs a whole number >= 0, not '%s'", optarg);
			break;
		case 'a': o.at = optarg; break;
		case 'f': format = optarg; break;
		case 'j': format = "json"; break;
		case 'd': db = optarg; break;
		case 'n': no_refresh = 1; break;
		default: return cli_usage("impact", "bad option");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "dot"))
		return cli_usage("impact", "--format is text, json or dot, not '%s'", format);
	if (optind != argc - 1)
		return cli_usage("impact",
			optind >= argc ? "which item? give an ID such as host/db01"
				       : "impact takes exactly one ID");
	if (!(idx = cli_index_open(&repo, ctx, db, no_refresh, 0)))
		goto done;
	if (load_schema(&schema, repo) < 0) {
		rc = cli_fail("fix the repository's schemas/relations.yaml");
		goto done;
	}
	if (cmdb_impact(&res, idx, schema, argv[optind], &o) < 0) {
		rc = cmdb_error_last_code() == CMDB_EINVALID ? CLI_USAGE : CLI_FAIL;
		cli_errorf(rc, "%s", cmdb_error_last());
		goto done;
	}
	rc = print_result(res, format);
done:
	json_decref(res);
	cmdb_schema_free(schema);
	cli_index_close(idx, repo);
	return rc;
}
