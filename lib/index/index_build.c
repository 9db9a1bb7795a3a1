/*
 * Building the index: walk main's first-parent line from the last indexed commit,
 * record every new commit (a merge's side commits first, mainline = 0), and for
 * each mainline commit apply its tree diff against its first parent: only
 * subtrees and blobs whose ids changed are read (index_tree.c).
 * Everything happens in one BEGIN IMMEDIATE transaction, so a reader or a killed
 * process only ever sees the previous complete state.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift.h"

static const char *const stmt_sql[S_N] = {
	("INSERT INTO commits(seq, oid, time, tz_offset, author, email, summary, message, scan_id,"
	 " change_id, mainline) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
	"INSERT INTO trailers(seq, key, value) VALUES(?1, ?2, ?3)",
	"SELECT 1 FROM commits WHERE oid = ?1",
	"INSERT OR IGNORE INTO items(id, type) VALUES(?1, ?2)",
	"UPDATE item_versions SET to_seq = ?2 WHERE id = ?1 AND to_seq IS NULL",
	"INSERT INTO item_versions(id, from_seq, blob, doc, error) VALUES(?1, ?2, ?3, ?4, ?5)",
	"SELECT path, value, vtype FROM attrs WHERE id = ?1 AND to_seq IS NULL ORDER BY path",
	"UPDATE attrs SET to_seq = ?3 WHERE id = ?1 AND path = ?2 AND to_seq IS NULL",
	"INSERT INTO attrs(id, path, value, vtype, from_seq) VALUES(?1, ?2, ?3, ?4, ?5)",
	"UPDATE attrs SET to_seq = ?2 WHERE id = ?1 AND to_seq IS NULL",
	"SELECT type, dst FROM relations WHERE src = ?1 AND to_seq IS NULL ORDER BY type, dst",
	"UPDATE relations SET to_seq = ?4 WHERE src = ?1 AND type = ?2 AND dst = ?3 AND to_seq IS "
	"NULL",
	"INSERT INTO relations(src, type, dst, from_seq) VALUES(?1, ?2, ?3, ?4)",
	"UPDATE relations SET to_seq = ?2 WHERE src = ?1 AND to_seq IS NULL",
	"SELECT coalesce(max(seq), 0) FROM commits",
};

#define BIG_RUN 16 /* commits added after which the WAL is worth truncating */

static int run_va(build *b, sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK, i = 1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (const char *f = fmt; *f; f++, i++) {
		/* STATIC: the strings outlive the step below, and every run rebinds */
		rc = *f == 's'
			? sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC)
			: sqlite3_bind_int64(st, i, va_arg(ap, long long));
		if (rc != SQLITE_OK)
			break;
	}
	if (rc != SQLITE_OK) /* a dropped binding would store NULL in its place */
		return cmdb__index_sqlerr(b->idx, "cannot update the index");
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cmdb__index_sqlerr(b->idx, "cannot update the index");
	return rc == SQLITE_ROW ? 1 : 0;
}

/* Reset st, bind text/int parameters described by fmt ('s' text or NULL, 'i' int64), step once. */
int cmdb__index_run(build *b, int which, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_va(b, b->st[which], fmt, ap);
	va_end(ap);
	return rc;
}

int cmdb__index_run_stmt(build *b, sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_va(b, st, fmt, ap);
	va_end(ap);
	return rc;
}

static int insert_trailers(build *b, long long seq, const char *message, const char **scan,
	const char **change, git_message_trailer_array *arr)
{
	int error = 0;
	int gerr =
		git_message_trailers(arr, message); /* no trailer block is count 0, not an error */

	if (gerr < 0)
		return cmdb__error_git(CMDB_ERROR, gerr, "cannot parse commit trailers");
	for (size_t i = 0; i < arr->count && !error; i++) {
		const git_message_trailer *t = &arr->trailers[i];

		if (!*scan && strcasecmp(t->key, "Scan-Id") == 0)
			*scan = t->value;
		if (!*change && strcasecmp(t->key, "Change") == 0)
			*change = t->value;
		error = cmdb__index_run(b, S_TRAILER, "iss", seq, t->key, t->value);
	}
	return error < 0 ? error : 0;
}

static int insert_commit(build *b, const git_commit *c, int mainline, long long *seq_out)
{
	git_message_trailer_array arr;
	const git_signature *author = git_commit_author(c);
	const char *msg = git_commit_message(c), *scan = NULL, *change = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	long long seq = b->next_seq;
	int error;

	memset(&arr, 0, sizeof(arr));
	cmdb__index_oid_hex(hex, git_commit_id(c));
	if ((error = insert_trailers(b, seq, msg ? msg : "", &scan, &change, &arr)) < 0)
		goto done;
	error = cmdb__index_run(b, S_COMMIT, "isiissssssi", seq, hex, (long long)git_commit_time(c),
		(long long)git_commit_time_offset(c), author ? author->name : NULL,
		author ? author->email : NULL, git_commit_summary((git_commit *)c), msg, scan,
		change, (long long)mainline);
	if (error < 0)
		goto done;
	b->next_seq++;
	b->added++;
	*seq_out = seq;
done:
	git_message_trailer_array_free(&arr);
	return error < 0 ? error : 0;
}

typedef struct {
	build *b;
	long long seq;
} change_ctx;

static int apply_change(const char *path, const git_oid *blob, void *payload)
{
	change_ctx *cx = payload;
	char *id = NULL, *type = NULL;
	int error;

	if (!strcmp(path, "gitcmdb.yaml"))
		cmdb__drift_settings_changed(cx->b);
	if ((error = cmdb__index_item_id(&id, &type, path)) <= 0)
		goto done;
	if (!blob)
		error = cmdb__index_close_item(cx->b, id, type, cx->seq);
	else
		error = cmdb__index_put_item(cx->b, id, type, path, blob, cx->seq);
done:
	free(id);
	free(type);
	return error < 0 ? error : 0;
}

/* The item changes of mainline commit c: its tree against its first parent's (or nothing). */
static int apply_commit_diff(build *b, const git_commit *c, long long seq)
{
	git_commit *parent = NULL;
	git_tree *old_tree = NULL, *new_tree = NULL;
	change_ctx cx = {b, seq};
	int error = 0, gerr = 0;

	if ((git_commit_parentcount(c) > 0 && (gerr = git_commit_parent(&parent, c, 0)) < 0) ||
		(parent && (gerr = git_commit_tree(&old_tree, parent)) < 0) ||
		(gerr = git_commit_tree(&new_tree, c)) < 0) {
		error = cmdb__error_git(CMDB_ERROR, gerr, "cannot read the trees of commit %.12s",
			git_oid_tostr_s(git_commit_id(c)));
		goto done;
	}
	error = cmdb__index_tree_diff(b->idx->git, old_tree, new_tree, apply_change, &cx);
done:
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(parent);
	return error;
}

/* Record the commits a merge brings in through its other parents, oldest first. */
static int insert_side_commits(build *b, const git_commit *merge)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	long long seq;
	int error = 0, gerr, known;

	if ((gerr = git_revwalk_new(&walk, b->idx->git)) < 0 ||
		(gerr = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE)) < 0)
		goto done;
	for (unsigned i = 1; i < git_commit_parentcount(merge) && gerr >= 0; i++)
		gerr = git_revwalk_push(walk, git_commit_parent_id(merge, i));
	if (gerr < 0 || (gerr = git_revwalk_hide(walk, git_commit_parent_id(merge, 0))) < 0)
		goto done;
	while (!error && (gerr = git_revwalk_next(&oid, walk)) == 0) {
		cmdb__index_oid_hex(hex, &oid);
		known = cmdb__index_run(b, S_HAS_COMMIT, "s", hex);
		sqlite3_reset(
			b->st[S_HAS_COMMIT]); /* no cursor left open on commits while inserting */
		if (known != 0) {
			error = known < 0 ? known : 0; /* already recorded, or a failure */
			continue;
		}
		if ((gerr = git_commit_lookup(&c, b->idx->git, &oid)) < 0)
			break;
		error = insert_commit(b, c, 0, &seq);
		git_commit_free(c);
		c = NULL;
	}
	if (gerr == GIT_ITEROVER)
		gerr = 0;
done:
	if (!error && gerr < 0)
		error = cmdb__error_git(CMDB_ERROR, gerr, "cannot walk the commits merged by %.12s",
			git_oid_tostr_s(git_commit_id(merge)));
	git_revwalk_free(walk);
	return error;
}

/*
 * main's first-parent line from its tip back to stop (exclusive) or the root, as
 * an array of oids newest first. *found says whether stop was met; NULL stop
 * walks to the root. An absent main gives an empty line.
 */
static int first_parent_line(
	git_oid **out, size_t *count, int *found, build *b, const git_oid *stop)
{
	git_oid *line = NULL, cur;
	git_commit *c = NULL;
	size_t n = 0, alloc = 0;
	int error = 0, gerr;

	*found = 0;
	if ((gerr = git_reference_name_to_id(&cur, b->idx->git, CMDB_MAIN_REF)) == GIT_ENOTFOUND)
		goto out;
	if (gerr < 0) {
		error = cmdb__error_git(CMDB_ERROR, gerr, "cannot resolve %s", CMDB_MAIN_REF);
		goto done;
	}
	for (;;) {
		if (stop && git_oid_equal(&cur, stop)) {
			*found = 1;
			break;
		}
		if (n == alloc) {
			git_oid *grown = cmdb__realloc(
				line, (alloc = alloc ? alloc * 2 : 64) * sizeof(*line));

			if (!grown) {
				error = cmdb__error(CMDB_ERROR, "out of memory");
				goto done;
			}
			line = grown;
		}
		line[n++] = cur;
		if ((gerr = git_commit_lookup(&c, b->idx->git, &cur)) < 0) {
			error = cmdb__error_git(
				CMDB_ERROR, gerr, "cannot read commit %s", git_oid_tostr_s(&cur));
			goto done;
		}
		if (git_commit_parentcount(c) == 0)
			break;
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
		c = NULL;
	}
out:
	*out = line;
	*count = n;
	line = NULL;
done:
	git_commit_free(c);
	free(line);
	return error;
}

static int read_last(git_oid *last, int *has_last, cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	int rc, error = 0;

	*has_last = 0;
	if (sqlite3_prepare_v2(idx->db, "SELECT value FROM meta WHERE key = 'last_commit'", -1, &st,
		    NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot read the index");
		goto done;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);

		*has_last = hex && git_oid_fromstr(last, hex) == 0;
	} else if (rc != SQLITE_DONE) {
		error = cmdb__index_sqlerr(idx, "cannot read the index");
	}
done:
	sqlite3_finalize(st);
	return error;
}

/* Empty every table for a full build, dropping the deferred indexes first (and so
 * not maintaining them while the tables fill); build_in_txn re-creates them. */
static int clear_tables(cmdb_index *idx)
{
	for (const char *const *i = cmdb__index_deferred; *i; i++) {
		char *sql = sqlite3_mprintf("DROP INDEX IF EXISTS \"%w\"", *i);
		int rc = sql ? sqlite3_exec(idx->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;

		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return cmdb__index_sqlerr(idx, "cannot clear the index");
	}
	for (const char *const *t = cmdb__index_tables; *t; t++) {
		char *sql = sqlite3_mprintf("DELETE FROM \"%w\"", *t);
		int rc = sql ? sqlite3_exec(idx->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;

		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return cmdb__index_sqlerr(idx, "cannot clear the index");
	}
	if (sqlite3_exec(idx->db, "DELETE FROM meta WHERE key = 'last_commit'", NULL, NULL, NULL) !=
		SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot clear the index");
	return 0;
}

static int index_mainline(build *b, const git_oid *oid)
{
	git_commit *c = NULL;
	long long seq;
	int error, gerr;

	if ((gerr = git_commit_lookup(&c, b->idx->git, oid)) < 0)
		return cmdb__error_git(
			CMDB_ERROR, gerr, "cannot read commit %s", git_oid_tostr_s(oid));
	if (git_commit_parentcount(c) > 1 && (error = insert_side_commits(b, c)) < 0)
		goto done;
	if ((error = insert_commit(b, c, 1, &seq)) < 0)
		goto done;
	b->time = (long long)git_commit_time(c);
	error = apply_commit_diff(b, c, seq);
done:
	git_commit_free(c);
	return error;
}

/* Inside the transaction: find what is new (or that history was rewritten) and index it. */
static int build_in_txn(build *b, int rebuild)
{
	git_oid last, *line = NULL;
	size_t n = 0;
	int has_last = 0, found = 0, error;
	char hex[GIT_OID_HEXSZ + 1];

	if (!rebuild && (error = read_last(&last, &has_last, b->idx)) < 0)
		goto done;
	if ((error = first_parent_line(&line, &n, &found, b, has_last ? &last : NULL)) < 0)
		goto done;
	if (has_last && found && n == 0)
		goto done; /* up to date */
	/* rewritten history (or no record of where we were): the old rows mean nothing now */
	b->full = rebuild || !has_last || !found;
	if (b->full && (error = clear_tables(b->idx)) < 0)
		goto done;
	for (size_t i = 0; i < S_N; i++)
		if (sqlite3_prepare_v2(b->idx->db, stmt_sql[i], -1, &b->st[i], NULL) != SQLITE_OK) {
			error = cmdb__index_sqlerr(b->idx, "cannot prepare the index update");
			goto done;
		}
	if ((error = cmdb__drift_begin(b)) < 0)
		goto done;
	if ((error = cmdb__index_run(b, S_MAX_SEQ, "")) < 0)
		goto done;
	error = 0;
	b->next_seq = sqlite3_column_int64(b->st[S_MAX_SEQ], 0) + 1;
	for (size_t i = n; i-- > 0 && !error;)
		error = index_mainline(b, &line[i]);
	if (error)
		goto done;
	sqlite3_reset(b->st[S_MAX_SEQ]);
	/* the schema is all CREATE ... IF NOT EXISTS: this re-creates the dropped indexes */
	if (b->full &&
		sqlite3_exec(b->idx->db, cmdb__index_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(b->idx, "cannot create the index's indexes");
		goto done;
	}
	if ((error = cmdb__drift_authorise(b)) < 0)
		goto done;
	if (n == 0) {
		error = sqlite3_exec(b->idx->db, "DELETE FROM meta WHERE key = 'last_commit'", NULL,
				NULL, NULL) == SQLITE_OK
			? 0
			: cmdb__index_sqlerr(b->idx, "cannot update the index");
		goto done;
	}
	cmdb__index_oid_hex(hex, &line[0]);
	{
		char *sql = sqlite3_mprintf(
			"INSERT OR REPLACE INTO meta(key, value) VALUES('last_commit', %Q)", hex);

		if (!sql || sqlite3_exec(b->idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			error = cmdb__index_sqlerr(b->idx, "cannot update the index");
		sqlite3_free(sql);
	}
done:
	free(line);
	return error;
}

/*
 * After a big run the WAL holds hundreds of MiB of frames; SQLite's automatic
 * checkpoint copies them into the database but never shrinks the file. Truncate
 * it now, without waiting: with a reader still on an older snapshot this simply
 * fails and the next big run tries again.
 */
static void shrink_wal(cmdb_index *idx)
{
	sqlite3_busy_timeout(idx->db, 0);
	sqlite3_wal_checkpoint_v2(idx->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(idx->db, CMDB__INDEX_BUSY_MS);
}

/* 1 when main's tip is the last indexed commit: readers then need no write lock at all. */
int cmdb__index_up_to_date(cmdb_index *idx)
{
	git_oid last, tip;
	int has_last = 0;

	if (read_last(&last, &has_last, idx) < 0) {
		cmdb_error_clear(); /* the locked path below reports real failures */
		return 0;
	}
	return has_last && git_reference_name_to_id(&tip, idx->git, CMDB_MAIN_REF) == 0 &&
		git_oid_equal(&tip, &last);
}

int cmdb__index_build(cmdb_index *idx, int rebuild, int *commits_added)
{
	build b;
	int error;

	memset(&b, 0, sizeof(b));
	b.idx = idx;
	if (!rebuild && cmdb__index_up_to_date(idx)) {
		if (commits_added)
			*commits_added = 0;
		return 0;
	}
	if (sqlite3_exec(idx->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot lock the index for writing");
	error = build_in_txn(&b, rebuild);
	for (size_t i = 0; i < S_N; i++)
		sqlite3_finalize(b.st[i]);
	cmdb__drift_end(&b);
	if (error) {
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	if (sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot commit the index update");
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	if (b.full || b.added >= BIG_RUN)
		shrink_wal(idx);
	if (commits_added)
		*commits_added = b.added;
	return 0;
}
