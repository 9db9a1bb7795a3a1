/* gitcmdb show: an item as it was at a point in history, from the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_index.h"

/* One row of (oid, time) from sql bound to (id, seq), into oid[41] and *t; 0 if none. */
static int lookup_commit(
	cmdb_index *idx, const char *sql, const char *id, long long seq, char *oid, long long *t)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(oid, 41, "%s", (const char *)sqlite3_column_text(st, 0));
			*t = sqlite3_column_int64(st, 1);
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

/* Why id has no version at seq: it was deleted before, or created only after. */
static int explain_absent(cmdb_index *idx, const char *id, long long seq, const char *when)
{
	char oid[41], tbuf[32];
	long long t = 0;

	if (lookup_commit(idx,
		    "SELECT c.oid, c.time FROM item_versions v JOIN commits c ON c.seq = v.to_seq"
		    " WHERE v.id = ?1 AND v.to_seq <= ?2 ORDER BY v.to_seq DESC LIMIT 1",
		    id, seq, oid, &t)) {
		cli_format_time(tbuf, t);
		return cli_errorf(CLI_FAIL,
			"%s did not exist at %s: it was deleted in commit %.12s (%s)", id, when,
			oid, tbuf);
	}
	if (lookup_commit(idx,
		    "SELECT c.oid, c.time FROM item_versions v JOIN commits c ON c.seq = v.from_seq"
		    " WHERE v.id = ?1 AND v.from_seq > ?2 ORDER BY v.from_seq LIMIT 1",
		    id, seq, oid, &t)) {
		cli_format_time(tbuf, t);
		return cli_errorf(CLI_FAIL,
			"%s did not exist yet at %s: it was created later, in commit %.12s (%s)",
			id, when, oid, tbuf);
	}
	return cli_errorf(CLI_FAIL, "%s did not exist at %s", id, when);
}

static int print_version(sqlite3_stmt *st, const char *id, long long seq, int json)
{
	const char *doc_s = (const char *)sqlite3_column_text(st, 0);
	const char *oid = (const char *)sqlite3_column_text(st, 3),
		   *err = (const char *)sqlite3_column_text(st, 2);
	const char *author = (const char *)sqlite3_column_text(st, 5);
	const char *summary = (const char *)sqlite3_column_text(st, 7);
	json_t *doc = doc_s ? json_loads(doc_s, JSON_DECODE_ANY, NULL) : NULL, *out = NULL;
	char tbuf[32], *yaml = NULL;
	size_t ylen = 0;
	int rc = CLI_FAIL;

	cli_format_time(tbuf, sqlite3_column_int64(st, 4));
	if (!doc) {
		cli_errorf(0, "%s at commit %.12s does not parse: %s: fix the file in git", id, oid,
			err ? err : "unreadable");
		goto done;
	}
	if (json) {
		out = json_pack("{s:s, s:I, s:{s:s, s:s, s:s?, s:s?, s:s?}, s:s, s:O}", "id", id,
			"seq", (json_int_t)seq, "commit", "oid", oid, "time", tbuf, "author",
			author, "email", (const char *)sqlite3_column_text(st, 6), "summary",
			summary, "blob", (const char *)sqlite3_column_text(st, 1), "item", doc);
		if (!out) {
			cli_errorf(0, "out of memory");
			goto done;
		}
		cli_print_json(out);
	} else {
		if (cmdb_yaml_emit(&yaml, &ylen, doc, CMDB_YAML_ITEM) < 0) {
			cli_fail(NULL);
			goto done;
		}
		cli_printf("# %s from commit %s (%s, %s): %s\n", id, oid, tbuf,
			author ? author : "?", summary ? summary : "");
		cli_put_text(stdout, yaml, ylen);
	}
	rc = CLI_OK;
done:
	cmdb_free(yaml);
	json_decref(out);
	json_decref(doc);
	return rc;
}

static int show(cli_ctx *ctx, cmdb_index *idx, const char *id, const char *at, int json)
{
	sqlite3_stmt *st = NULL;
	long long seq = cmdb_index_head_seq(idx);
	int rc = CLI_FAIL, step;

	if (cmdb_index_check_id(idx, id) < 0)
		return cli_fail(NULL);
	if (at && cmdb_index_resolve_when(&seq, idx, at) < 0)
		return cmdb_error_last_code() == CMDB_EINVALID
			? cli_usage(ctx, "%s", cmdb_error_last())
			: cli_fail(NULL);
	if (sqlite3_prepare_v2(cmdb_index_db(idx),
		    "SELECT v.doc, v.blob, v.error, c.oid, c.time, c.author, c.email, c.summary"
		    " FROM item_versions v JOIN commits c ON c.seq = v.from_seq"
		    " WHERE v.id = ?1 AND v.from_seq <= ?2 AND (v.to_seq IS NULL OR v.to_seq > ?2)",
		    -1, &st, NULL) != SQLITE_OK) {
		cli_errorf(0, "index query failed: %s", sqlite3_errmsg(cmdb_index_db(idx)));
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = print_version(st, id, seq, json);
	else if (step == SQLITE_DONE)
		rc = explain_absent(idx, id, seq, at ? at : "HEAD");
	else
		cli_errorf(0, "index query failed: %s", sqlite3_errmsg(cmdb_index_db(idx)));
done:
	sqlite3_finalize(st);
	return rc;
}

static int run_show(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)opts, (void)argc;
	return show(ctx, ctx->idx, argv[0], ctx->at, ctx->json);
}

const cli_command cli_cmd_show = {
	.name = "show",
	.summary = "show an item, now or at a past time",
	.synopsis = "gitcmdb show ID [--at WHEN] [--json] [--db FILE] [--no-refresh]",
	.about = "Print item ID (\"host/web01\") as it was at WHEN (default: now), as canonical "
		 "YAML\n"
		 "preceded by a comment naming the commit that version comes from, or with --json\n"
		 "as {id, seq, commit: {oid, time, author, email, summary}, blob, item}.\n",
	.notes = "Exit status: 0 shown; 1 unknown item, not present at WHEN, or WHEN before the\n"
		 "first commit; 2 usage or malformed WHEN.\n",
	.shared = CLI_SHARED_AT | CLI_SHARED_JSON,
	.needs = CLI_NEEDS_INDEX,
	.operands = "ID",
	.min_operands = 1,
	.max_operands = 1,
	.missing = "give an ID such as host/web01",
	.run = run_show,
};
