/*
 * The read-only guard of `gitcmdb query` (lib/index/index_guard.c) on a real SQLite
 * file: every read works, table-valued functions included (issue 7 item 10), and
 * nothing writes, attaches, vacuums, loads code or sets a pragma. The file must be
 * byte-identical afterwards and no other file may appear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "index/index_int.h"
#include "testutil.h"

typedef struct {
	char *dir;
	char *db;
	sqlite3 *h; /* guarded, read-only */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	sqlite3 *w = NULL;

	f->dir = tu_tempdir("guard");
	if (asprintf(&f->db, "%s/index.db", f->dir) < 0)
		abort();
	assert_int_equal(sqlite3_open(f->db, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w,
				 "CREATE TABLE attrs(id TEXT, path TEXT, value TEXT);"
				 "INSERT INTO attrs VALUES('host/a', 'addrs', '[\"10.0.0.1/24\","
				 "\"10.0.0.2/24\"]');"
				 "CREATE INDEX attrs_path ON attrs(path);",
				 NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(w);
	assert_int_equal(sqlite3_open_v2(f->db, &f->h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(cmdb__index_guard_readonly(f->h), SQLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sqlite3_close(f->h);
	tu_rmrf(f->dir);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

/* Run sql to completion: the joined first column of every row, or NULL when refused. */
static char *run(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			fprintf(m, "%s;",
				sqlite3_column_text(st, 0)
					? (const char *)sqlite3_column_text(st, 0)
					: "");
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	fclose(m);
	if (rc != SQLITE_OK) {
		free(out);
		return NULL;
	}
	return out;
}

static void test_index_guard__table_valued_reads_allowed(void **state)
{
	static const char *const ok[][2] = {
		{"SELECT j.value FROM attrs, json_each(attrs.value) AS j WHERE attrs.path = "
		 "'addrs'",
			"10.0.0.1/24;10.0.0.2/24;"},
		{"SELECT count(*) FROM json_tree('{\"a\": {\"b\": [1, 2]}}')", "5;"},
		{"SELECT name FROM pragma_table_info('attrs')", "id;path;value;"},
		{"SELECT name FROM pragma_index_list('attrs')", "attrs_path;"},
		{"SELECT name FROM pragma_index_info('attrs_path')", "path;"},
		{"SELECT * FROM pragma_quick_check", "ok;"},
		{"PRAGMA table_info(attrs)", "0;1;2;"},
		{"PRAGMA quick_check", "ok;"},
		{"PRAGMA user_version", "0;"},
		{"SELECT count(*) > 0 FROM pragma_function_list", "1;"},
		{"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) "
		 "SELECT sum(x) FROM n",
			"6;"},
		{"SELECT json_extract('{\"a\": 7}', '$.a')", "7;"},
	};
	fixture *f = *state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *got = run(f->h, ok[i][0]);

		if (!got)
			fail_msg("refused: %s: %s", ok[i][0], sqlite3_errmsg(f->h));
		if (strcmp(got, ok[i][1]) != 0)
			fail_msg("%s: got [%s], expected [%s]", ok[i][0], got, ok[i][1]);
		free(got);
	}
}

static void test_index_guard__writes_and_escapes_refused(void **state)
{
	fixture *f = *state;
	char *before, *after, *out = NULL, *sql;
	size_t lb = 0, la = 0;
	static const char *const bad[] = {"DELETE FROM attrs", "UPDATE attrs SET value = 'x'",
		"INSERT INTO attrs VALUES('a', 'b', 'c')", "DROP TABLE attrs", "CREATE TABLE t(x)",
		"CREATE TEMP TABLE t(x)", "CREATE TEMP VIEW v AS SELECT 1",
		"CREATE TEMP TRIGGER tr AFTER INSERT ON attrs BEGIN SELECT 1; END",
		"CREATE INDEX i ON attrs(value)", "CREATE VIRTUAL TABLE temp.f USING fts5(x)",
		"ALTER TABLE attrs ADD COLUMN y", "REINDEX", "ANALYZE", "VACUUM",
		"PRAGMA user_version = 3", "PRAGMA journal_mode = WAL",
		"PRAGMA writable_schema = 1", "PRAGMA optimize", "PRAGMA wal_checkpoint",
		"PRAGMA temp_store_directory = '/tmp'", "SELECT * FROM pragma_optimize",
		"SELECT * FROM pragma_user_version(7)", "SELECT load_extension('/nonexistent/ext')",
		"SELECT fts3_tokenizer('simple', x'0000000000000000')",
		"UPDATE sqlite_master SET sql = 'x'", "BEGIN IMMEDIATE", NULL};

	before = tu_read_file(f->db, &lb);
	for (const char *const *s = bad; *s; s++) {
		char *got = run(f->h, *s);

		if (got)
			fail_msg("allowed: %s", *s);
	}
	/* VACUUM INTO and ATTACH would create files even on a read-only handle */
	sql = sqlite3_mprintf("VACUUM INTO '%q/copy.db'", f->dir);
	assert_null(run(f->h, sql));
	sqlite3_free(sql);
	sql = sqlite3_mprintf("ATTACH DATABASE '%q/evil.db' AS e", f->dir);
	assert_null(run(f->h, sql));
	sqlite3_free(sql);
	assert_int_equal(tu_sh(&out, "ls '%s'", f->dir), 0);
	assert_string_equal(out, "index.db\n");
	free(out);
	after = tu_read_file(f->db, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_index_guard__table_valued_reads_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index_guard__writes_and_escapes_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
