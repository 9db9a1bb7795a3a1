/*
 * The one time formatter and parser of the library (index, queries, records, reports).
 * Parsing: an ISO 8601 date or date-time, "now" or a relative time (WHEN, docs/index.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/error.h"

#include "util/time.h"

void cmdb__time_format(char buf[CMDB__TIME_BUF], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((long long)tt != t || !gmtime_r(&tt, &tm) ||
		!strftime(buf, CMDB__TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, CMDB__TIME_BUF, "@%lld", t);
}

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

int cmdb__time_parse(long long *t, const char *when, long long now)
{
	long long v = 0;
	int rc;

	if (strcmp(when, "now") == 0) {
		*t = now;
		return 0;
	}
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
