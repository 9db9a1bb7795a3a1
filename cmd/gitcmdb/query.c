/* gitcmdb query: read-only SQL on the history index. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_index.h"

static void put_escaped(const char *s)
{
	cli_put_tsv(stdout, s);
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL: return json_null();
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);
		char *hex = malloc((size_t)n * 2 + 1);
		json_t *v;

		if (!hex)
			return json_null();
		for (int k = 0; k < n; k++)
			snprintf(hex + 2 * k, 3, "%02x", p[k]);
		hex[2 * n] = '\0';
		v = json_string(hex);
		free(hex);
		return v;
	}
	default:
		return json_stringn((const char *)sqlite3_column_text(st, i),
			(size_t)sqlite3_column_bytes(st, i));
	}
}

static int print_rows(sqlite3_stmt *st, int json)
{
	int n = sqlite3_column_count(st), rc;
	json_t *rows = json ? json_array() : NULL;

	for (int i = 0; i < n && !json; i++) {
		put_escaped(sqlite3_column_name(st, i));
		putchar(i + 1 < n ? '\t' : '\n');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json ? json_object() : NULL;

		for (int i = 0; i < n; i++) {
			if (json) {
				json_object_set_new(
					row, sqlite3_column_name(st, i), column_json(st, i));
				continue;
			}
			if (sqlite3_column_type(st, i) != SQLITE_NULL)
				put_escaped((const char *)sqlite3_column_text(st, i));
			putchar(i + 1 < n ? '\t' : '\n');
		}
		if (json)
			json_array_append_new(rows, row);
	}
	if (rc == SQLITE_DONE && json)
		cli_print_json(rows);
	json_decref(rows);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The guard's refusals, from prepare or (table-valued pragmas) from step, explained. */
static const char *refusal_hint(const char *msg)
{
	return strstr(msg, "not authorized") || strstr(msg, "too many attached")
		? ": query is read-only (no INSERT, UPDATE, DELETE, CREATE, ATTACH, VACUUM, "
		  "extensions or pragma writes)"
		: "";
}

static int run_query(cmdb_index *idx, const char *sql, int json)
{
	sqlite3 *db = cmdb_index_db(idx);
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc = CLI_FAIL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
		const char *msg = sqlite3_errmsg(db);

		cli_errorf(0, "%s%s", msg, refusal_hint(msg));
		goto done;
	}
	while (tail && isspace((unsigned char)*tail))
		tail++;
	if (!st) {
		cli_errorf(0, "the SQL holds no statement");
		goto done;
	}
	if (tail && *tail && strcmp(tail, ";") != 0) {
		cli_errorf(0, "give one SQL statement at a time (extra text: '%.40s')", tail);
		goto done;
	}
	if (!sqlite3_stmt_readonly(st)) {
		cli_errorf(0, "query is read-only: the statement would modify the database");
		goto done;
	}
	if (print_rows(st, json) < 0) {
		fflush(stdout);
		cli_errorf(0, "query failed: %s%s", sqlite3_errmsg(db),
			refusal_hint(sqlite3_errmsg(db)));
		goto done;
	}
	rc = CLI_OK;
done:
	sqlite3_finalize(st);
	return rc;
}

static int run_sql(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)opts, (void)argc;
	return run_query(ctx->idx, argv[0], ctx->json);
}

const cli_command cli_cmd_query = {
	.name = "query",
	.summary = "run read-only SQL on the index",
	.synopsis = "gitcmdb query SQL [--json] [--db FILE] [--no-refresh]",
	.about = "Run one read-only SQL statement on the history index and print the result as\n"
		 "tab-separated text with a header row (NULL prints as an empty field; tab, "
		 "newline\n"
		 "and backslash inside values print as \\t, \\n, \\\\, other control characters\n"
		 "and bytes that are not UTF-8 as \\xNN), or with --json as an array of\n"
		 "objects. Any read is allowed, table-valued functions included (json_each,\n"
		 "json_tree, pragma_table_info(...)); the database is opened read-only and\n"
		 "statements that would write, create (even temp tables), ATTACH, VACUUM, load\n"
		 "an extension or set a pragma are refused. Tables: meta, commits, items,\n"
		 "item_versions, attrs, relations, trailers (see docs/index.md). The state at seq "
		 "S is the rows\n"
		 "with from_seq <= S AND (to_seq IS NULL OR to_seq > S).\n",
	.notes = "Example: gitcmdb query \"SELECT id, value FROM attrs WHERE path =\n"
		 "  'attributes.packages.openssl.version' AND to_seq IS NULL\"\n"
		 "\n"
		 "Exit status: 0 ok; 1 SQL error or a statement that writes; 2 usage.\n",
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX_READONLY,
	.operands = "SQL",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give one SQL statement (quote it)",
	.run = run_sql,
};
