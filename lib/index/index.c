/*
 * Opening the index: locating the file, creating or checking the schema,
 * recovering from a corrupt file, and the read-only mode used by `query`.
 * Building (the history walk) lives in index_build.c, WHEN parsing in when.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/index_int.h"

/* The last handle whose read reported damage, for readers outside this module
 * (lib/query) that hold only the sqlite3 handle: see cmdb_index_damaged(). */
static _Thread_local sqlite3 *damaged_db;

void cmdb__index_note_sqlerr(sqlite3 *db, int rc)
{
	if (db && cmdb__index_corrupt_code(rc))
		damaged_db = db;
	else if (db && rc == SQLITE_OK && damaged_db == db)
		damaged_db = NULL; /* a new handle at a freed one's address */
}

int cmdb__index_sqlerr(cmdb_index *idx, const char *what)
{
	int ec = idx->db ? sqlite3_extended_errcode(idx->db) : SQLITE_ERROR;
	int code = CMDB_ERROR;

	idx->sql_rc = ec;
	if ((ec & 0xff) == SQLITE_BUSY || (ec & 0xff) == SQLITE_LOCKED)
		code = CMDB_ELOCKED;
	if (cmdb__index_corrupt_code(ec)) {
		idx->damaged = 1;
		return cmdb__error(code, "%s: %s (%s): the index file is damaged", what,
			sqlite3_errmsg(idx->db), idx->path);
	}
	return cmdb__error(code, "%s: %s (%s)", what,
		idx->db ? sqlite3_errmsg(idx->db) : "no database", idx->path);
}

/* Default path <gitdir>/gitcmdb/index.db, creating the directory when we may. */
static int default_path(char **out, cmdb_repo *repo)
{
	const char *gitdir = cmdb_repo_gitdir(repo);
	size_t n = strlen(gitdir);
	const char *sep = (n && gitdir[n - 1] == '/') ? "" : "/";
	char *dir = NULL, *path = NULL;
	int error = 0;

	if (!(dir = cmdb__sprintf("%s%sgitcmdb", gitdir, sep))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	/* a repository the user cannot write is read, not refused (see open_unwritable) */
	if (mkdir(dir, 0777) < 0 && errno != EEXIST && errno != EACCES && errno != EPERM &&
		errno != EROFS) {
		error = cmdb__error(CMDB_ERROR, "cannot create %s: %s", dir, strerror(errno));
		goto done;
	}
	if (!(path = cmdb__sprintf("%s/index.db", dir))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	*out = path;
	path = NULL;
done:
	free(dir);
	free(path);
	return error;
}

static int refresh_or_recover(cmdb_index *idx, int rebuild, int *commits_added);

/*
 * The user cannot write the index file (a read-only mount, another user's
 * repository). Read it in place when it is current; otherwise, unless the caller
 * named the file, keep a private index in the user's cache directory.
 */
static int open_unwritable(cmdb_index *idx)
{
	int error, want_current = (idx->flags & CMDB_INDEX_REFRESH) != 0;
	char *priv = NULL;
	const char *why;

	idx->ro = 1;
	error = cmdb__index_open_phase(idx, 1);
	if (!error && !idx->explicit_path && cmdb__index_private_path(&priv, idx->git) == 0 &&
		cmdb__index_mark_damaged(priv, idx->path, 0)) {
		idx->damaged = 1; /* found damaged before, and not replaced since */
		error = CMDB_ERROR;
	}
	free(priv);
	if (!error && (!want_current || cmdb__index_up_to_date(idx)))
		return 0;
	if (idx->explicit_path) {
		if (error)
			return error;
		free(idx->warning);
		idx->warning = cmdb__sprintf("%s is not writable by you and is behind main: "
					     "answering from its last complete state",
			idx->path);
		return idx->warning ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	why = idx->damaged ? "damaged and not writable by you"
		: error    ? "missing or unreadable and not writable by you"
			   : "not writable by you and behind main";
	cmdb_error_clear();
	if ((error = cmdb__index_use_private(idx, why, !error)) < 0)
		return error;
	if (want_current && (error = refresh_or_recover(idx, 0, NULL)) < 0)
		return error;
	return (idx->flags & CMDB_INDEX_READONLY) ? cmdb__index_open_phase(idx, 1) : 0;
}

/* After a failed update: is the file damaged? SQLite may say so, or only quick_check. */
static int update_failed_on_damage(cmdb_index *idx)
{
	int ec = idx->sql_rc & 0xff;

	if (idx->damaged || cmdb__index_corrupt_code(idx->sql_rc))
		return 1;
	if (!idx->sql_rc || ec == SQLITE_BUSY || ec == SQLITE_LOCKED || ec == SQLITE_FULL ||
		ec == SQLITE_NOMEM || ec == SQLITE_INTERRUPT || !idx->db)
		return 0;
	return cmdb__index_quick_check(idx) == 1;
}

/*
 * Catch up (or rebuild). Damage found on the way (SQLite reports a malformed page,
 * or quick_check finds one after an error) moves the file aside and builds a fresh
 * index, once. A read-only handle needs no write when the index is current;
 * otherwise a private index takes over (never for a file the caller named).
 */
static int refresh_or_recover(cmdb_index *idx, int rebuild, int *commits_added)
{
	char *first_error = NULL;
	int error;

	if (commits_added)
		*commits_added = 0;
	if (idx->ro) {
		if (!rebuild && !idx->damaged && cmdb__index_up_to_date(idx))
			return 0;
		if (idx->explicit_path)
			return cmdb__error(CMDB_EINVALID,
				"%s is not writable by you: it cannot be brought up to date "
				"(drop --db to use a private index)",
				idx->path);
		if ((error = cmdb__index_use_private(idx,
			     idx->damaged ? "damaged and not writable by you"
					  : "not writable by you and behind main",
			     !idx->damaged)) < 0)
			return error;
	}
	idx->sql_rc = 0;
	if ((error = cmdb__index_build(idx, rebuild, commits_added)) == 0)
		return 0;
	if (!update_failed_on_damage(idx))
		return error;
	first_error = cmdb__strdup(cmdb_error_last());
	if ((error = cmdb__index_recover(idx)) == 0)
		error = cmdb__index_build(idx, 1, commits_added);
	if (error == 0 && first_error && idx->warning) {
		char *w = cmdb__sprintf("%s (%s)", idx->warning, first_error);

		if (w) {
			free(idx->warning);
			idx->warning = w;
		}
	}
	free(first_error);
	return error;
}

int cmdb_index_open(cmdb_index **out, cmdb_repo *repo, const char *db_path, unsigned flags)
{
	cmdb_index *idx = NULL;
	int readonly = (flags & CMDB_INDEX_READONLY) != 0, error = 0, gerr;

	*out = NULL;
	if (!repo)
		return cmdb__error(CMDB_EINVALID, "cmdb_index_open: no repository");
	if (!(idx = cmdb__calloc(1, sizeof(*idx)))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	idx->repo = repo;
	idx->flags = flags;
	idx->explicit_path = db_path != NULL;
	if ((gerr = git_repository_open(&idx->git, cmdb_repo_gitdir(repo))) < 0) {
		error = cmdb__error_git(
			cmdb__git_code(gerr), gerr, "cannot open %s", cmdb_repo_gitdir(repo));
		goto done;
	}
	if (db_path && !(idx->path = cmdb__strdup(db_path)))
		error = cmdb__error(CMDB_ERROR, "out of memory");
	else if (!db_path)
		error = default_path(&idx->path, repo);
	if (error)
		goto done;
	if (!cmdb__index_writable(idx->path)) {
		if ((error = open_unwritable(idx)) < 0)
			goto done;
	} else {
		if (((flags & CMDB_INDEX_REFRESH) || !readonly) &&
			(error = cmdb__index_open_phase(idx, 0)) < 0)
			goto done;
		if ((flags & CMDB_INDEX_REFRESH) &&
			(error = refresh_or_recover(idx, (flags & CMDB_INDEX_REBUILD) != 0, NULL)) <
				0)
			goto done;
		if (readonly && (error = cmdb__index_open_phase(idx, 1)) < 0)
			goto done;
	}
	*out = idx;
	idx = NULL;
done:
	cmdb_index_free(idx);
	return error;
}

void cmdb_index_free(cmdb_index *idx)
{
	if (!idx)
		return;
	if (idx->db) {
		if (damaged_db == idx->db)
			damaged_db = NULL;
		sqlite3_close(idx->db);
	}
	git_repository_free(idx->git);
	free(idx->path);
	free(idx->shared);
	free(idx->warning);
	free(idx);
}

int cmdb_index_refresh(cmdb_index *idx, int *commits_added)
{
	if (idx->flags & CMDB_INDEX_READONLY)
		return cmdb__error(
			CMDB_EINVALID, "the index was opened read-only; it cannot be refreshed");
	return refresh_or_recover(idx, 0, commits_added);
}

int cmdb_index_rebuild(cmdb_index *idx)
{
	if (idx->flags & CMDB_INDEX_READONLY)
		return cmdb__error(
			CMDB_EINVALID, "the index was opened read-only; it cannot be rebuilt");
	return refresh_or_recover(idx, 1, NULL);
}

int cmdb_index_damaged(cmdb_index *idx)
{
	return idx &&
		(idx->damaged || (idx->db && damaged_db == idx->db) ||
			(idx->db && cmdb__index_corrupt_code(sqlite3_extended_errcode(idx->db))));
}

int cmdb_index_repair(cmdb_index *idx)
{
	char *priv = NULL;
	int error;

	if (idx->ro) {
		/* not ours to replace: remember it is damaged, answer from a private index */
		if (idx->explicit_path)
			return cmdb__error(CMDB_ERROR,
				"the index %s is damaged and not writable by you: ask its owner "
				"to run 'gitcmdb index'",
				idx->path);
		if ((error = cmdb__index_private_path(&priv, idx->git)) < 0)
			return error;
		cmdb__index_mark_damaged(priv, idx->path, 1);
		free(priv);
		idx->damaged = 1;
		if ((error = refresh_or_recover(idx, 0, NULL)) < 0)
			return error;
		free(idx->warning);
		idx->warning = cmdb__sprintf("the index %s is damaged and not writable by you; "
					     "using a private index at %s until it is replaced "
					     "(its owner can run 'gitcmdb index')",
			idx->shared, idx->path);
		return idx->warning ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	if ((error = cmdb__index_recover(idx)) < 0)
		return error;
	return cmdb__index_build(idx, 1, NULL);
}

int cmdb_index_check(cmdb_index *idx)
{
	int rc = cmdb__index_quick_check(idx);

	if (rc < 0)
		return rc;
	if (rc == 1 && !idx->ro)
		idx->damaged = 1;
	return rc == 1 ? cmdb_index_repair(idx) : 0;
}

sqlite3 *cmdb_index_db(cmdb_index *idx)
{
	return idx->db;
}

cmdb_repo *cmdb_index_repo(cmdb_index *idx)
{
	return idx->repo;
}

const char *cmdb_index_path(cmdb_index *idx)
{
	return idx->path;
}

const char *cmdb_index_warning(cmdb_index *idx)
{
	return idx->warning;
}

int cmdb__index_prepare(sqlite3_stmt **st, cmdb_index *idx, const char *sql, const char *what)
{
	*st = NULL;
	if (sqlite3_prepare_v2(idx->db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	sqlite3_finalize(*st);
	*st = NULL;
	return cmdb__index_sqlerr(idx, what);
}

int cmdb__index_step(cmdb_index *idx, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return cmdb__index_sqlerr(idx, what);
}

int cmdb__index_head(long long *seq, cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*seq = 0;
	if ((rc = cmdb__index_prepare(&st, idx,
		     "SELECT c.seq FROM meta m JOIN commits c ON c.oid = m.value WHERE "
		     "m.key='last_commit'",
		     "cannot read the indexed head")) < 0)
		return rc;
	if ((rc = cmdb__index_step(idx, st, "cannot read the indexed head")) == 1)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

long long cmdb_index_head_seq(cmdb_index *idx)
{
	long long seq = 0;

	/* "empty" on an error would be a lie; damage is marked for the caller's close */
	if (cmdb__index_head(&seq, idx) < 0)
		return 0;
	return seq;
}

int cmdb_index_count(cmdb_index_counts *out, cmdb_index *idx)
{
	static const char sql[] = "SELECT (SELECT count(*) FROM commits),"
				  " (SELECT count(*) FROM item_versions WHERE to_seq IS NULL),"
				  " (SELECT count(*) FROM items),"
				  " (SELECT count(*) FROM relations WHERE to_seq IS NULL),"
				  " (SELECT count(*) FROM attrs)";
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = cmdb__index_prepare(&st, idx, sql, "cannot count the index")) < 0)
		return rc;
	if ((rc = cmdb__index_step(idx, st, "cannot count the index")) == 1) {
		out->commits = sqlite3_column_int64(st, 0);
		out->items = sqlite3_column_int64(st, 1);
		out->items_ever = sqlite3_column_int64(st, 2);
		out->relations = sqlite3_column_int64(st, 3);
		out->attr_rows = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

size_t cmdb__edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, *row;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	if (!(row = cmdb__malloc((lb + 1) * sizeof(*row))))
		return cap + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap)
			break;
	}
	best = i <= la ? cap + 1 : row[lb];
	free(row);
	return best > cap ? cap + 1 : best;
}

int cmdb_index_check_id(cmdb_index *idx, const char *id)
{
	sqlite3_stmt *st = NULL;
	const char *near[3] = {NULL, NULL, NULL};
	char *names[3] = {NULL, NULL, NULL};
	size_t dist[3] = {(size_t)-1, (size_t)-1, (size_t)-1}, cap = strlen(id) / 2 + 2;
	int error = 0, found = 0, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(idx->db, "SELECT id, id = ?1 FROM items ORDER BY id", -1, &st,
		    NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot read items");
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cand = (const char *)sqlite3_column_text(st, 0);
		size_t d = cmdb__edit_distance(id, cand, cap);

		found = sqlite3_column_int(st, 1);
		for (int k = 0; k < 3 && d <= cap; k++) {
			if (d < dist[k]) {
				free(names[2]);
				memmove(&names[k + 1], &names[k], (size_t)(2 - k) * sizeof(*names));
				memmove(&dist[k + 1], &dist[k], (size_t)(2 - k) * sizeof(*dist));
				names[k] = cmdb__strdup(cand);
				dist[k] = d;
				break;
			}
		}
	}
	if (found)
		goto done;
	if (rc != SQLITE_DONE) {
		error = cmdb__index_sqlerr(idx, "cannot read items");
		goto done;
	}
	for (int k = 0; k < 3; k++)
		near[k] = names[k];
	if (near[0])
		error = cmdb__error(CMDB_ENOTFOUND, "unknown item '%s' (did you mean %s%s%s%s%s?)",
			id, near[0], near[1] ? ", " : "", near[1] ? near[1] : "",
			near[2] ? ", " : "", near[2] ? near[2] : "");
	else
		error = cmdb__error(CMDB_ENOTFOUND,
			"unknown item '%s': no item with that id was ever indexed", id);
done:
	for (int k = 0; k < 3; k++)
		free(names[k]);
	sqlite3_finalize(st);
	return error;
}
