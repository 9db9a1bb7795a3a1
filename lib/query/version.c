/*
 * Package version ordering: dpkg (deb-version(7), lib/dpkg/version.c verrevcmp)
 * and rpm (rpmvercmp + epoch:version-release). Comparators never fail: a string
 * that is not a well-formed version still gets a total, deterministic order, so a
 * query over scanned data never errors because one package has an odd version.
 */
#include <string.h>
#include <strings.h>

#include "gitcmdb/query.h"

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A slice of a version string (no NUL inside the range needed). */
typedef struct {
	const char *p;
	const char *end;
} span;

static int at(const span *s)
{
	return s->p < s->end ? (unsigned char)*s->p : 0;
}

/* Compare two digit runs numerically without overflow (leading zeros ignored). */
static int digits_cmp(span *a, span *b)
{
	const char *as, *bs;
	size_t al, bl;
	int c;

	while (at(a) == '0')
		a->p++;
	while (at(b) == '0')
		b->p++;
	as = a->p;
	bs = b->p;
	while (is_digit(at(a)))
		a->p++;
	while (is_digit(at(b)))
		b->p++;
	al = (size_t)(a->p - as);
	bl = (size_t)(b->p - bs);
	if (al != bl)
		return al < bl ? -1 : 1;
	c = memcmp(as, bs, al);
	return c < 0 ? -1 : c > 0;
}

/* dpkg's weight of a non-digit character: '~' lowest, end/digit 0, letters, then the rest. */
static int dpkg_order(int c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int dpkg_verrevcmp(span a, span b)
{
	while (at(&a) || at(&b)) {
		int d;

		while ((at(&a) && !is_digit(at(&a))) || (at(&b) && !is_digit(at(&b)))) {
			int ac = dpkg_order(at(&a)), bc = dpkg_order(at(&b));

			if (ac != bc)
				return ac < bc ? -1 : 1;
			a.p++;
			b.p++;
		}
		if ((d = digits_cmp(&a, &b)) != 0)
			return d;
	}
	return 0;
}

/*
 * Split "epoch:upstream-revision". The epoch is the digits before the first ':'
 * (a non-numeric prefix is not an epoch: the whole string is upstream then); the
 * revision follows the last '-'.
 */
static void split_evr(const char *v, span *epoch, span *up, span *rev)
{
	const char *colon = strchr(v, ':'), *end = v + strlen(v), *dash;
	const char *q;

	epoch->p = epoch->end = v;
	up->p = v;
	if (colon && colon > v) {
		for (q = v; q < colon && is_digit(*q); q++)
			;
		if (q == colon) {
			epoch->end = colon;
			up->p = colon + 1;
		}
	}
	dash = NULL;
	for (q = up->p; q < end; q++)
		if (*q == '-')
			dash = q;
	if (dash) {
		up->end = dash;
		rev->p = dash + 1;
		rev->end = end;
	} else {
		up->end = end;
		rev->p = rev->end = end;
	}
}

/* rpmvercmp: alphanumeric segments, separators ignored, digits newer than letters. */
static int rpm_vercmp(span one, span two)
{
	while (at(&one) || at(&two)) {
		span s1, s2;
		int isnum, c;
		size_t l1, l2;

		while (at(&one) && !is_alpha(at(&one)) && !is_digit(at(&one)) && at(&one) != '~' &&
			at(&one) != '^')
			one.p++;
		while (at(&two) && !is_alpha(at(&two)) && !is_digit(at(&two)) && at(&two) != '~' &&
			at(&two) != '^')
			two.p++;
		if (at(&one) == '~' || at(&two) == '~') {
			if (at(&one) != '~')
				return 1;
			if (at(&two) != '~')
				return -1;
			one.p++;
			two.p++;
			continue;
		}
		/* '^' sorts after the base version but before any other continuation. */
		if (at(&one) == '^' || at(&two) == '^') {
			if (!at(&one))
				return -1;
			if (!at(&two))
				return 1;
			if (at(&one) != '^')
				return 1;
			if (at(&two) != '^')
				return -1;
			one.p++;
			two.p++;
			continue;
		}
		if (!at(&one) || !at(&two))
			break;
		isnum = is_digit(at(&one));
		if (isnum) {
			if (!is_digit(at(&two)))
				return 1; /* numeric segments are newer than alphabetic ones */
			if ((c = digits_cmp(&one, &two)) != 0)
				return c;
			continue;
		}
		if (!is_alpha(at(&two)))
			return -1;
		s1 = one;
		s2 = two;
		while (is_alpha(at(&one)))
			one.p++;
		while (is_alpha(at(&two)))
			two.p++;
		l1 = (size_t)(one.p - s1.p);
		l2 = (size_t)(two.p - s2.p);
		c = memcmp(s1.p, s2.p, l1 < l2 ? l1 : l2);
		if (c)
			return c < 0 ? -1 : 1;
		if (l1 != l2)
			return l1 < l2 ? -1 : 1;
	}
	if (!at(&one) && !at(&two))
		return 0;
	return at(&one) ? 1 : -1;
}

/*
 * epoch:upstream-release compared part by part with the scheme's comparator; rpm
 * compares releases only when both sides have one, dpkg always.
 */
static int evr_cmp(const char *a, const char *b, int (*cmp)(span, span), int rpm)
{
	span ea, ua, ra, eb, ub, rb;
	int c;

	split_evr(a, &ea, &ua, &ra);
	split_evr(b, &eb, &ub, &rb);
	if ((c = digits_cmp(&ea, &eb)) != 0)
		return c;
	if ((c = cmp(ua, ub)) != 0)
		return c;
	if (rpm && (ra.p == ra.end || rb.p == rb.end))
		return 0;
	return cmp(ra, rb);
}

int cmdb_version_cmp(const char *a, const char *b, cmdb_version_scheme scheme)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return scheme == CMDB_VERSION_RPM ? evr_cmp(a, b, rpm_vercmp, 1)
					  : evr_cmp(a, b, dpkg_verrevcmp, 0);
}

cmdb_version_scheme cmdb_version_scheme_for_os(const char *os_id)
{
	static const char *const rpm_ids[] = {"rhel", "centos", "fedora", "rocky", "almalinux",
		"ol", "amzn", "sles", "sled", "opensuse", "opensuse-leap", "opensuse-tumbleweed",
		"mageia", "openmandriva", "scientific", "cloudlinux", "eurolinux", "photon", NULL};

	if (!os_id)
		return CMDB_VERSION_DPKG;
	for (const char *const *p = rpm_ids; *p; p++)
		if (strcasecmp(os_id, *p) == 0)
			return CMDB_VERSION_RPM;
	return CMDB_VERSION_DPKG;
}
