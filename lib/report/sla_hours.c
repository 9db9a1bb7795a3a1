/*
 * Service hours (docs/report.md): "24x7", or clauses "DAYS HH:MM-HH:MM" joined by ';'
 * ("Mon-Fri 08:00-18:00; Sat 09:00-13:00"), in the SLA's timezone (UTC or a fixed
 * offset). Outage and the period are counted only inside these hours.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_int.h"
#include "report/sla_hours.h"

#define DAY 86400LL
#define WEEK (7 * DAY)

static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A day name (Mon..Sun, any case, also the full name) at *s: its index, or -1. */
static int day_at(const char **s)
{
	const char *p = *s;
	size_t n = 0;

	while (isalpha((unsigned char)p[n]))
		n++;
	if (n < 3)
		return -1;
	for (int d = 0; d < 7; d++) {
		static const char *const full[] = {"monday", "tuesday", "wednesday", "thursday",
			"friday", "saturday", "sunday"};

		if ((n == 3 && !strncasecmp(p, days[d], 3)) ||
			(n == strlen(full[d]) && !strncasecmp(p, full[d], n))) {
			*s = p + n;
			return d;
		}
	}
	return -1;
}

/* "HH:MM" at *s (00:00 .. 24:00): seconds, or -1. */
static long long clock_at(const char **s)
{
	const char *p = *s;
	int h, m;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
		!isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]))
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*s = p + 5;
	return h * 3600LL + m * 60LL;
}

static int add_window(cmdb__sla_hours *h, long long a, long long b)
{
	if (h->n == CMDB__SLA_WINDOWS)
		return -1;
	h->w[h->n].a = a, h->w[h->n].b = b;
	h->n++;
	return 0;
}

/* One clause "DAYS HH:MM-HH:MM" at *s; days as "Mon", "Mon-Fri", "Sat-Mon", lists
 * joined by ','. 0, or -1 when malformed. */
static int clause(cmdb__sla_hours *h, const char **s)
{
	unsigned char on[7] = {0};
	const char *p = skip_ws(*s);
	long long from, to;

	for (;;) {
		int d1 = day_at(&p), d2;

		if (d1 < 0)
			return -1;
		d2 = d1;
		if (*p == '-' && (p++, (d2 = day_at(&p)) < 0))
			return -1;
		for (int d = d1;; d = (d + 1) % 7) {
			on[d] = 1;
			if (d == d2)
				break;
		}
		if (*p != ',')
			break;
		p = skip_ws(p + 1);
	}
	if (*p != ' ' && *p != '\t')
		return -1;
	p = skip_ws(p);
	if ((from = clock_at(&p)) < 0 || *p++ != '-' || (to = clock_at(&p)) < 0 || to <= from)
		return -1;
	for (int d = 0; d < 7; d++)
		if (on[d] && add_window(h, d * DAY + from, d * DAY + to) < 0)
			return -1;
	*s = skip_ws(p);
	return 0;
}

static int win_cmp(const void *x, const void *y)
{
	const long long *p = x, *q = y;

	return p[0] < q[0] ? -1 : p[0] > q[0];
}

/* Sort and merge the windows; sum the week's service seconds. */
static void merge(cmdb__sla_hours *h)
{
	int k = 0;

	qsort(h->w, (size_t)h->n, sizeof(h->w[0]), win_cmp);
	for (int i = 0; i < h->n; i++) {
		if (k && h->w[i].a <= h->w[k - 1].b) {
			if (h->w[i].b > h->w[k - 1].b)
				h->w[k - 1].b = h->w[i].b;
		} else
			h->w[k++] = h->w[i];
	}
	h->n = k;
	h->week = 0;
	for (int i = 0; i < h->n; i++)
		h->week += h->w[i].b - h->w[i].a;
}

/* "UTC" (also Z, GMT, Etc/UTC) or "+01:00", "-0530": seconds east, or -1. */
static int tz_offset(long long *off, const char *tz)
{
	int hh, mm, n = 0;

	*off = 0;
	if (!tz || !strcmp(tz, "UTC") || !strcmp(tz, "Z") || !strcmp(tz, "GMT") ||
		!strcmp(tz, "Etc/UTC"))
		return 0;
	if (!strncmp(tz, "UTC", 3) && (tz[3] == '+' || tz[3] == '-'))
		tz += 3;
	if ((tz[0] != '+' && tz[0] != '-') || !isdigit((unsigned char)tz[1]))
		return -1;
	if (!(sscanf(tz + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 && n == 5 && !tz[6]) &&
		!(sscanf(tz + 1, "%2d%2d%n", &hh, &mm, &n) == 2 && n == 4 && !tz[5]))
		return -1;
	if (hh > 14 || mm > 59)
		return -1;
	*off = (hh * 3600LL + mm * 60LL) * (tz[0] == '-' ? -1 : 1);
	return 0;
}

int cmdb__sla_hours_parse(cmdb__sla_hours *h, const char *id, const char *hours, const char *tz)
{
	const char *p = hours;

	memset(h, 0, sizeof(*h));
	if (tz_offset(&h->offset, tz) < 0)
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.sla.timezone: '%s' is not supported: give UTC or a fixed "
			"offset such as +01:00",
			id, tz);
	p = hours ? skip_ws(hours) : NULL;
	if (!p || !strcmp(p, "24x7") || !strcmp(p, "24/7")) {
		add_window(h, 0, WEEK);
		merge(h);
		return 0;
	}
	while (*p) {
		if (clause(h, &p) < 0 || (*p && *p != ';'))
			goto bad;
		if (*p == ';' && !*(p = skip_ws(p + 1)))
			goto bad;
	}
	if (!h->n)
		goto bad;
	merge(h);
	return 0;
bad:
	return cmdb__error(CMDB_EINVALID,
		"%s: attributes.sla.hours: '%s' is not service hours: give \"24x7\" or days and "
		"times such as \"Mon-Fri 08:00-18:00\" (clauses joined by ';', at most %d "
		"windows a week)",
		id, hours, CMDB__SLA_WINDOWS);
}

/* Service seconds from local Monday 00:00 of the week containing the epoch ... t. */
static long long upto(const cmdb__sla_hours *h, long long t)
{
	/* 1970-01-01 was a Thursday: shift so that 0 is a Monday 00:00 */
	long long u = t + h->offset + 3 * DAY, weeks = u / WEEK, r = u % WEEK, sum = 0;

	if (r < 0)
		r += WEEK, weeks--;
	for (int i = 0; i < h->n && h->w[i].a < r; i++)
		sum += (h->w[i].b < r ? h->w[i].b : r) - h->w[i].a;
	return weeks * h->week + sum;
}

long long cmdb__sla_hours_in(const cmdb__sla_hours *h, long long a, long long b)
{
	return b > a ? upto(h, b) - upto(h, a) : 0;
}
