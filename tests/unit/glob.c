/* The one glob matcher (lib/util/glob.c): find's paths and known_hosts patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/glob.h"

static void test_glob__cases(void **state)
{
	static const struct {
		const char *p, *s;
		unsigned flags;
		int want;
	} cases[] = {
		{"attributes.packages.*.version", "attributes.packages.openssl.version", 0, 1},
		{"attributes.*", "attributes.a.b.c", 0, 1}, /* dots included */
		{"*", "", 0, 1},
		{"", "", 0, 1},
		{"", "a", 0, 0},
		{"a*", "", 0, 0},
		{"**b", "aab", 0, 1},
		{"a*b*c", "axxbyyc", 0, 1},
		{"a*b*c", "axxbyy", 0, 0},
		{"a?c", "abc", 0, 0}, /* find: '?' is literal */
		{"a?c", "a?c", 0, 1},
		{"a?c", "abc", CMDB__GLOB_QUESTION, 1},
		{"?", "", CMDB__GLOB_QUESTION, 0},
		{"WEB*.Example.COM", "web01.example.com", CMDB__GLOB_NOCASE, 1},
		{"WEB*", "web01", 0, 0},
		{"[127.0.0.1]:22*", "[127.0.0.1]:2222", CMDB__GLOB_QUESTION, 1}, /* '[' literal */
		{"*.example.com", "example.com", CMDB__GLOB_QUESTION | CMDB__GLOB_NOCASE, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (cmdb__glob_match(cases[i].p, cases[i].s, cases[i].flags) != cases[i].want)
			fail_msg("'%s' ~ '%s' (flags %u): expected %d", cases[i].p, cases[i].s,
				cases[i].flags, cases[i].want);
}

/* "*a*a*a...b" against "aaaa...": a recursive matcher takes exponential time here. */
static void test_glob__no_blowup(void **state)
{
	char p[201], s[20001];

	(void)state;
	for (int i = 0; i < 200; i += 2)
		p[i] = '*', p[i + 1] = 'a';
	p[199] = 'b';
	p[200] = '\0';
	memset(s, 'a', 20000);
	s[20000] = '\0';
	assert_int_equal(cmdb__glob_match(p, s, 0), 0);
	s[19999] = 'b';
	assert_int_equal(cmdb__glob_match(p, s, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob__cases),
		cmocka_unit_test(test_glob__no_blowup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
