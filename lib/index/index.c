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

int cmdb__index_sqlerr(cmdb_index *idx, const char *what)
{
	int ec = idx->db ? sqlite3_extended_errcode(idx->db) : SQLITE_ERROR;
	int code = CMDB_ERROR;

	idx->sql_rc = ec;
	if ((ec & 0xff) == SQLITE_BUSY || (ec & 0xff) == SQLITE_LOCKED)
		code = CMDB_ELOCKED;
	return cmdb__error(code, "%s: %s (%s)", what,
		idx->db ? sqlite3_errmsg(idx->db) : "no database", idx->path);
}

static int is_corrupt_code(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

/* Default path <gitdir>/gitcmdb/index.db, creating the directory. */
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
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
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

/* Read meta.schema_version: 0 when there is no meta table (a new or foreign file). */
static int read_schema_version(long long *out, cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;
	int rc, error = 0;

	rc = sqlite3_prepare_v2(idx->db,
		"SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", -1, &st,
		NULL);
	if (rc != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		error = rc;
		goto done;
	}
	if (sqlite3_column_int(st, 0) == 0)
		goto out;
	sqlite3_finalize(st);
	rc = sqlite3_prepare_v2(
		idx->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		error = rc;
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		error = rc;
out:
	if (!error)
		*out = v;
done:
	sqlite3_finalize(st);
	return error; /* a sqlite code: callers decide between corrupt and failure */
}

static int exec(cmdb_index *idx, const char *sql, const char *what)
{
	if (sqlite3_exec(idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, what);
	return 0;
}

/* Drop everything of an older schema (the index is derived; rebuilding is always safe). */
static int drop_all(cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	json_t *names = json_array();
	size_t i;
	int error = 0;

	if (!names ||
		sqlite3_prepare_v2(idx->db,
			"SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name "
			"NOT LIKE 'sqlite_%'",
			-1, &st, NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot list old tables");
		goto done;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(names, json_string((const char *)sqlite3_column_text(st, 0)));
	for (i = 0; i < json_array_size(names) && !error; i++) {
		char *sql = sqlite3_mprintf(
			"DROP TABLE IF EXISTS \"%w\"", json_string_value(json_array_get(names, i)));
		error = sql ? exec(idx, sql, "cannot drop an old table")
			    : cmdb__error(CMDB_ERROR, "out of memory");
		sqlite3_free(sql);
	}
done:
	sqlite3_finalize(st);
	json_decref(names);
	return error;
}

/* Create the schema when missing (concurrent openers serialise on BEGIN IMMEDIATE). */
static int create_schema(cmdb_index *idx, long long version)
{
	char *sql = NULL;
	int error;

	if ((error = exec(idx, "BEGIN IMMEDIATE", "cannot lock the index")) < 0)
		return error;
	if (version > 0 && version < CMDB_INDEX_SCHEMA_VERSION)
		error = drop_all(idx);
	if (!error)
		error = exec(idx, cmdb__index_schema_sql, "cannot create the index schema");
	if (!error) {
		sql = sqlite3_mprintf(
			"INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '%d')",
			CMDB_INDEX_SCHEMA_VERSION);
		error = sql ? exec(idx, sql, "cannot write the schema version")
			    : cmdb__error(CMDB_ERROR, "out of memory");
		sqlite3_free(sql);
	}
	if (error) {
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	return exec(idx, "COMMIT", "cannot commit the index schema");
}

/* Move a damaged file (and its -wal/-shm) aside so a fresh index can be built. */
static int move_aside(cmdb_index *idx)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char stamp[32], *to = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int error = 0;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < 3 && !error; i++) {
		char *from = cmdb__sprintf("%s%s", idx->path, sfx[i]);

		to = cmdb__sprintf("%s.corrupt-%s%s", idx->path, stamp, sfx[i]);
		if (!from || !to)
			error = cmdb__error(CMDB_ERROR, "out of memory");
		else if (rename(from, to) < 0 && errno != ENOENT)
			error = cmdb__error(
				CMDB_ERROR, "cannot move %s aside: %s", from, strerror(errno));
		else if (i == 0 &&
			!(idx->warning = cmdb__sprintf("the index %s was not a valid database; "
						       "moved it to %s and rebuilt it",
				  idx->path, to)))
			error = cmdb__error(CMDB_ERROR, "out of memory");
		free(from);
		free(to);
		to = NULL;
	}
	return error;
}

static int open_handle(cmdb_index *idx, int readonly)
{
	int fl = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

	if (idx->db) {
		sqlite3_close(idx->db);
		idx->db = NULL;
	}
	if (readonly && access(idx->path, F_OK) < 0)
		return cmdb__error(
			CMDB_ENOTFOUND, "no index at %s: run 'gitcmdb index' first", idx->path);
	if (sqlite3_open_v2(idx->path, &idx->db, fl | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot open the index");
	sqlite3_busy_timeout(idx->db, CMDB__INDEX_BUSY_MS);
	sqlite3_extended_result_codes(idx->db, 1);
	return 0;
}

/* Check the schema version; create, upgrade or recover as needed. */
static int prepare_schema(cmdb_index *idx, int readonly)
{
	long long version = 0;
	int rc, error;

	rc = read_schema_version(&version, idx);
	if (rc && is_corrupt_code(rc) && !readonly) {
		sqlite3_close(idx->db);
		idx->db = NULL;
		if ((error = move_aside(idx)) < 0 || (error = open_handle(idx, 0)) < 0)
			return error;
		rc = read_schema_version(&version, idx);
	}
	if (rc)
		return cmdb__index_sqlerr(idx,
			is_corrupt_code(rc) ? "the index is not a valid database; run 'gitcmdb "
					      "index' to rebuild it"
					    : "cannot read the index");
	if (version > CMDB_INDEX_SCHEMA_VERSION)
		return cmdb__error(CMDB_EINVALID,
			"%s has index schema version %lld, newer than this gitcmdb understands "
			"(%d): "
			"upgrade gitcmdb, or delete the file to rebuild it",
			idx->path, version, CMDB_INDEX_SCHEMA_VERSION);
	if (readonly) {
		if (version != CMDB_INDEX_SCHEMA_VERSION)
			return cmdb__error(CMDB_ENOTFOUND,
				"%s is not a gitcmdb index yet: run 'gitcmdb index'", idx->path);
		return 0;
	}
	/* Only now that the file is known to be ours may it be modified (WAL changes the header).
	 */
	if (sqlite3_exec(idx->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot switch the index to WAL");
	if (version == CMDB_INDEX_SCHEMA_VERSION)
		return 0;
	return create_schema(idx, version);
}

static int open_phase(cmdb_index *idx, int readonly)
{
	int error;

	if ((error = open_handle(idx, readonly)) < 0 || (error = prepare_schema(idx, readonly)) < 0)
		return error;
	/*
	 * Queries scan large parts of the index (find over every package row, diff over
	 * every attribute): mapped pages save the pread() into SQLite's cache. Address
	 * space only; a failure just leaves the default. The one place this is set.
	 */
	sqlite3_exec(idx->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	if (readonly)
		return cmdb__index_guard_readonly(idx->db) == SQLITE_OK
			? 0
			: cmdb__index_sqlerr(idx, "cannot make the index read-only");
	/* A full build writes ~300 MiB in one transaction: with the default 2 MiB cache
	 * dirty pages spill to the WAL mid-transaction and are read back. The cache
	 * only grows as pages are touched, so small runs pay nothing for the limit. */
	if (sqlite3_exec(idx->db, "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY", NULL,
		    NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot configure the index");
	return 0;
}

/*
 * Catch up; damage that only shows past the header (a malformed page) is found
 * here rather than at open: move the file aside and build a fresh one, once.
 */
static int refresh_or_recover(cmdb_index *idx, int rebuild, int *commits_added)
{
	int error = cmdb__index_build(idx, rebuild, commits_added);

	if (error == 0 || !is_corrupt_code(idx->sql_rc) || idx->warning)
		return error;
	sqlite3_close(idx->db);
	idx->db = NULL;
	if ((error = move_aside(idx)) < 0 || (error = open_phase(idx, 0)) < 0)
		return error;
	return cmdb__index_build(idx, 1, commits_added);
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
	if ((flags & CMDB_INDEX_REFRESH) || !readonly) {
		if ((error = open_phase(idx, 0)) < 0)
			goto done;
		if ((flags & CMDB_INDEX_REFRESH) &&
			(error = refresh_or_recover(idx, (flags & CMDB_INDEX_REBUILD) != 0, NULL)) <
				0)
			goto done;
	}
	if (readonly && (error = open_phase(idx, 1)) < 0)
		goto done;
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
	if (idx->db)
		sqlite3_close(idx->db);
	git_repository_free(idx->git);
	free(idx->path);
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

long long cmdb_index_head_seq(cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	long long seq = 0;

	if (sqlite3_prepare_v2(idx->db,
		    "SELECT c.seq FROM meta m JOIN commits c ON c.oid = m.value WHERE "
		    "m.key='last_commit'",
		    -1, &st, NULL) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
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
	int error = 0, found = 0;

	if (sqlite3_prepare_v2(idx->db, "SELECT id, id = ?1 FROM items ORDER BY id", -1, &st,
		    NULL) != SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot read items");
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
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
