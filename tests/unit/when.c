/* WHEN parsing (dates, date-times, offsets, relative times) and the edit distance behind "did you
 * mean". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "index/index_int.h"
#include "util/time.h"

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

static long long parse_ok(const char *s)
{
	long long t = -1;

	if (cmdb__when_parse_time(&t, s, NOW) != 0)
		fail_msg("'%s' did not parse: %s", s, cmdb_error_last());
	return t;
}

static void test_when__dates_and_times(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01"), 0);
	assert_int_equal(parse_ok("2026-11-28"), 1795824000LL);
	assert_int_equal(parse_ok("2026-11-28T22:10:00Z"), 1795824000LL + 22 * 3600 + 600);
	assert_int_equal(parse_ok("2026-11-28T22:10"), 1795824000LL + 22 * 3600 + 600);
	assert_int_equal(parse_ok("2026-11-28 22:10:05"), 1795824000LL + 22 * 3600 + 605);
	assert_int_equal(parse_ok("2026-11-28T22:10:05.123Z"), 1795824000LL + 22 * 3600 + 605);
	assert_int_equal(parse_ok("2026-11-28T23:10:00+01:00"), 1795824000LL + 22 * 3600 + 600);
	assert_int_equal(parse_ok("2026-11-28T21:10:00-0100"), 1795824000LL + 22 * 3600 + 600);
	assert_int_equal(parse_ok("2026-11-29T00:10:00+02"), 1795824000LL + 22 * 3600 + 600);
	assert_int_equal(parse_ok("2024-02-29"), 1709164800LL); /* leap day */
	assert_int_equal(parse_ok("2000-03-01"), 951868800LL);
}

static void test_when__relative(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("3.days.ago"), NOW - 3 * 86400);
	assert_int_equal(parse_ok("@{3.days.ago}"), NOW - 3 * 86400);
	assert_int_equal(parse_ok("1 week ago"), NOW - 604800);
	assert_int_equal(parse_ok("2.hours.ago"), NOW - 7200);
	assert_int_equal(parse_ok("0.seconds.ago"), NOW);
}

static void test_when__malformed_dates(void **state)
{
	static const char *const bad[] = {"2026-13-01", "2026-02-30", "2025-02-29",
		"2026-11-28T24:00", "2026-11-28T22:60", "2026-11-28T22", "2026-1-5",
		"2026-11-28Tnoon", "2026-11-28T22:10:00+25:00", "2026-11-28T22:10:00 junk",
		"2026-11-28T22:10:00+01:0x", "2026-11-", NULL};
	long long t = 42;

	(void)state;
	for (const char *const *s = bad; *s; s++) {
		if (cmdb__when_parse_time(&t, *s, NOW) != CMDB_EINVALID)
			fail_msg("'%s' was accepted", *s);
		assert_non_null(strstr(cmdb_error_last(), *s));
	}
	assert_int_equal(t, 42);
}

static void test_when__not_a_time(void **state)
{
	static const char *const revs[] = {"main", "main~2", "HEAD", "2026Q4", "v1.0", "3.days",
		"days.ago", "x.days.ago", "3.fortnights.ago", "@{u}", "abc123",
		"99999999999999999.years.ago", "-3.days.ago", NULL};
	long long t = 42;

	(void)state;
	for (const char *const *s = revs; *s; s++)
		if (cmdb__when_parse_time(&t, *s, NOW) != 1)
			fail_msg("'%s' should be left to revision lookup", *s);
	assert_int_equal(t, 42);
}

static void test_when__format(void **state)
{
	char buf[32];

	(void)state;
	cmdb__time_format(buf, 1795824000LL + 22 * 3600 + 600);
	assert_string_equal(buf, "2026-11-28T22:10:00Z");
	cmdb__time_format(buf, 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	cmdb__time_format(buf, 1LL << 62); /* past any calendar gmtime can give */
	assert_string_equal(buf, "@4611686018427387904");
}

static void test_when__edit_distance(void **state)
{
	(void)state;
	assert_int_equal(cmdb__edit_distance("host/web01", "host/web01", 5), 0);
	assert_int_equal(cmdb__edit_distance("host/web1", "host/web01", 5), 1);
	assert_int_equal(cmdb__edit_distance("host/wbe01", "host/web01", 5), 2);
	assert_int_equal(cmdb__edit_distance("", "abc", 5), 3);
	assert_int_equal(cmdb__edit_distance("kitten", "sitting", 5), 3);
	assert_int_equal(cmdb__edit_distance("a", "zzzzzzzzzz", 3), 4); /* capped */
	assert_int_equal(cmdb__edit_distance("abcdefgh", "hgfedcba", 2), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_when__dates_and_times),
		cmocka_unit_test(test_when__relative),
		cmocka_unit_test(test_when__malformed_dates),
		cmocka_unit_test(test_when__not_a_time),
		cmocka_unit_test(test_when__format),
		cmocka_unit_test(test_when__edit_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
