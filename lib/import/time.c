/*
 * Times of exports: ServiceNow writes "2026-02-10 08:00:00" in the exporting user's
 * time zone, which --timezone names. Stored in UTC like every record time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "import/import_int.h"

#define ZONEINFO "/usr/share/zoneinfo/"

static int is_utc(const char *tz)
{
	return !tz || !strcmp(tz, "UTC") || !strcmp(tz, "Z") || !strcmp(tz, "GMT") ||
		!strcmp(tz, "Etc/UTC");
}

/* "+01:00", "-0530" → seconds east of UTC; 1 when tz is not an offset. */
static int offset(long *out, const char *tz)
{
	int h, m, n = 0;

	if ((tz[0] != '+' && tz[0] != '-') || !isdigit((unsigned char)tz[1]))
		return 1;
	if (!(sscanf(tz + 1, "%2d:%2d%n", &h, &m, &n) == 2 && n == 5 && !tz[6]) &&
		!(sscanf(tz + 1, "%2d%2d%n", &h, &m, &n) == 2 && n == 4 && !tz[5]))
		return -1;
	if (h > 14 || m > 59)
		return -1;
	*out = (h * 3600L + m * 60L) * (tz[0] == '-' ? -1 : 1);
	return 0;
}

int cmdb__import_tz_check(const char *tz)
{
	char path[300];
	long off;
	int rc;

	if (is_utc(tz))
		return 0;
	if ((rc = offset(&off, tz)) <= 0) {
		if (rc == 0)
			return 0;
		return cmdb__error(
			CMDB_EINVALID, "time zone '%s': write an offset as +01:00 or -0530", tz);
	}
	for (const char *p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return cmdb__error(CMDB_EINVALID,
				"time zone '%s': give an IANA name (Europe/Berlin), UTC or an "
				"offset (+01:00)",
				tz);
	if (strstr(tz, "..") || tz[0] == '/' || strlen(tz) > 200)
		return cmdb__error(CMDB_EINVALID, "time zone '%s': not a time zone name", tz);
	snprintf(path, sizeof(path), ZONEINFO "%s", tz);
	if (access(path, R_OK) != 0)
		return cmdb__error(CMDB_EINVALID,
			"time zone '%s': unknown (no %s): give an IANA name (Europe/Berlin), UTC "
			"or an offset (+01:00)",
			tz, path);
	return 0;
}

/* Local time tm in IANA zone tz → unix seconds (the process's TZ, set and restored). */
static long long zone_time(struct tm *tm, const char *tz)
{
	char *old = getenv("TZ") ? cmdb__strdup(getenv("TZ")) : NULL;
	long long t;

	setenv("TZ", tz, 1);
	tzset();
	tm->tm_isdst = -1;
	t = (long long)mktime(tm);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	cmdb_free(old);
	return t;
}

int cmdb__import_time(char *buf, const char *value, const char *tz)
{
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
	long off = 0;
	long long t;
	struct tm tm;

	if (strchr(value, 'T') || strchr(value, 'Z')) {
		int rc = cmdb__time_parse(&t, value, 0);

		if (rc != 0) {
			cmdb_error_clear();
			return cmdb__error(CMDB_EINVALID,
				"'%s' is not a time: give 2026-02-10 08:00:00 or ISO 8601", value);
		}
		cmdb__time_format(buf, t);
		return 0;
	}
	if (!((sscanf(value, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6 &&
		      n == 19) ||
		    (sscanf(value, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 &&
			    n == 16) ||
		    (sscanf(value, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10)) ||
		value[n] || !isdigit((unsigned char)value[0]) || !isdigit((unsigned char)value[3]))
		return cmdb__error(CMDB_EINVALID,
			"'%s' is not a time: give 2026-02-10 08:00:00 (in --timezone) or ISO 8601",
			value);
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return cmdb__error(
			CMDB_EINVALID, "'%s' is not a time: a field is out of range", value);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
	if (is_utc(tz) || offset(&off, tz) == 0)
		t = (long long)timegm(&tm) - off;
	else
		t = zone_time(&tm, tz);
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return cmdb__error(CMDB_EINVALID, "'%s' is not a time: no such day", value);
	cmdb__time_format(buf, t);
	return 0;
}
