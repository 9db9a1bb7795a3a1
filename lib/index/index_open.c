/*
 * Opening a handle on the index file: checking that the file is ours before
 * anything is written to it, creating or upgrading the schema, moving a damaged
 * index aside, and falling back to a private index for a repository the user
 * cannot write. What a file is (and the other file-level operations) lives in
 * index_file.c; the public functions that sequence all this in index.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/index_int.h"

static int exec(cmdb_index *idx, const char *sql, const char *what)
{
	if (sqlite3_exec(idx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, what);
	return 0;
}

static int refuse_foreign(cmdb_index *idx)
{
	return cmdb__error(CMDB_EINVALID,
		"%s is not a gitcmdb index (another application's SQLite database): left "
		"untouched; choose another --db file",
		idx->path);
}

/* Not a database (or unreadable) at a path the caller named: it may be anything. */
static int refuse_unknown(cmdb_index *idx)
{
	return cmdb__error(CMDB_EINVALID,
		"%s is not a valid SQLite database and not known to be a gitcmdb index: left "
		"untouched; delete it or choose another --db file",
		idx->path);
}

static int refuse_newer(cmdb_index *idx, long long version)
{
	return cmdb__error(CMDB_EINVALID,
		"%s has index schema version %lld, newer than this gitcmdb understands (%d): "
		"upgrade gitcmdb, or delete the file to rebuild it",
		idx->path, version, CMDB_INDEX_SCHEMA_VERSION);
}

static int damaged_error(cmdb_index *idx)
{
	idx->damaged = 1;
	return cmdb__error(CMDB_ERROR,
		"the index %s is damaged (not a valid SQLite database): run 'gitcmdb index' to "
		"rebuild it",
		idx->path);
}

/* Drop everything of an older schema (the file is known to be ours: rebuilding is safe). */
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

/*
 * Inside BEGIN IMMEDIATE, decide again from the handle (another gitcmdb may have
 * created the file since it was classified) and create, upgrade or stamp: the
 * application_id is written in the same transaction as the tables.
 */
static int install_in_txn(cmdb_index *idx, int *stamped_legacy)
{
	cmdb__index_kind kind;
	long long version = 0;
	char *sql = NULL;
	int rc, error = 0;

	if ((rc = cmdb__index_classify_db(&kind, &version, idx->db)) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot read the index");
	if (kind == CMDB__INDEX_FOREIGN)
		return refuse_foreign(idx);
	if (kind == CMDB__INDEX_DAMAGED || kind == CMDB__INDEX_BROKEN)
		return damaged_error(idx);
	if (version > CMDB_INDEX_SCHEMA_VERSION)
		return refuse_newer(idx, version);
	if (kind == CMDB__INDEX_OURS && version == CMDB_INDEX_SCHEMA_VERSION)
		return 0;
	*stamped_legacy = kind == CMDB__INDEX_LEGACY;
	if (version > 0 && version < CMDB_INDEX_SCHEMA_VERSION && (error = drop_all(idx)) < 0)
		return error;
	if ((error = exec(idx, cmdb__index_schema_sql, "cannot create the index schema")) < 0)
		return error;
	sql = sqlite3_mprintf("PRAGMA application_id = %d; INSERT OR REPLACE INTO meta(key, value) "
			      "VALUES('schema_version', '%d')",
		CMDB__INDEX_APP_ID, CMDB_INDEX_SCHEMA_VERSION);
	error = sql ? exec(idx, sql, "cannot write the schema version")
		    : cmdb__error(CMDB_ERROR, "out of memory");
	sqlite3_free(sql);
	return error;
}

static int install_schema(cmdb_index *idx)
{
	int error, stamped_legacy = 0;

	if ((error = exec(idx, "BEGIN IMMEDIATE", "cannot lock the index")) < 0)
		return error;
	if ((error = install_in_txn(idx, &stamped_legacy)) < 0) {
		sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
		return error;
	}
	if ((error = exec(idx, "COMMIT", "cannot commit the index schema")) < 0)
		return error;
	/* an index from before the application_id is in WAL mode: put the stamped header
	 * into the file itself, where classification reads it (best effort) */
	if (stamped_legacy)
		sqlite3_wal_checkpoint_v2(idx->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return 0;
}

int cmdb__index_open_handle(cmdb_index *idx, int readonly)
{
	int fl = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	int rc;

	if (idx->db) {
		sqlite3_close(idx->db);
		idx->db = NULL;
	}
	if (readonly && idx->ro) {
		if ((rc = cmdb__index_open_unwritable(&idx->db, idx->path)) != SQLITE_OK) {
			idx->sql_rc = rc;
			if (cmdb__index_corrupt_code(rc))
				return damaged_error(idx);
			return cmdb__error(CMDB_ERROR,
				"cannot open the index %s read-only: %s (the file and its -shm "
				"must "
				"be readable)",
				idx->path, sqlite3_errstr(rc));
		}
		cmdb__index_note_sqlerr(idx->db, SQLITE_OK);
		return 0;
	}
	if (sqlite3_open_v2(idx->path, &idx->db, fl | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot open the index");
	cmdb__index_note_sqlerr(idx->db, SQLITE_OK);
	sqlite3_busy_timeout(idx->db, CMDB__INDEX_BUSY_MS);
	sqlite3_extended_result_codes(idx->db, 1);
	return 0;
}

/* A damaged file is replaced only when it is provably an index, or sits where gitcmdb
 * keeps its own (the default path, a private index). */
static int move_damaged(cmdb_index *idx)
{
	char *to = NULL;
	int error;

	if (idx->db) {
		sqlite3_close(idx->db);
		idx->db = NULL;
	}
	if ((error = cmdb__index_move_aside(&to, idx->path)) < 0)
		return error;
	free(idx->warning);
	idx->warning = cmdb__sprintf(
		"the index %s was damaged; moved it to %s and rebuilt it", idx->path, to);
	free(to);
	idx->damaged = 0;
	return idx->warning ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

static int prepare_write(cmdb_index *idx)
{
	cmdb__index_kind kind;
	long long version = 0;
	int on = 1, rc, error;

	if ((error = cmdb__index_classify(&kind, &version, idx->path)) < 0)
		return error;
	if (kind == CMDB__INDEX_FOREIGN)
		return refuse_foreign(idx);
	if (kind == CMDB__INDEX_DAMAGED && idx->explicit_path)
		return refuse_unknown(idx);
	if (version > CMDB_INDEX_SCHEMA_VERSION)
		return refuse_newer(idx, version);
	if ((kind == CMDB__INDEX_DAMAGED || kind == CMDB__INDEX_BROKEN) &&
		(error = move_damaged(idx)) < 0)
		return error;
	if ((error = cmdb__index_open_handle(idx, 0)) < 0)
		return error;
	/* the immutable classification ignored the WAL: read the version through it */
	rc = cmdb__index_schema_version(&version, idx->db);
	if (cmdb__index_corrupt_code(rc)) {
		if ((error = move_damaged(idx)) < 0 ||
			(error = cmdb__index_open_handle(idx, 0)) < 0)
			return error;
		version = 0;
	} else if (rc != SQLITE_OK) {
		return cmdb__index_sqlerr(idx, "cannot read the index");
	}
	if ((kind != CMDB__INDEX_OURS || version != CMDB_INDEX_SCHEMA_VERSION) &&
		(error = install_schema(idx)) < 0)
		return error;
	/*
	 * Only now that the file is known to be ours may its journal mode change. The WAL
	 * and its -shm persist after the last writer closes, so a user who cannot write
	 * the directory still reads consistently while the owner writes (mode=ro).
	 */
	sqlite3_file_control(idx->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	if (sqlite3_exec(idx->db, "PRAGMA journal_size_limit = 67108864; PRAGMA journal_mode=WAL",
		    NULL, NULL, NULL) != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot switch the index to WAL");
	return 0;
}

static int prepare_read(cmdb_index *idx)
{
	cmdb__index_kind kind;
	long long version = 0;
	int rc, error;

	if ((error = cmdb__index_classify(&kind, &version, idx->path)) < 0)
		return error;
	switch (kind) {
	case CMDB__INDEX_NEW:
		return cmdb__error(CMDB_ENOTFOUND,
			"no index at %s (or it is empty): run 'gitcmdb index' first", idx->path);
	case CMDB__INDEX_FOREIGN: return refuse_foreign(idx);
	case CMDB__INDEX_DAMAGED:
		if (idx->explicit_path)
			return refuse_unknown(idx);
		return damaged_error(idx);
	case CMDB__INDEX_BROKEN: return damaged_error(idx);
	default: break;
	}
	if (version > CMDB_INDEX_SCHEMA_VERSION)
		return refuse_newer(idx, version);
	if ((error = cmdb__index_open_handle(idx, 1)) < 0)
		return error;
	if ((rc = cmdb__index_schema_version(&version, idx->db)) != SQLITE_OK)
		return cmdb__index_corrupt_code(rc)
			? damaged_error(idx)
			: cmdb__index_sqlerr(idx, "cannot read the index");
	if (version > CMDB_INDEX_SCHEMA_VERSION)
		return refuse_newer(idx, version);
	if (version != CMDB_INDEX_SCHEMA_VERSION)
		return cmdb__error(CMDB_ENOTFOUND,
			"%s is an index of an older schema (%lld): run 'gitcmdb index' to rebuild "
			"it",
			idx->path, version);
	return 0;
}

int cmdb__index_open_phase(cmdb_index *idx, int readonly)
{
	int error;

	if ((error = readonly ? prepare_read(idx) : prepare_write(idx)) < 0)
		return error;
	/*
	 * Queries scan large parts of the index (find over every package row, diff over
	 * every attribute): mapped pages save the pread() into SQLite's cache. Address
	 * space only; a failure just leaves the default. The one place this is set.
	 */
	sqlite3_exec(idx->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
	if (readonly)
		return !(idx->flags & CMDB_INDEX_READONLY) ||
				cmdb__index_guard_readonly(idx->db) == SQLITE_OK
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

int cmdb__index_recover(cmdb_index *idx)
{
	int error;

	if ((error = move_damaged(idx)) < 0)
		return error;
	return cmdb__index_open_phase(idx, 0);
}

/* Copy the shared index into the new private one, so that only what it lacks is
 * indexed; any failure just leaves a full build to do. */
static void seed_private(sqlite3 *shared, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc = SQLITE_ERROR;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
			SQLITE_OK &&
		(b = sqlite3_backup_init(dst, "main", shared, "main"))) {
		rc = sqlite3_backup_step(b, -1);
		rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? SQLITE_OK
										: SQLITE_ERROR;
	}
	sqlite3_close(dst);
	if (rc != SQLITE_OK)
		unlink(path);
}

int cmdb__index_use_private(cmdb_index *idx, const char *why, int seed)
{
	char *priv = NULL;
	struct stat st;
	int error, fresh;

	if ((error = cmdb__index_private_path(&priv, idx->git)) < 0)
		return error;
	fresh = stat(priv, &st) < 0 || st.st_size == 0;
	if (fresh && seed && idx->db && !idx->damaged)
		seed_private(idx->db, priv);
	if (idx->db) {
		sqlite3_close(idx->db);
		idx->db = NULL;
	}
	free(idx->shared);
	idx->shared = idx->path;
	idx->path = priv;
	idx->ro = 0;
	idx->damaged = 0;
	if (fresh) {
		free(idx->warning);
		idx->warning = cmdb__sprintf("the index %s is %s; using a private index at %s",
			idx->shared, why, idx->path);
		if (!idx->warning)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return cmdb__index_open_phase(idx, 0);
}
