/*
 * gitcmdb import: change, incident and problem records from ITSM exports, one commit a
 * run (docs/import.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *from, *timezone, *format;
	int dry_run, strict;
} import_args;

static const cli_option options[] = {
	CLI_OPT_CHOICE(import_args, from, "from", "TOOL", "servicenow|generic",
		"the export's columns: ServiceNow's list export (default) or gitcmdb's\n"
		"own field names (docs/import.md)"),
	CLI_OPT_CHOICE(import_args, format, "format", "F", "csv|json",
		"the file's format (default: by its name, else its first byte)"),
	CLI_OPT_STRING(import_args, timezone, "timezone", 0, "TZ",
		"read times without a zone (2026-02-10 08:00:00) in TZ: an IANA name,\n"
		"UTC (default) or an offset such as +01:00"),
	CLI_OPT_FLAG(import_args, dry_run, "dry-run", 'n',
		"show what would be created, updated and skipped; commit nothing"),
	CLI_OPT_FLAG(import_args, strict, "strict", 0, "commit nothing when any row is skipped"),
	CLI_OPT_END,
};

static int kind_of(cmdb_record_kind *kind, const char *s)
{
	if (!strcmp(s, "changes") || !strcmp(s, "change"))
		*kind = CMDB_RECORD_CHANGE;
	else if (!strcmp(s, "incidents") || !strcmp(s, "incident"))
		*kind = CMDB_RECORD_INCIDENT;
	else if (!strcmp(s, "problems") || !strcmp(s, "problem"))
		*kind = CMDB_RECORD_PROBLEM;
	else
		return -1;
	return 0;
}

static int check(cli_ctx *ctx, void *o, int argc, char **argv)
{
	cmdb_record_kind kind;

	(void)o, (void)argc;
	if (kind_of(&kind, argv[0]) < 0)
		return cli_usage(ctx, "'%s': import changes, incidents or problems", argv[0]);
	return 0;
}

static void print_list(const json_t *res, const char *section, const char *verb)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(res, section), i, e)
		printf("%s %s (%s, row %lld)\n", verb, json_string_value(json_object_get(e, "id")),
			json_string_value(json_object_get(e, "external_ref")),
			(long long)json_integer_value(json_object_get(e, "row")));
}

static void print_text(const json_t *res, int dry)
{
	const json_t *skipped = json_object_get(res, "skipped"), *e;
	const char *commit = json_string_value(json_object_get(res, "commit"));
	size_t i;

	print_list(res, "created", dry ? "would create" : "created");
	print_list(res, "updated", dry ? "would update" : "updated");
	json_array_foreach(json_object_get(res, "linked"), i, e)
		printf("%s %s to problem %s (row %lld)\n", dry ? "would link" : "linked",
			json_string_value(json_object_get(e, "incident")),
			json_string_value(json_object_get(e, "problem")),
			(long long)json_integer_value(json_object_get(e, "row")));
	json_array_foreach(skipped, i, e)
		cli_errorf(0, "skipped: %s", json_string_value(json_object_get(e, "message")));
	printf("%zu created, %zu updated, %zu unchanged, %zu skipped",
		json_array_size(json_object_get(res, "created")),
		json_array_size(json_object_get(res, "updated")),
		json_array_size(json_object_get(res, "unchanged")), json_array_size(skipped));
	if (commit)
		printf(": commit %.12s\n", commit);
	else if (dry)
		printf(": dry run, nothing committed\n");
	else if (json_is_true(json_object_get(res, "strict")) && json_array_size(skipped))
		printf(": --strict, nothing committed\n");
	else
		printf(": nothing to commit\n");
}

static int run(cli_ctx *ctx, void *o, int argc, char **argv)
{
	const import_args *a = o;
	cmdb_import_opts io;
	json_t *res = NULL;
	int rc;

	(void)argc;
	memset(&io, 0, sizeof(io));
	kind_of(&io.kind, argv[0]);
	if (a->from && cmdb_import_from_parse(&io.from, a->from) < 0)
		return cli_usage(ctx, "%s", cmdb_error_last());
	if (a->format)
		io.format = !strcmp(a->format, "json") ? CMDB_IMPORT_JSON : CMDB_IMPORT_CSV;
	io.timezone = a->timezone;
	io.dry_run = a->dry_run;
	io.strict = a->strict;
	if (cmdb_import_file(&res, ctx->repo, argv[1], &io) < 0)
		return cli_fail("nothing was imported: fix the file (docs/import.md)");
	if (ctx->json)
		rc = cli_print_json(res);
	else
		print_text(res, a->dry_run), rc = CLI_OK;
	if (rc == CLI_OK && json_array_size(json_object_get(res, "skipped")))
		rc = CLI_FAIL;
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_import = {
	.name = "import",
	.summary = "import change, incident or problem records from an ITSM export",
	.synopsis = "gitcmdb import changes|incidents|problems FILE [--from servicenow|generic]\n"
		    "    [--format csv|json] [--timezone TZ] [--dry-run] [--strict] [--json]",
	.about =
		"Read FILE (CSV per RFC 4180, or JSON: an array of objects or ServiceNow's\n"
		"{\"records\": [...]} / {\"result\": [...]}) and write its records in one commit.\n"
		"A record is matched by external_ref (the tool's number): new numbers get the\n"
		"next free id, known ones are updated, unchanged ones left alone; a run that\n"
		"changes nothing commits nothing. CI names become item ids (exact id, host name,\n"
		"'NAME on HOST' or 'HOST:NAME' as service/HOST/NAME, then a unique item name).\n",
	.notes = "A row that cannot be imported (malformed, a value outside the mapping table,\n"
		 "an unknown or ambiguous CI, a record failing its schema) is skipped and listed\n"
		 "with its row, line and column; the others are committed and the exit status is\n"
		 "1. With --strict nothing is committed then. docs/import.md has the tables.\n",
	.options = options,
	.opts_size = sizeof(import_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.operands = "KIND FILE",
	.min_operands = 2,
	.max_operands = 2,
	.missing = "give the kind of records and the file: import changes changes.csv",
	.check = check,
	.run = run,
};
