/*
 * WHEN: a point in the history of main, given as an ISO 8601 date or date-time,
 * "now", a relative time, a git revision or a baseline (baseline/NAME, the tag
 * refs/tags/baseline/NAME, or any tag name), resolved to the
 * index seq in force at that point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/time.h"
#include "index/index_int.h"

int cmdb__when_parse_time(long long *t, const char *when, long long now)
{
	return cmdb__time_parse(t, when, now);
}

static int seq_at_time(long long *seq, cmdb_index *idx, long long t, const char *when)
{
	sqlite3_stmt *st = NULL;
	char first[32];
	int error = 0;

	if (sqlite3_prepare_v2(idx->db,
		    "SELECT (SELECT max(seq) FROM commits WHERE mainline = 1 AND time <= ?1),"
		    " (SELECT min(time) FROM commits WHERE mainline = 1)",
		    -1, &st, NULL) != SQLITE_OK ||
		sqlite3_bind_int64(st, 1, t) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		error = cmdb__index_sqlerr(idx, "cannot look up commits");
		goto done;
	}
	if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
		error = cmdb__error(CMDB_ENOTFOUND, "'%s': the index holds no commits yet", when);
		goto done;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		cmdb__time_format(first, sqlite3_column_int64(st, 1));
		error = cmdb__error(
			CMDB_ENOTFOUND, "'%s' is before the first commit (%s)", when, first);
		goto done;
	}
	*seq = sqlite3_column_int64(st, 0);
done:
	sqlite3_finalize(st);
	return error;
}

static int seq_of_revision(long long *seq, cmdb_index *idx, const char *when)
{
	git_object *obj = NULL, *peeled = NULL;
	sqlite3_stmt *st = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int error = 0, rc;

	if (git_revparse_single(&obj, idx->git, when) < 0 ||
		git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		/* baseline/NAME is the tag refs/tags/baseline/NAME (gitcmdb baseline create) */
		if (strncmp(when, "baseline/", 9) == 0)
			error = cmdb__error(CMDB_ENOTFOUND,
				"no baseline '%s': see 'gitcmdb baseline list'", when + 9);
		else
			error = cmdb__error(CMDB_EINVALID,
				"'%s' is not a date (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]), a "
				"relative time "
				"(3.days.ago), a revision or a baseline name",
				when);
		goto done;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(peeled));
	if (sqlite3_prepare_v2(idx->db, "SELECT seq FROM commits WHERE oid = ?1", -1, &st, NULL) !=
		SQLITE_OK) {
		error = cmdb__index_sqlerr(idx, "cannot look up commits");
		goto done;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		error = cmdb__error(CMDB_ENOTFOUND,
			"'%s' is commit %.12s, which is not in the index: it is not on main "
			"(or the index is behind; run 'gitcmdb index')",
			when, hex);
	else
		error = cmdb__index_sqlerr(idx, "cannot look up commits");
done:
	sqlite3_finalize(st);
	git_object_free(peeled);
	git_object_free(obj);
	return error;
}

int cmdb_index_resolve_when(long long *seq, cmdb_index *idx, const char *when)
{
	long long t = 0, s = 0;
	int rc;

	if (!when || !*when)
		return cmdb__error(
			CMDB_EINVALID, "empty WHEN: give a date, a revision or a baseline name");
	rc = cmdb__when_parse_time(&t, when, (long long)time(NULL));
	if (rc < 0) {
		/* Not a valid date, but baselines are often named like one ("2026-Q4"). */
		git_object *obj = NULL;
		char msg[512];
		int is_rev;

		snprintf(msg, sizeof(msg), "%s", cmdb_error_last());
		is_rev = git_revparse_single(&obj, idx->git, when) == 0;
		git_object_free(obj);
		if (!is_rev)
			return cmdb__error(CMDB_EINVALID, "%s", msg);
		cmdb_error_clear();
		rc = 1;
	}
	rc = rc == 0 ? seq_at_time(&s, idx, t, when) : seq_of_revision(&s, idx, when);
	if (rc < 0)
		return rc;
	*seq = s;
	return 0;
}
