/*
 * The index file itself, apart from its tables: what a file at a path is (ours,
 * new, an older gitcmdb's, someone else's, damaged) read without writing a byte;
 * moving a damaged one aside; page checks; whether the current user may write it;
 * opening one read-only that the user cannot write; the private index in the
 * user's cache directory for such a repository. index.c decides what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/index_int.h"

int cmdb__index_corrupt_code(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

/* "file:" URI for path with the query (RFC 3986: '%', '?' and '#' escaped). */
static char *file_uri(const char *path, const char *query)
{
	size_t n = strlen(path), k = 0;
	char *esc = cmdb__malloc(n * 3 + 1), *uri;

	if (!esc)
		return NULL;
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			k += (size_t)sprintf(esc + k, "%%%02X", (unsigned char)*p);
		else
			esc[k++] = *p;
	}
	esc[k] = '\0';
	uri = cmdb__sprintf("file:%s?%s", esc, query);
	free(esc);
	return uri;
}

/* The tables of an index (schema versions 1 and 2 have the same names). */
static int tables_are_ours(sqlite3 *db, int *ours, int *empty)
{
	sqlite3_stmt *st = NULL;
	size_t want = 0, seen = 0, other = 0, objects = 0;
	int rc;

	for (const char *const *t = cmdb__index_tables; *t; t++)
		want++;
	want++; /* meta */
	if ((rc = sqlite3_prepare_v2(db, "SELECT type, name FROM sqlite_master", -1, &st, NULL)) !=
		SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		int known = name && strcmp(name, "meta") == 0;

		objects++;
		if (!type || strcmp(type, "table") != 0)
			continue;
		for (const char *const *t = cmdb__index_tables; !known && name && *t; t++)
			known = strcmp(name, *t) == 0;
		if (known)
			seen++;
		else if (name && strncmp(name, "sqlite_", 7) != 0)
			other++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	*ours = seen == want && other == 0;
	*empty = objects == 0;
	return SQLITE_OK;
}

static int pragma_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int cmdb__index_schema_version(long long *out, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(
		db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return SQLITE_OK;
	/* no meta table: not an error, version 0 */
	return (rc & 0xff) == SQLITE_ERROR && !cmdb__index_corrupt_code(rc) ? SQLITE_OK : rc;
}

int cmdb__index_classify_db(cmdb__index_kind *kind, long long *version, sqlite3 *db)
{
	long long app = 0, user = 0;
	int ours = 0, empty = 0, rc;

	*version = 0;
	/* the id is in the header: readable even when the pages behind it are damaged */
	if ((rc = pragma_int(db, "PRAGMA application_id", &app)) == SQLITE_OK &&
		(rc = pragma_int(db, "PRAGMA user_version", &user)) == SQLITE_OK)
		rc = tables_are_ours(db, &ours, &empty);
	if (rc == SQLITE_OK && (app == CMDB__INDEX_APP_ID || (app == 0 && ours)))
		rc = cmdb__index_schema_version(version, db);
	if (rc != SQLITE_OK) {
		if (!cmdb__index_corrupt_code(rc))
			return rc;
		*kind = app == CMDB__INDEX_APP_ID ? CMDB__INDEX_BROKEN : CMDB__INDEX_DAMAGED;
		return SQLITE_OK;
	}
	if (app == CMDB__INDEX_APP_ID)
		*kind = CMDB__INDEX_OURS;
	else if (app == 0 && user == 0 && empty)
		*kind = CMDB__INDEX_NEW;
	else if (app == 0 && ours && *version >= 1)
		*kind = CMDB__INDEX_LEGACY;
	else
		*kind = CMDB__INDEX_FOREIGN; /* includes our table names without gitcmdb's meta */
	return SQLITE_OK;
}

/* Classify through a handle opened with flags (uri); sqlite code on failure. */
static int classify_with(cmdb__index_kind *kind, long long *version, const char *uri, int busy)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(db, 1);
		sqlite3_busy_timeout(db, busy);
		rc = cmdb__index_classify_db(kind, version, db);
	}
	sqlite3_close(db);
	return rc;
}

int cmdb__index_classify(cmdb__index_kind *kind, long long *version, const char *path)
{
	struct stat st;
	char *uri = NULL;
	int rc, error = 0;

	*version = 0;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return cmdb__error(
				CMDB_ERROR, "cannot read the index %s: %s", path, strerror(errno));
		*kind = CMDB__INDEX_NEW;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return cmdb__error(CMDB_EINVALID, "the index %s is not a regular file", path);
	if (st.st_size == 0) {
		*kind = CMDB__INDEX_NEW;
		return 0;
	}
	/*
	 * immutable=1: no lock, no -wal/-shm created, no journal rolled back, so a file
	 * that is not ours is left exactly as it was. A file caught mid-commit or
	 * mid-checkpoint by another gitcmdb may read as damaged here: confirm that through
	 * a locking handle, which waits for the writer and reads its WAL, before anything
	 * is moved aside.
	 */
	if (!(uri = file_uri(path, "immutable=1")))
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = classify_with(kind, version, uri, 0);
	free(uri);
	uri = NULL;
	if (rc == SQLITE_OK && (*kind == CMDB__INDEX_DAMAGED || *kind == CMDB__INDEX_BROKEN)) {
		if (!(uri = file_uri(path, "mode=ro")))
			return cmdb__error(CMDB_ERROR, "out of memory");
		rc = classify_with(kind, version, uri, CMDB__INDEX_BUSY_MS);
		if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
			rc = SQLITE_OK; /* cannot lock it (not writable by us): keep "damaged" */
	}
	if (rc != SQLITE_OK) {
		if (cmdb__index_corrupt_code(rc))
			*kind = CMDB__INDEX_DAMAGED;
		else
			error = cmdb__error(CMDB_ERROR, "cannot read the index %s: %s", path,
				sqlite3_errstr(rc));
	}
	free(uri);
	return error;
}

int cmdb__index_move_aside(char **moved_to, const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int error = 0;

	*moved_to = NULL;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < 3 && !error; i++) {
		char *from = cmdb__sprintf("%s%s", path, sfx[i]);
		char *to = cmdb__sprintf("%s.corrupt-%s%s", path, stamp, sfx[i]);

		if (!from || !to)
			error = cmdb__error(CMDB_ERROR, "out of memory");
		else if (rename(from, to) < 0 && errno != ENOENT)
			error = cmdb__error(
				CMDB_ERROR, "cannot move %s aside: %s", from, strerror(errno));
		else if (i == 0) {
			*moved_to = to;
			to = NULL;
		}
		free(from);
		free(to);
	}
	if (error) {
		free(*moved_to);
		*moved_to = NULL;
	}
	return error;
}

int cmdb__index_quick_check(cmdb_index *idx)
{
	sqlite3_stmt *st = NULL;
	int rc, damaged = 0;

	rc = sqlite3_prepare_v2(idx->db, "PRAGMA quick_check", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (!r || strcmp(r, "ok") != 0)
			damaged = 1;
	}
	sqlite3_finalize(st);
	if (cmdb__index_corrupt_code(rc))
		return 1;
	if (rc != SQLITE_DONE && rc != SQLITE_OK)
		return cmdb__index_sqlerr(idx, "cannot check the index");
	return damaged;
}

int cmdb__index_writable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? cmdb__strndup(path, (size_t)(slash - path)) : cmdb__strdup(".");
	int ok;

	if (!dir)
		return 0;
	if (!*dir) { /* "/index.db" */
		free(dir);
		dir = cmdb__strdup("/");
	}
	/* the directory too: SQLite creates -wal, -shm and journals beside the file */
	ok = dir && faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0 &&
		(faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 || errno == ENOENT);
	free(dir);
	return ok;
}

/* 1 when path is on a file system mounted read-only: nothing can change the file. */
static int on_readonly_fs(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

int cmdb__index_open_unwritable(sqlite3 **out, const char *path)
{
	const char *const modes[] = {"mode=ro", "immutable=1"};
	int rc = SQLITE_CANTOPEN;

	*out = NULL;
	/*
	 * mode=ro reads through the -shm that the owner's gitcmdb keeps (PERSIST_WAL), so
	 * it stays consistent while the owner writes. Without one it cannot open a WAL
	 * database it may not write: then only a read-only file system makes immutable=1
	 * safe (nobody can change the file under us).
	 */
	for (size_t i = 0; i < 2; i++) {
		sqlite3 *db = NULL;
		long long v;
		char *uri = file_uri(path, modes[i]);

		if (!uri)
			return SQLITE_NOMEM;
		if (i == 1 && !on_readonly_fs(path)) {
			free(uri);
			break;
		}
		rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		free(uri);
		if (rc == SQLITE_OK) {
			sqlite3_extended_result_codes(db, 1);
			sqlite3_busy_timeout(db, CMDB__INDEX_BUSY_MS);
			rc = pragma_int(db, "PRAGMA schema_version", &v);
		}
		if (rc == SQLITE_OK) {
			*out = db;
			return SQLITE_OK;
		}
		sqlite3_close(db);
		if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
			break;
	}
	return rc;
}

/* $XDG_CACHE_HOME/gitcmdb, else $HOME/.cache/gitcmdb, created 0700. */
static int cache_dir(char **out)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base = NULL, *dir = NULL;
	int error = 0;

	*out = NULL;
	if (xdg && *xdg == '/')
		base = cmdb__strdup(xdg);
	else if (home && *home == '/')
		base = cmdb__sprintf("%s/.cache", home);
	else
		return cmdb__error(CMDB_ERROR,
			"no cache directory for a private index: set XDG_CACHE_HOME or HOME, or "
			"pass --db FILE");
	if (!base || !(dir = cmdb__sprintf("%s/gitcmdb", base))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((mkdir(base, 0700) < 0 && errno != EEXIST) ||
		(mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		error = cmdb__error(CMDB_ERROR, "cannot create the cache directory %s: %s", dir,
			strerror(errno));
		goto done;
	}
	*out = dir;
	dir = NULL;
done:
	free(base);
	free(dir);
	return error;
}

int cmdb__index_private_path(char **out, git_repository *git)
{
	const char *gitdir = git_repository_path(git);
	char *real = realpath(gitdir, NULL), *dir = NULL, hex[GIT_OID_HEXSZ + 1];
	const char *key = real ? real : gitdir;
	git_oid oid;
	int error;

	*out = NULL;
	if ((error = cache_dir(&dir)) < 0)
		goto done;
	/* one private index per repository path; any stable digest of it will do */
	if (git_odb_hash(&oid, key, strlen(key), GIT_OBJECT_BLOB) < 0) {
		error = cmdb__error(CMDB_ERROR, "cannot name the private index of %s", key);
		goto done;
	}
	git_oid_tostr(hex, sizeof(hex), &oid);
	if (!(*out = cmdb__sprintf("%s/index-%.16s.db", dir, hex)))
		error = cmdb__error(CMDB_ERROR, "out of memory");
done:
	free(real);
	free(dir);
	return error;
}

/* The identity of the file at path, to recognise it again (a replaced file differs). */
static char *file_identity(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	return cmdb__sprintf("%llu:%llu:%lld:%lld.%09ld\n", (unsigned long long)st.st_dev,
		(unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		st.st_mtim.tv_nsec);
}

int cmdb__index_mark_damaged(const char *private_path, const char *shared_path, int set)
{
	char *mark = cmdb__sprintf("%s.damaged", private_path), *id = NULL, buf[128];
	int found = 0, fd;
	ssize_t n;

	if (!mark)
		return 0;
	id = file_identity(shared_path);
	if (set && id) {
		fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			found = write(fd, id, strlen(id)) == (ssize_t)strlen(id);
			close(fd);
		}
	} else if (id && (fd = open(mark, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		found = n > 0 && (size_t)n == strlen(id) && memcmp(buf, id, (size_t)n) == 0;
	}
	free(mark);
	free(id);
	return found;
}
