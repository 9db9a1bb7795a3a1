/*
 * WHEN: a point in the history of main, given as an ISO 8601 date or date-time,
 * a relative time, a git revision or a baseline (tag) name, resolved to the
 * index seq in force at that point.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/time.h"
#include "index/index_int.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int days_in_month(long long y, unsigned m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Read exactly n digits at *p. */
static int digits(long long *v, const char **p, int n)
{
	long long x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int bad_date(const char *when, const char *why)
{
	return cmdb__error(CMDB_EINVALID,
		"malformed date '%s': %s (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])",
		when, why);
}

/* "Z", "+HH", "+HHMM", "+HH:MM" (or "-…"); *off in seconds east of UTC. */
static int parse_offset(long long *off, const char *p, const char *when)
{
	long long h = 0, m = 0;
	int sign;

	*off = 0;
	if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
		return 0;
	if (*p != '+' && *p != '-')
		return bad_date(when, "unexpected text after the time");
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&h, &p, 2) < 0)
		return bad_date(when, "bad UTC offset");
	if (*p == ':')
		p++;
	if (*p && digits(&m, &p, 2) < 0)
		return bad_date(when, "bad UTC offset");
	if (*p || h > 23 || m > 59)
		return bad_date(when, "bad UTC offset");
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

static int parse_iso(long long *t, const char *when)
{
	const char *p = when;
	long long y, mo, d, h = 0, mi = 0, s = 0, off = 0;
	int error;

	if (digits(&y, &p, 4) < 0 || *p++ != '-' || digits(&mo, &p, 2) < 0 || *p++ != '-' ||
		digits(&d, &p, 2) < 0)
		return bad_date(when, "the date part is not YYYY-MM-DD");
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo))
		return bad_date(when, "no such month or day");
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&h, &p, 2) < 0 || *p++ != ':' || digits(&mi, &p, 2) < 0)
			return bad_date(when, "the time part is not HH:MM");
		if (*p == ':' && (p++, digits(&s, &p, 2) < 0))
			return bad_date(when, "bad seconds");
		if (*p == '.' || *p == ',') /* fractions of a second are dropped */
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (h > 23 || mi > 59 || s > 60)
			return bad_date(when, "no such time of day");
	}
	if ((error = parse_offset(&off, p, when)) < 0)
		return error;
	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - off;
	return 0;
}

/* "3.days.ago", "3 days ago", "@{3.days.ago}" → now - 3 days; 1 when not of that shape. */
static int parse_relative(long long *t, const char *when, long long now)
{
	static const struct {
		const char *name;
		long long secs;
	} units[] = {{"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400},
		{"week", 604800}, {"month", 2592000}, {"year", 31536000}};
	char unit[16], rest[8], tail[4];
	const char *p = when;
	size_t n, len = strlen(when);
	long long count;
	char buf[64];

	if (len >= sizeof(buf))
		return 1;
	if (p[0] == '@' && p[1] == '{' && len > 3 && when[len - 1] == '}') {
		memcpy(buf, when + 2, len - 3);
		buf[len - 3] = '\0';
	} else {
		memcpy(buf, when, len + 1);
	}
	for (char *q = buf; *q; q++)
		if (*q == '.' || *q == '_')
			*q = ' ';
	if (sscanf(buf, "%lld %15s %7s %3s", &count, unit, rest, tail) != 3 ||
		strcmp(rest, "ago") != 0 || count < 0 ||
		count > 1000000) /* the cap keeps count * unit far from overflow */
		return 1;
	n = strlen(unit);
	if (n > 1 && unit[n - 1] == 's')
		unit[n - 1] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0) {
			*t = now - count * units[i].secs;
			return 0;
		}
	return 1;
}

int cmdb__when_parse_time(long long *t, const char *when, long long now)
{
	long long v = 0;
	int rc;

	/* Anything starting "DDDD-" is meant as a date: malformed dates must not fall through to
	 * revisions. */
	if (isdigit((unsigned char)when[0]) && isdigit((unsigned char)when[1]) &&
		isdigit((unsigned char)when[2]) && isdigit((unsigned char)when[3]) &&
		when[4] == '-') {
		if ((rc = parse_iso(&v, when)) < 0)
			return rc;
		*t = v;
		return 0;
	}
	if ((rc = parse_relative(&v, when, now)) == 0)
		*t = v;
	return rc;
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
		error = cmdb__error(CMDB_EINVALID,
			"'%s' is not a date (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]), a relative time "
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
