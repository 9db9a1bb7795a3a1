/* gitcmdb history: an item's versions with field-level changes, from the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_index.h"

typedef struct {
	const char *path;
} history_opts;

static const cli_option history_options[] = {
	CLI_OPT_STRING(history_opts, path, "path", 0, "ATTR",
		"only changes to ATTR or below it (attributes.packages.openssl);\n"
		"versions that change nothing there are left out"),
	CLI_OPT_END,
};

/* An attribute value as JSON, typed by its vtype. */
static json_t *typed(const char *value, const char *vtype)
{
	json_t *v;

	if (!vtype || !value || strcmp(vtype, "null") == 0)
		return json_null();
	if (strcmp(vtype, "int") == 0)
		return json_integer(strtoll(value, NULL, 10));
	if (strcmp(vtype, "real") == 0)
		return json_real(strtod(value, NULL));
	if (strcmp(vtype, "bool") == 0)
		return json_boolean(strcmp(value, "true") == 0);
	if (strcmp(vtype, "list") == 0 && (v = json_loads(value, JSON_DECODE_ANY, NULL)))
		return v;
	return json_string(value);
}

static sqlite3_stmt *prep(cmdb_index *idx, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL) != SQLITE_OK) {
		cli_errorf(0, "index query failed: %s", sqlite3_errmsg(cmdb_index_db(idx)));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

#define PATH_FILTER(col)                                                                           \
	" AND (?3 IS NULL OR " col " = ?3 OR substr(" col ", 1, length(?3) + 1) = ?3 || '.')"

/* The changes of id at seq (under path when set), as [{path, op, old, new}]. */
static json_t *changes_at(cmdb_index *idx, const char *id, long long seq, const char *path)
{
	sqlite3_stmt *a = prep(idx,
		"SELECT path, max(CASE WHEN to_seq = ?2 THEN value END), max(CASE WHEN to_seq = ?2 "
		"THEN vtype END),"
		" max(CASE WHEN from_seq = ?2 THEN value END), max(CASE WHEN from_seq = ?2 THEN "
		"vtype END)"
		" FROM attrs WHERE id = ?1 AND (from_seq = ?2 OR to_seq = ?2)" PATH_FILTER(
			"path") " GROUP BY path ORDER BY path");
	sqlite3_stmt *r = prep(idx,
		"SELECT 'relations.' || type AS p, dst, to_seq = ?2 FROM relations"
		" WHERE src = ?1 AND (from_seq = ?2 OR to_seq = ?2)" PATH_FILTER(
			"p") " ORDER BY type, dst");
	json_t *out = json_array();

	for (int k = 0; k < 2 && a && r && out; k++) {
		sqlite3_stmt *st = k ? r : a;

		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *p = (const char *)sqlite3_column_text(st, 0);
			const char *ov = (const char *)sqlite3_column_text(st, 1), *ot = NULL,
				   *nv = NULL, *nt = NULL;

			if (k == 0) {
				ot = (const char *)sqlite3_column_text(st, 2);
				nv = (const char *)sqlite3_column_text(st, 3);
				nt = (const char *)sqlite3_column_text(st, 4);
			} else if (sqlite3_column_int(st, 2)) {
				ot = "string";
			} else {
				nv = ov, nt = "string", ov = NULL;
			}
			json_array_append_new(out,
				json_pack("{s:s, s:s, s:o, s:o}", "path", p, "op",
					!ot           ? "added"
						: !nt ? "removed"
						      : "changed",
					"old", typed(ov, ot), "new", typed(nv, nt)));
		}
	}
	if (!a || !r) {
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(a);
	sqlite3_finalize(r);
	return out;
}

static json_t *strings(cmdb_index *idx, const char *sql, const char *text, long long num)
{
	sqlite3_stmt *st = prep(idx, sql);
	json_t *out = st ? json_array() : NULL;

	if (st) {
		if (text)
			sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 1, num);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
				out, json_string((const char *)sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	return out;
}

static json_t *collect(cmdb_index *idx, const char *id, const char *path)
{
	sqlite3_stmt *st = prep(idx,
		"SELECT s.seq, c.oid, c.time, c.author, c.email, c.summary,"
		" EXISTS(SELECT 1 FROM item_versions WHERE id = ?1 AND from_seq = s.seq),"
		" EXISTS(SELECT 1 FROM item_versions WHERE id = ?1 AND to_seq = s.seq)"
		" FROM (SELECT from_seq AS seq FROM item_versions WHERE id = ?1 UNION"
		"  SELECT to_seq FROM item_versions WHERE id = ?1 AND to_seq IS NOT NULL) s"
		" JOIN commits c ON c.seq = s.seq ORDER BY s.seq");
	json_t *versions = json_array(), *res = NULL;
	char tbuf[32];

	if (!st)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(st, 0);
		int opens = sqlite3_column_int(st, 6), closes = sqlite3_column_int(st, 7);
		json_t *ch = changes_at(idx, id, seq, path);

		if (!ch)
			goto done;
		if (path && json_array_size(ch) == 0) {
			json_decref(ch);
			continue;
		}
		cli_format_time(tbuf, sqlite3_column_int64(st, 2));
		json_array_append_new(versions,
			json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o}", "seq",
				(json_int_t)seq, "commit", (const char *)sqlite3_column_text(st, 1),
				"time", tbuf, "author", (const char *)sqlite3_column_text(st, 3),
				"email", (const char *)sqlite3_column_text(st, 4), "summary",
				(const char *)sqlite3_column_text(st, 5), "kind",
				opens && closes ? "modified"
					: opens ? "created"
						: "deleted",
				"changes", ch, "change_ids",
				strings(idx,
					"SELECT value FROM trailers WHERE seq = ?1 AND"
					" lower(key) = 'change' ORDER BY rowid",
					NULL, seq)));
	}
	res = json_pack("{s:s, s:s?, s:o, s:O}", "id", id, "path", path, "change_records",
		strings(idx,
			"SELECT src FROM relations WHERE dst = ?1 AND type = 'affects'"
			" UNION SELECT a.id FROM attrs a WHERE a.path = 'affects' AND a.vtype = "
			"'list'"
			" AND EXISTS(SELECT 1 FROM json_each(a.value) j WHERE j.value = ?1) ORDER "
			"BY 1",
			id, 0),
		"versions", versions);
done:
	sqlite3_finalize(st);
	json_decref(versions);
	return res;
}

static void print_value(const json_t *v)
{
	char *s;

	if (!v || json_is_null(v)) {
		fputs("(none)", stdout);
		return;
	}
	if (json_is_string(v)) {
		cli_put_field(stdout, json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	cli_put_field(stdout, s ? s : "?");
	free(s);
}

static void print_text(const json_t *res, int all_fields)
{
	size_t i, j;
	json_t *v, *c;

	json_array_foreach(json_object_get(res, "versions"), i, v)
	{
		const char *kind = json_string_value(json_object_get(v, "kind"));
		json_t *ch = json_object_get(v, "changes");
		const char *author = json_string_value(json_object_get(v, "author"));

		cli_printf("%s  %.12s  %s  %s  %s\n", json_string_value(json_object_get(v, "time")),
			json_string_value(json_object_get(v, "commit")), author ? author : "?",
			kind,
			json_string_value(json_object_get(v, "summary"))
				? json_string_value(json_object_get(v, "summary"))
				: "");
		if (!all_fields && strcmp(kind, "modified") != 0)
			cli_printf("    (%zu field%s)\n", json_array_size(ch),
				json_array_size(ch) == 1 ? "" : "s");
		else
			json_array_foreach(ch, j, c)
			{
				cli_printf(
					"    %s: ", json_string_value(json_object_get(c, "path")));
				print_value(json_object_get(c, "old"));
				fputs(" → ", stdout);
				print_value(json_object_get(c, "new"));
				fputc('\n', stdout);
			}
		json_array_foreach(json_object_get(v, "change_ids"), j, c)
			cli_printf("    Change: %s\n", json_string_value(c));
	}
	json_array_foreach(json_object_get(res, "change_records"), i, c)
		cli_printf("change record: %s\n", json_string_value(c));
}

static int run_history(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const char *path = ((const history_opts *)opts)->path, *id = argv[0];
	cmdb_index *idx = ctx->idx;
	json_t *res = NULL;
	int rc = CLI_FAIL;

	(void)argc;
	if (cmdb_index_check_id(idx, id) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (!(res = collect(idx, id, path)))
		goto done;
	if (ctx->json)
		cli_print_json(res);
	else
		print_text(res, path != NULL);
	if (!ctx->json && path && json_array_size(json_object_get(res, "versions")) == 0)
		cli_errorf(0, "%s has no recorded changes at or under '%s'", id, path);
	rc = CLI_OK;
done:
	json_decref(res);
	return rc;
}

const cli_command cli_cmd_history = {
	.name = "history",
	.summary = "list an item's versions and field changes",
	.synopsis = "gitcmdb history ID [--path ATTR] [--json] [--db FILE] [--no-refresh]",
	.about =
		"List every version of item ID, oldest first: the commit, its time and author, "
		"whether\n"
		"the item was created, modified or deleted there, and each field that changed as\n"
		"old → new (flattened paths such as attributes.packages.openssl.version; "
		"relations\n"
		"as relations.TYPE). Change ids come from the commit's 'Change:' trailers; change\n"
		"records whose 'affects' names the item are listed too.\n"
		"\n"
		"With --json: {id, path, change_records, versions: [{seq, commit, time, author,\n"
		"email, summary, kind, changes: [{path, op, old, new}], change_ids}]}.\n",
	.notes = "Exit status: 0 listed; 1 unknown item; 2 usage.\n",
	.options = history_options,
	.opts_size = sizeof(history_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "ID",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an ID such as host/web01",
	.run = run_history,
};
