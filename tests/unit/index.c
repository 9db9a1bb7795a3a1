/*
 * The history index on hand-built git histories whose answers are stated here:
 * versions and attribute intervals, merges, incremental == full rebuild,
 * rewritten history, corrupt, foreign and newer-schema files, damage found by reads
 * and by the page check, read-only mode, WHEN.
 * Histories are made with the git CLI (fixed dates), so nothing is mocked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/index.h"

#include "util/alloc.h"
#include "index/index_int.h"
#include "testutil.h"

#define GIT "git -c user.name=tester -c user.email=t@example.invalid -c init.defaultBranch=main"

typedef struct {
	char *dir; /* temp dir */
	char *repo; /* dir/r */
	char *db; /* dir/index.db */
	cmdb_repo *r;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_tempdir("index");
	if (asprintf(&f->repo, "%s/r", f->dir) < 0 || asprintf(&f->db, "%s/index.db", f->dir) < 0)
		abort();
	assert_int_equal(tu_sh(NULL, GIT " init -q '%s' && mkdir -p '%s/host' '%s/group'", f->repo,
				 f->repo, f->repo),
		0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	cmdb_repo_free(f->r);
	tu_rmrf(f->dir);
	free(f->repo);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

static void put(fixture *f, const char *path, const char *content)
{
	char *full;

	if (asprintf(&full, "%s/%s", f->repo, path) < 0)
		abort();
	assert_int_equal(tu_sh(NULL, "mkdir -p \"$(dirname '%s')\"", full), 0);
	assert_int_equal(tu_write_file(full, content, strlen(content)), 0);
	free(full);
}

/* Commit everything with committer/author date day (2026-01-DD 10:00 UTC). */
static void commit(fixture *f, int day, const char *msg)
{
	assert_int_equal(
		tu_sh(NULL,
			"cd '%s' && " GIT " add -A && GIT_COMMITTER_DATE=2026-01-%02dT10:00:00Z "
			"GIT_AUTHOR_DATE=2026-01-%02dT10:00:00Z " GIT
			" commit -q --allow-empty -m '%s'",
			f->repo, day, day, msg),
		0);
}

static void host(fixture *f, const char *name, const char *openssl)
{
	char *path, *doc;

	if (asprintf(&path, "host/%s.yaml", name) < 0 ||
		asprintf(&doc,
			"type: host\nname: %s\nattributes:\n  packages:\n    openssl: {version: "
			"%s, arch: amd64}\n"
			"annotations:\n  owner: team-web\nrelations:\n  member_of: [group/web]\n",
			name, openssl) < 0)
		abort();
	put(f, path, doc);
	free(path);
	free(doc);
}

static cmdb_index *open_index(fixture *f, const char *db, unsigned flags)
{
	cmdb_index *idx = NULL;

	if (!f->r && cmdb_repo_open(&f->r, f->repo) < 0)
		fail_msg("repo open: %s", cmdb_error_last());
	if (cmdb_index_open(&idx, f->r, db, flags) < 0)
		fail_msg("index open: %s", cmdb_error_last());
	return idx;
}

/* The first column of the first row of sql (with %-args), as a new string ("" for NULL/none). */
static char *q(cmdb_index *idx, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql, *res;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(cmdb_index_db(idx)));
	res = strdup(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
			? (const char *)sqlite3_column_text(st, 0)
			: "");
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return res;
}

#define assert_q(idx, want, ...)                                                                   \
	do {                                                                                       \
		char *got_ = q(idx, __VA_ARGS__);                                                  \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* Every table's rows, sorted, as text: the equivalence fingerprint. */
static char *dump(cmdb_index *idx)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	for (const char *const *t = cmdb__index_tables; *t; t++) {
		char *sql = sqlite3_mprintf("SELECT * FROM %s ORDER BY 1, 2, 3, 4, 5", *t);
		sqlite3_stmt *st = NULL;

		if (strcmp(*t, "trailers") == 0 || strcmp(*t, "items") == 0) {
			sqlite3_free(sql);
			sql = sqlite3_mprintf("SELECT * FROM %s ORDER BY 1, 2", *t);
		}
		if (strcmp(*t, "drift_matches") == 0) {
			sqlite3_free(sql);
			sql = sqlite3_mprintf("SELECT * FROM %s ORDER BY 1, 2, 3, 4", *t);
		}
		assert_int_equal(
			sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL), SQLITE_OK);
		fprintf(m, "== %s\n", *t);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++)
				fprintf(m, "%s|",
					sqlite3_column_text(st, i)
						? (const char *)sqlite3_column_text(st, i)
						: "<null>");
			fputc('\n', m);
		}
		sqlite3_finalize(st);
		sqlite3_free(sql);
	}
	fclose(m);
	return out;
}

/* Commit 1 sets openssl 3.0.11, 2 adds db01, 3 upgrades (Change trailer), 4 deletes db01. */
static void story(fixture *f)
{
	host(f, "web01", "3.0.11");
	commit(f, 1, "scan: 1 host\n\nScan-Id: S1");
	host(f, "db01", "1.1.1");
	commit(f, 2, "scan: 2 hosts");
	host(f, "web01", "3.0.13");
	commit(f, 3, "upgrade openssl\n\nChange: CHG-0042\nChange: CHG-0043");
	assert_int_equal(tu_sh(NULL, "cd '%s' && " GIT " rm -q host/db01.yaml", f->repo), 0);
	commit(f, 4, "retire db01");
}

static void test_index__story_versions_and_intervals(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	int added = -1;

	story(f);
	idx = open_index(f, f->db, 0);
	assert_int_equal(cmdb_index_refresh(idx, &added), 0);
	assert_int_equal(added, 4);
	assert_int_equal(cmdb_index_head_seq(idx), 4);
	/* openssl: 3.0.11 valid [1,3), 3.0.13 from 3 on */
	assert_q(idx, "3.0.11|1|3",
		"SELECT value||'|'||from_seq||'|'||to_seq FROM attrs WHERE id='host/web01'"
		" AND path='attributes.packages.openssl.version' AND from_seq=1");
	assert_q(idx, "3.0.13|3|",
		"SELECT value||'|'||from_seq||'|'||ifnull(to_seq,'') FROM attrs"
		" WHERE id='host/web01' AND path='attributes.packages.openssl.version' AND "
		"from_seq=3");
	/* unchanged attributes keep their interval across the upgrade */
	assert_q(idx, "1|",
		"SELECT from_seq||'|'||ifnull(to_seq,'') FROM attrs WHERE id='host/web01' AND "
		"path='annotations.owner'");
	assert_q(idx, "2", "SELECT count(*) FROM item_versions WHERE id='host/web01'");
	/* db01 lives [2,4): absent at head, present at 3 */
	assert_q(
		idx, "2|4", "SELECT from_seq||'|'||to_seq FROM item_versions WHERE id='host/db01'");
	assert_q(idx, "0", "SELECT count(*) FROM attrs WHERE id='host/db01' AND to_seq IS NULL");
	assert_q(idx, "0",
		"SELECT count(*) FROM relations WHERE src='host/db01' AND to_seq IS NULL");
	assert_q(idx, "group/web|1|",
		"SELECT dst||'|'||from_seq||'|'||ifnull(to_seq,'') FROM relations WHERE "
		"src='host/web01' AND type='member_of'");
	/* commits: trailers, scan id, change id, mainline */
	assert_q(idx, "S1", "SELECT scan_id FROM commits WHERE seq=1");
	assert_q(idx, "CHG-0042", "SELECT change_id FROM commits WHERE seq=3");
	assert_q(idx, "CHG-0042,CHG-0043",
		"SELECT group_concat(value) FROM (SELECT value FROM trailers WHERE seq=3 AND "
		"key='Change' ORDER BY value)");
	assert_q(idx, "upgrade openssl", "SELECT summary FROM commits WHERE seq=3");
	assert_q(idx, "tester|t@example.invalid|1",
		"SELECT author||'|'||email||'|'||mainline FROM commits WHERE seq=2");
	assert_q(idx, "host", "SELECT type FROM items WHERE id='host/db01'");
	assert_q(idx, "3.0.13",
		"SELECT json_extract(doc, '$.attributes.packages.openssl.version') FROM "
		"item_versions WHERE id='host/web01' AND to_seq IS NULL");
	/* a second refresh adds nothing */
	assert_int_equal(cmdb_index_refresh(idx, &added), 0);
	assert_int_equal(added, 0);
	cmdb_index_free(idx);
}

static void test_index__resolve_when(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	long long seq = -1;

	story(f);
	assert_int_equal(
		tu_sh(NULL, "cd '%s' && " GIT " tag -a 2026-Q1 -m baseline HEAD~2", f->repo), 0);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-01-02T12:00:00Z"), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-01-03"),
		0); /* start of day: before commit 3 */
	assert_int_equal(seq, 2);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-01-03T10:00:00Z"), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(
		cmdb_index_resolve_when(&seq, idx, "2026-01-03T11:30+01:00"), 0); /* 10:30Z */
	assert_int_equal(seq, 3);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "main~1"), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-Q1"), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "1.days.ago"), 0);
	assert_int_equal(seq, 4);
	seq = -1;
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2025-12-31"), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "2026-01-01T10:00:00Z"));
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-02-30"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "malformed date '2026-02-30'"));
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "no-such-tag"), CMDB_EINVALID);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, ""), CMDB_EINVALID);
	assert_int_equal(seq, -1); /* out-param untouched on failure */
	/* a commit that is not on main */
	assert_int_equal(tu_sh(NULL,
				 "cd '%s' && " GIT " checkout -q -b side && " GIT
				 " commit -q --allow-empty -m side && " GIT " checkout -q main",
				 f->repo),
		0);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "side"), CMDB_ENOTFOUND);
	cmdb_index_free(idx);
}

static void test_index__unknown_id_did_you_mean(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(cmdb_index_check_id(idx, "host/db01"), 0); /* deleted, but it existed */
	assert_int_equal(cmdb_index_check_id(idx, "host/web1"), CMDB_ENOTFOUND);
	assert_non_null(strstr(cmdb_error_last(), "did you mean host/web01"));
	assert_int_equal(cmdb_index_check_id(idx, "service/zzzzzzzzzzzzzzzzzzzzz"), CMDB_ENOTFOUND);
	assert_null(strstr(cmdb_error_last(), "did you mean"));
	cmdb_index_free(idx);
}

/* main: 1 web01; side branch: 2 db01, 3 db01 upgrade; main: 4 app; 5 merge side (--no-ff). */
static void merge_story(fixture *f)
{
	host(f, "web01", "3.0.11");
	commit(f, 1, "one");
	assert_int_equal(tu_sh(NULL, "cd '%s' && " GIT " checkout -q -b side", f->repo), 0);
	host(f, "db01", "1.0");
	commit(f, 2, "side two");
	host(f, "db01", "1.1");
	commit(f, 3, "side three");
	assert_int_equal(tu_sh(NULL, "cd '%s' && " GIT " checkout -q main", f->repo), 0);
	put(f, "group/web.yaml", "type: group\nname: web\n");
	commit(f, 4, "four");
	assert_int_equal(tu_sh(NULL,
				 "cd '%s' && GIT_COMMITTER_DATE=2026-01-05T10:00:00Z " GIT
				 " merge -q --no-ff -m 'merge side' side",
				 f->repo),
		0);
}

static void test_index__merge_side_commits(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;

	merge_story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	/* seqs: 1 one, 2 four, 3 side two, 4 side three (mainline 0), 5 merge */
	assert_q(idx, "one:1,four:1,side two:0,side three:0,merge side:1",
		"SELECT group_concat(summary||':'||mainline) FROM (SELECT * FROM commits ORDER BY "
		"seq)");
	/* the merge is where db01 enters main, in its final state */
	assert_q(idx, "5|1.1",
		"SELECT from_seq||'|'||json_extract(doc,'$.attributes.packages.openssl.version')"
		" FROM item_versions WHERE id='host/db01'");
	assert_q(idx, "1", "SELECT count(*) FROM item_versions WHERE id='host/db01'");
	cmdb_index_free(idx);
}

/* Index after every step of a history with merges; compare with one full rebuild. */
static void test_index__incremental_equals_full(void **state)
{
	fixture *f = *state;
	cmdb_index *inc, *full;
	char *a, *b, name[32], ver[32];
	int day = 1;

	inc = open_index(f, f->db, 0);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "web%02d", i % 4);
		snprintf(ver, sizeof(ver), "3.0.%d", i);
		host(f, name, ver);
		if (i == 5)
			assert_int_equal(
				tu_sh(NULL, "cd '%s' && " GIT " rm -q host/web00.yaml", f->repo),
				0);
		commit(f, day++, "step");
		if (i % 4 == 3) { /* a side branch with two commits, merged */
			assert_int_equal(
				tu_sh(NULL, "cd '%s' && " GIT " checkout -q -b b%d", f->repo, i),
				0);
			host(f, "side", ver);
			commit(f, day++, "side a");
			put(f, "group/web.yaml",
				i % 8 == 3 ? "type: group\nname: web\n"
					   : "type: group\nname: web2\n");
			commit(f, day++, "side b\n\nChange: CHG-1");
			assert_int_equal(tu_sh(NULL,
						 "cd '%s' && " GIT " checkout -q main && " GIT
						 " merge -q --no-ff -m merged b%d",
						 f->repo, i),
				0);
		}
		assert_int_equal(cmdb_index_refresh(inc, NULL), 0);
	}
	full = open_index(f, NULL, 0); /* the default path: <gitdir>/gitcmdb/index.db */
	assert_int_equal(cmdb_index_rebuild(full), 0);
	a = dump(inc);
	b = dump(full);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "side b"));
	/* web00: created, modified, deleted (step 5), created again (step 8) */
	assert_q(full, "3|1",
		"SELECT count(*)||'|'||count(*) FILTER (WHERE to_seq IS NULL) FROM item_versions"
		" WHERE id='host/web00'");
	free(a);
	free(b);
	cmdb_index_free(inc);
	cmdb_index_free(full);
}

static void test_index__rewritten_history_rebuilds(void **state)
{
	fixture *f = *state;
	cmdb_index *idx, *full;
	char *a, *b;
	int added = 0;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(tu_sh(NULL, "cd '%s' && " GIT " reset -q --hard HEAD~2", f->repo), 0);
	host(f, "web01", "9.9.9");
	commit(f, 9, "rewritten");
	assert_int_equal(cmdb_index_refresh(idx, &added), 0);
	assert_int_equal(added, 3);
	assert_q(idx, "3", "SELECT count(*) FROM commits");
	assert_q(idx, "9.9.9",
		"SELECT value FROM attrs WHERE id='host/web01' AND"
		" path='attributes.packages.openssl.version' AND to_seq IS NULL");
	assert_q(idx, "2|",
		"SELECT from_seq||'|'||ifnull(to_seq,'') FROM item_versions WHERE id='host/db01'");
	full = open_index(f, NULL, 0);
	assert_int_equal(cmdb_index_rebuild(full), 0);
	a = dump(idx);
	b = dump(full);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cmdb_index_free(full);
	cmdb_index_free(idx);
}

/* At the default path (gitcmdb's own) a file that is not a database is moved aside and
 * rebuilt; a file the caller named is not known to be an index: refused, untouched. */
static void test_index__corrupt_file_moved_aside(void **state)
{
	fixture *f = *state;
	cmdb_index *idx = NULL;
	char *out = NULL, *def = NULL;

	story(f);
	if (asprintf(&def, "%s/.git/gitcmdb/index.db", f->repo) < 0)
		abort();
	assert_int_equal(tu_sh(NULL, "mkdir -p '%s/.git/gitcmdb'", f->repo), 0);
	assert_int_equal(tu_write_file(def, "this is not a database, just text\n", 34), 0);
	idx = open_index(f, NULL, CMDB_INDEX_REFRESH);
	assert_non_null(cmdb_index_warning(idx));
	assert_non_null(strstr(cmdb_index_warning(idx), "corrupt-"));
	assert_int_equal(cmdb_index_head_seq(idx), 4);
	assert_int_equal(tu_sh(&out, "cat '%s'.corrupt-*", def), 0);
	assert_string_equal(out, "this is not a database, just text\n");
	free(out);
	cmdb_index_free(idx);
	/* the repaired index opens cleanly again */
	idx = open_index(f, NULL, 0);
	assert_null(cmdb_index_warning(idx));
	cmdb_index_free(idx);
	idx = NULL;
	/* a named file that is not a database is nobody's to rename */
	assert_int_equal(tu_write_file(f->db, "this is not a database, just text\n", 34), 0);
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH), CMDB_EINVALID);
	assert_null(idx);
	assert_non_null(strstr(cmdb_error_last(), "left untouched"));
	assert_int_equal(tu_sh(&out, "cat '%s'; ls '%s'", f->db, f->dir), 0);
	assert_string_equal(out, "this is not a database, just text\nindex.db\nr\n");
	free(out);
	free(def);
}

/* Overwrite the root page of attrs in f->db with random bytes (the index closed). */
static void damage_attrs(fixture *f)
{
	assert_int_equal(tu_damage_table_root(f->db, "attrs"), 0);
}

static void test_index__damaged_pages_moved_aside(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	char *a, *b;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	a = dump(idx);
	assert_int_equal(
		sqlite3_exec(cmdb_index_db(idx), "PRAGMA journal_mode=DELETE", NULL, NULL, NULL),
		SQLITE_OK);
	cmdb_index_free(idx);
	/* the header, schema and meta stay readable; the attrs table's root page is garbage,
	 * which only the next update (here: a full one, last_commit forgotten) runs into */
	assert_int_equal(
		tu_sh(NULL, "sqlite3 '%s' \"DELETE FROM meta WHERE key='last_commit'\"", f->db), 0);
	damage_attrs(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_non_null(cmdb_index_warning(idx));
	b = dump(idx);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cmdb_index_free(idx);
}

/*
 * issue 7 item 11: damage that the update never reads (main already indexed) went
 * unnoticed ("indexed 0 commits") while every query failed. A read reports it
 * (cmdb_index_damaged), cmdb_index_check finds it with quick_check, and both repair.
 */
static void test_index__damage_off_the_update_path(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	sqlite3_stmt *st = NULL;
	char *a, *b;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	a = dump(idx);
	cmdb_index_free(idx);
	damage_attrs(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_null(cmdb_index_warning(idx)); /* the update had nothing to read */
	assert_int_equal(cmdb_index_damaged(idx), 0);
	assert_int_equal(sqlite3_prepare_v2(cmdb_index_db(idx),
				 "SELECT count(*), group_concat(vtype) FROM attrs", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st) & 0xff, SQLITE_CORRUPT);
	sqlite3_finalize(st);
	assert_int_equal(cmdb_index_damaged(idx), 1);
	assert_int_equal(cmdb_index_repair(idx), 0);
	assert_non_null(strstr(cmdb_index_warning(idx), "was damaged; moved it to"));
	b = dump(idx);
	assert_string_equal(a, b);
	free(b);
	cmdb_index_free(idx);
	/* the same damage found by the whole-file check of `gitcmdb index` */
	damage_attrs(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_null(cmdb_index_warning(idx));
	assert_int_equal(cmdb_index_check(idx), 0);
	assert_non_null(cmdb_index_warning(idx));
	b = dump(idx);
	assert_string_equal(a, b);
	free(b);
	/* a sound index: the check changes nothing and says nothing */
	cmdb_index_free(idx);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(cmdb_index_check(idx), 0);
	assert_null(cmdb_index_warning(idx));
	cmdb_index_free(idx);
	free(a);
}

/* issue 8: another application's database is refused, byte-identical, nothing beside it;
 * an index written before the application_id is stamped in place, not rebuilt. */
static void test_index__application_id(void **state)
{
	fixture *f = *state;
	cmdb_index *idx = NULL;
	sqlite3 *w = NULL;
	char *before, *after, *out = NULL;
	size_t lb = 0, la = 0;
	int added = -1;

	story(f);
	assert_int_equal(sqlite3_open(f->db, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w,
				 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
				 "INSERT INTO meta VALUES('schema_version', '1');"
				 "CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT);"
				 "INSERT INTO accounts(owner) VALUES('ada');",
				 NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(w);
	before = tu_read_file(f->db, &lb);
	assert_int_equal(cmdb_repo_open(&f->r, f->repo), 0);
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "not a gitcmdb index"));
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_READONLY), CMDB_EINVALID);
	assert_int_equal(
		cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH | CMDB_INDEX_REBUILD),
		CMDB_EINVALID);
	after = tu_read_file(f->db, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	assert_int_equal(tu_sh(&out, "ls '%s'", f->dir), 0);
	assert_string_equal(out, "index.db\nr\n");
	free(out);
	assert_int_equal(unlink(f->db), 0);
	/* ours: stamped; then unstamped (as an older gitcmdb wrote it) and stamped again */
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_q(idx, "1734567010", "PRAGMA application_id");
	assert_int_equal(sqlite3_exec(cmdb_index_db(idx),
				 "PRAGMA application_id = 0; PRAGMA wal_checkpoint(TRUNCATE)", NULL,
				 NULL, NULL),
		SQLITE_OK);
	cmdb_index_free(idx);
	idx = open_index(f, f->db, 0);
	assert_q(idx, "1734567010", "PRAGMA application_id");
	assert_int_equal(cmdb_index_refresh(idx, &added), 0);
	assert_int_equal(added, 0); /* kept, not rebuilt */
	assert_int_equal(cmdb_index_head_seq(idx), 4);
	cmdb_index_free(idx);
}

static void test_index__newer_schema_refused_untouched(void **state)
{
	fixture *f = *state;
	cmdb_index *idx = NULL;
	char *before, *after;
	size_t lb = 0, la = 0;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(sqlite3_exec(cmdb_index_db(idx),
				 "PRAGMA journal_mode=DELETE; UPDATE meta SET value='99' WHERE "
				 "key='schema_version'",
				 NULL, NULL, NULL),
		SQLITE_OK);
	cmdb_index_free(idx);
	idx = NULL;
	/* the writer keeps its WAL files (PERSIST_WAL): none may appear from here on */
	assert_int_equal(tu_sh(NULL, "rm -f '%s-wal' '%s-shm'", f->db, f->db), 0);
	before = tu_read_file(f->db, &lb);
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH), CMDB_EINVALID);
	assert_null(idx);
	assert_non_null(strstr(cmdb_error_last(), "newer"));
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_READONLY), CMDB_EINVALID);
	after = tu_read_file(f->db, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	before = NULL;
	if (asprintf(&before, "%s-wal", f->db) < 0)
		abort();
	assert_int_equal(access(before, F_OK), -1);
	free(before);
	free(after);
}

/* An index from an older schema (version 1: attrs was a rowid table with an extra
 * index) is dropped and rebuilt on open, not refused; the result equals a fresh build. */
static void test_index__older_schema_rebuilt(void **state)
{
	fixture *f = *state;
	cmdb_index *idx, *fresh;
	char *a, *b;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(
		sqlite3_exec(cmdb_index_db(idx),
			"DROP TABLE attrs; CREATE TABLE attrs(id TEXT NOT NULL, path TEXT NOT NULL,"
			" value TEXT, vtype TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq "
			"INTEGER);"
			" CREATE INDEX attrs_id_path ON attrs(id, path, from_seq);"
			" INSERT INTO attrs VALUES('host/old', 'x', 'y', 'string', 1, NULL);"
			" UPDATE meta SET value='1' WHERE key='schema_version'",
			NULL, NULL, NULL),
		SQLITE_OK);
	cmdb_index_free(idx);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH | CMDB_INDEX_READONLY);
	assert_q(idx, "3", "SELECT value FROM meta WHERE key='schema_version'");
	assert_q(idx, "0", "SELECT count(*) FROM sqlite_master WHERE name='attrs_id_path'");
	assert_q(idx, "1",
		"SELECT count(*) FROM sqlite_master WHERE name='attrs' AND sql LIKE '%%WITHOUT "
		"ROWID%%'");
	assert_q(idx, "0", "SELECT count(*) FROM attrs WHERE id='host/old'");
	fresh = open_index(f, NULL, CMDB_INDEX_REFRESH);
	a = dump(idx);
	b = dump(fresh);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "attributes.packages.openssl.version"));
	free(a);
	free(b);
	cmdb_index_free(fresh);
	cmdb_index_free(idx);
}

static void test_index__readonly_denies_writes(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	sqlite3_stmt *st = NULL;
	static const char *const bad[] = {"DELETE FROM attrs", "INSERT INTO items VALUES('x','y')",
		"CREATE TABLE t(x)", "CREATE TEMP TABLE t(x)", "ATTACH DATABASE '/tmp/x.db' AS x",
		"PRAGMA journal_mode=DELETE", "DROP TABLE attrs", "UPDATE meta SET value='2'",
		NULL};

	story(f);
	cmdb_index_free(open_index(f, f->db, CMDB_INDEX_REFRESH));
	idx = open_index(f, f->db, CMDB_INDEX_READONLY);
	for (const char *const *s = bad; *s; s++) {
		assert_int_not_equal(
			sqlite3_prepare_v2(cmdb_index_db(idx), *s, -1, &st, NULL), SQLITE_OK);
		sqlite3_finalize(st);
		st = NULL;
	}
	assert_q(idx, "4", "SELECT count(*) FROM commits");
	assert_q(idx, "wal", "PRAGMA journal_mode");
	assert_int_equal(cmdb_index_refresh(idx, NULL), CMDB_EINVALID);
	cmdb_index_free(idx);
	/* READONLY without an index file is a clear error, and creates nothing */
	assert_int_equal(unlink(f->db), 0);
	assert_int_equal(cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_READONLY), CMDB_ENOTFOUND);
	assert_int_equal(access(f->db, F_OK), -1);
}

static void test_index__bad_blob_recorded_not_fatal(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;

	host(f, "web01", "3.0.11");
	put(f, "host/broken.yaml", "type: host\nname: [unclosed\n");
	put(f, "file/web01/etc/x.yaml", "not: an item\n");
	put(f, "inventory.yaml", "hosts: {}\n");
	commit(f, 1, "one");
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_q(idx, "host/broken,host/web01",
		"SELECT group_concat(id) FROM (SELECT id FROM items ORDER BY id)");
	assert_q(idx, "1",
		"SELECT doc IS NULL AND error LIKE '%%host/broken.yaml%%' FROM item_versions WHERE "
		"id='host/broken'");
	assert_q(idx, "0", "SELECT count(*) FROM attrs WHERE id='host/broken'");
	cmdb_index_free(idx);
}

/* Whole subtrees appearing and going, a blob turning into a tree, skipped dot-dirs. */
static void test_index__tree_changes(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;

	put(f, "service/web01/nginx.yaml", "type: service\nname: nginx\n");
	put(f, "service/web01/sshd.yaml", "type: service\nname: sshd\n");
	put(f, "service/db01.yaml", "type: service\nname: db01\n");
	put(f, ".hidden/x.yaml", "type: x\n");
	commit(f, 1, "one");
	assert_int_equal(
		tu_sh(NULL, "cd '%s' && " GIT " rm -q -r service/web01 service/db01.yaml", f->repo),
		0);
	put(f, "service/db01/postgresql.yaml", "type: service\nname: postgresql\n");
	commit(f, 2, "two");
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_q(idx,
		"service/db01:1-2,service/db01/postgresql:2-,service/web01/nginx:1-2,service/web01/"
		"sshd:1-2",
		"SELECT group_concat(x) FROM (SELECT id||':'||from_seq||'-'||ifnull(to_seq,'') AS x"
		" FROM item_versions ORDER BY id)");
	cmdb_index_free(idx);
}

/* Fail the Nth allocation of an open + build, for every N: each failure is a clean
 * error, and what is left on disk is either nothing or the previous complete state. */
static void test_index__allocation_failures(void **state)
{
	fixture *f = *state;
	cmdb_index *idx = NULL, *ref;
	char *want, *got;
	int rc = -1, failures = 0;

	story(f);
	ref = open_index(f, NULL, CMDB_INDEX_REFRESH);
	want = dump(ref);
	cmdb_index_free(ref);
	for (long n = 1; rc != 0 && n < 5000; n++) {
		cmdb__alloc_fail_at(n);
		rc = cmdb_index_open(&idx, f->r, f->db, CMDB_INDEX_REFRESH);
		cmdb__alloc_fail_at(0);
		if (rc < 0) {
			assert_null(idx);
			assert_true(cmdb_error_last_code() < 0);
			failures++;
			continue;
		}
		cmdb_index_free(idx);
	}
	assert_int_equal(rc, 0);
	assert_true(failures > 5);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	got = dump(idx);
	assert_string_equal(got, want);
	free(got);
	free(want);
	cmdb_index_free(idx);
}

static void test_index__flatten_rows(void **state)
{
	json_t *doc = json_loads("{\"type\":\"host\",\"attributes\":{\"n\":3,\"r\":1.5,\"b\":true,"
				 "\"z\":null,\"l\":[\"a\",\"b\"],\"lo\":[{\"k\":\"v\"}],\"e\":{}},"
				 "\"relations\":{\"runs_on\":[\"host/b\",\"host/a\",\"host/"
				 "a\"],\"x\":\"host/c\",\"bad\":[1]}}",
		0, NULL);
	json_t *rows = NULL, *rels = NULL;
	char *s;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(cmdb__flatten(&rows, doc), 0);
	s = json_dumps(rows, JSON_COMPACT);
	assert_string_equal(s,
		"[[\"attributes.b\",\"true\",\"bool\"],[\"attributes.l\",\"[\\\"a\\\",\\\"b\\\"]\","
		"\"list\"],"
		"[\"attributes.lo\",\"[{\\\"k\\\":\\\"v\\\"}]\",\"list\"],[\"attributes.lo.0.k\","
		"\"v\",\"string\"],"
		"[\"attributes.n\",\"3\",\"int\"],[\"attributes.r\",\"1.5\",\"real\"],["
		"\"attributes.z\",null,\"null\"],"
		"[\"type\",\"host\",\"string\"]]");
	free(s);
	assert_int_equal(cmdb__flatten_relations(&rels, doc), 0);
	s = json_dumps(rels, JSON_COMPACT);
	assert_string_equal(
		s, "[[\"runs_on\",\"host/a\"],[\"runs_on\",\"host/b\"],[\"x\",\"host/c\"]]");
	free(s);
	json_decref(rows);
	json_decref(rels);
	json_decref(doc);
}

static void test_index__empty_repo_and_deleted_index(void **state)
{
	fixture *f = *state;
	cmdb_index *idx;
	long long seq;
	int added = -1;

	idx = open_index(f, f->db, CMDB_INDEX_REFRESH); /* no main yet */
	assert_int_equal(cmdb_index_head_seq(idx), 0);
	assert_int_equal(cmdb_index_resolve_when(&seq, idx, "2026-01-01"), CMDB_ENOTFOUND);
	cmdb_index_free(idx);
	story(f);
	idx = open_index(f, f->db, 0);
	assert_int_equal(cmdb_index_refresh(idx, &added), 0);
	assert_int_equal(added, 4);
	cmdb_index_free(idx);
	assert_int_equal(tu_sh(NULL, "rm -f '%s' '%s-wal' '%s-shm'", f->db, f->db, f->db), 0);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH);
	assert_int_equal(cmdb_index_head_seq(idx), 4);
	cmdb_index_free(idx);
}

/*
 * A full build drops the indexes only queries use and re-creates them at the end
 * (one sort each instead of random inserts): afterwards every index of the schema
 * must be back, and the WAL the big transaction
 * filled must be truncated rather than left at its peak size.
 */
static void test_index__full_build_restores_indexes_truncates_wal(void **state)
{
	fixture *f = *state;
	static const char idx_sql[] =
		"SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
		" WHERE type = 'index' AND name NOT LIKE 'sqlite_%%' ORDER BY name)";
	static const char want[] = "attrs_path_value,commits_time,drift_matches_drift,drifts_seq,"
				   "drifts_time,item_versions_to,relations_dst,relations_src,"
				   "trailers_kv,trailers_seq";
	cmdb_index *idx;
	char *wal = NULL;
	struct stat st;

	story(f);
	idx = open_index(f, f->db, CMDB_INDEX_REFRESH); /* empty database: a full build */
	assert_q(idx, want, idx_sql);
	assert_q(idx, "4", "SELECT count(*) FROM commits");
	assert_int_equal(asprintf(&wal, "%s-wal", f->db) < 0, 0);
	assert_int_equal(stat(wal, &st), 0); /* the handle is still open: the file exists */
	assert_int_equal(st.st_size, 0);
	assert_int_equal(cmdb_index_rebuild(idx), 0); /* over existing rows, indexes present */
	assert_q(idx, want, idx_sql);
	assert_q(idx, "4", "SELECT count(*) FROM commits");
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_size, 0);
	free(wal);
	cmdb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index__flatten_rows),
		cmocka_unit_test_setup_teardown(
			test_index__story_versions_and_intervals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__resolve_when, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__unknown_id_did_you_mean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__merge_side_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__tree_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__allocation_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__incremental_equals_full, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__rewritten_history_rebuilds, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__corrupt_file_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__damaged_pages_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__newer_schema_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__older_schema_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__damage_off_the_update_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index__application_id, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__readonly_denies_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__bad_blob_recorded_not_fatal, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__empty_repo_and_deleted_index, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_index__full_build_restores_indexes_truncates_wal, setup, teardown),
	};

	if (cmdb_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
