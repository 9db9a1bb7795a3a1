/* The find expression language: parsing, error columns, and value/path matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query/expr.h"
#include "gitcmdb/query.h"

static cmdb_expr *parse_ok(const char *src)
{
	cmdb_expr *e = NULL;

	if (cmdb__expr_parse(&e, src) != 0)
		fail_msg("parse '%s': %s", src, cmdb_error_last());
	return e;
}

/* Parse must fail with CMDB_EINVALID and a message starting "expression:1:<col>:". */
static void parse_fails_at(const char *src, int column, const char *needle)
{
	cmdb_expr *e = (cmdb_expr *)0x1;
	char prefix[64];

	assert_int_equal(cmdb__expr_parse(&e, src), CMDB_EINVALID);
	assert_null(e);
	snprintf(prefix, sizeof(prefix), "expression:1:%d:", column);
	if (strncmp(cmdb_error_last(), prefix, strlen(prefix)) != 0 ||
		!strstr(cmdb_error_last(), needle))
		fail_msg("'%s': got '%s', want prefix '%s' and '%s'", src, cmdb_error_last(),
			prefix, needle);
}

static void test_expr__parses_terms_and_operators(void **state)
{
	cmdb_expr *e =
		parse_ok("attributes.packages.openssl.version<3.0.13, attributes.os.id = debian"
			 " and annotations.owner~^team- AND x!=1,y<=2,z>=3,w>4,v!~a|b,u==5,t");

	(void)state;
	assert_int_equal(e->count, 10);
	assert_string_equal(e->terms[0].path, "attributes.packages.openssl.version");
	assert_int_equal(e->terms[0].op, CMDB_OP_LT);
	assert_string_equal(e->terms[0].value, "3.0.13");
	assert_int_equal(e->terms[0].column, 1);
	assert_string_equal(e->terms[1].path, "attributes.os.id");
	assert_int_equal(e->terms[1].op, CMDB_OP_EQ);
	assert_string_equal(e->terms[1].value, "debian");
	assert_int_equal(e->terms[2].op, CMDB_OP_RE);
	assert_string_equal(e->terms[2].value, "^team-");
	assert_int_equal(e->terms[3].op, CMDB_OP_NE);
	assert_true(e->terms[3].value_is_num);
	assert_int_equal(e->terms[4].op, CMDB_OP_LE);
	assert_int_equal(e->terms[5].op, CMDB_OP_GE);
	assert_int_equal(e->terms[6].op, CMDB_OP_GT);
	assert_int_equal(e->terms[7].op, CMDB_OP_NRE);
	assert_string_equal(e->terms[7].value, "a|b");
	assert_int_equal(e->terms[8].op, CMDB_OP_EQ);
	assert_int_equal(e->terms[9].op, CMDB_OP_EXISTS);
	assert_null(e->terms[9].value);
	assert_string_equal(e->terms[9].path, "t");
	cmdb__expr_free(e);
}

static void test_expr__values_quoted_and_with_spaces(void **state)
{
	cmdb_expr *e =
		parse_ok("attributes.os.name=Debian GNU/Linux  , annotations.note='a, b and c',"
			 "x=\"say \\\"hi\\\"\"");

	(void)state;
	assert_int_equal(e->count, 3);
	assert_string_equal(e->terms[0].value, "Debian GNU/Linux");
	assert_string_equal(e->terms[1].value, "a, b and c");
	assert_string_equal(e->terms[2].value, "say \"hi\"");
	cmdb__expr_free(e);
	/* "and" inside a word is not a separator */
	e = parse_ok("annotations.team=sandbox, x=band");
	assert_int_equal(e->count, 2);
	assert_string_equal(e->terms[0].value, "sandbox");
	assert_string_equal(e->terms[1].value, "band");
	cmdb__expr_free(e);
}

static void test_expr__errors_name_the_column(void **state)
{
	(void)state;
	parse_fails_at("", 1, "empty expression");
	parse_fails_at("   ", 4, "empty expression");
	parse_fails_at("=3", 1, "expected an attribute path");
	parse_fails_at("attributes.os.id debian", 18, "expected an operator");
	parse_fails_at("a.b<", 5, "expected a value");
	parse_fails_at("a.b=1,", 7, "expected a term");
	parse_fails_at("a.b=1 and ", 11, "expected a term");
	parse_fails_at("a.b=1,,c=2", 7, "expected an attribute path");
	parse_fails_at("a.b<<3", 5, "unexpected '<'");
	parse_fails_at("a.b=>3", 5, "unexpected '>'");
	parse_fails_at("a.b='open", 5, "unterminated");
	parse_fails_at("a.b=\"x\" y", 9, "expected ',' or 'and'");
	parse_fails_at("annotations.owner~(team", 19, "bad regular expression");
	parse_fails_at("a.b=x\ny", 6, "control character");
}

static void test_expr__limits(void **state)
{
	char big[CMDB_EXPR_MAX_LEN + 8];
	char many[CMDB_EXPR_MAX_TERMS * 4 + 16] = "";
	cmdb_expr *e = NULL;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cmdb__expr_parse(&e, big), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "longer than"));
	for (int i = 0; i <= CMDB_EXPR_MAX_TERMS; i++)
		strcat(many, i ? ",a=1" : "a=1");
	assert_int_equal(cmdb__expr_parse(&e, many), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "more than"));
	assert_null(e);
}

static void test_expr__path_wildcards(void **state)
{
	cmdb_expr *e = parse_ok("attributes.packages.*.version<1, attributes.os.id, a*b*c");

	(void)state;
	assert_true(e->terms[0].wildcard);
	assert_int_equal(e->terms[0].prefix_len, strlen("attributes.packages."));
	assert_true(cmdb__expr_path_match(&e->terms[0], "attributes.packages.openssl.version"));
	/* package names may hold dots: '*' spans them */
	assert_true(cmdb__expr_path_match(&e->terms[0], "attributes.packages.libssl1.1.version"));
	assert_false(cmdb__expr_path_match(&e->terms[0], "attributes.packages.openssl.arch"));
	assert_false(cmdb__expr_path_match(&e->terms[0], "attributes.os.version"));
	assert_false(e->terms[1].wildcard);
	assert_true(cmdb__expr_path_match(&e->terms[1], "attributes.os.id"));
	assert_false(cmdb__expr_path_match(&e->terms[1], "attributes.os.idx"));
	assert_true(cmdb__expr_path_match(&e->terms[2], "abc"));
	assert_true(cmdb__expr_path_match(&e->terms[2], "a.b.b.c"));
	assert_false(cmdb__expr_path_match(&e->terms[2], "a.b.c.d"));
	cmdb__expr_free(e);
}

static int m(const char *expr, const char *value, const char *vtype, cmdb_version_scheme s)
{
	cmdb_expr *e = parse_ok(expr);
	int hit = cmdb__expr_value_match(&e->terms[0], value, vtype, s);

	cmdb__expr_free(e);
	return hit;
}

static void test_expr__versions_compare_as_versions(void **state)
{
	const cmdb_version_scheme D = CMDB_VERSION_DPKG, R = CMDB_VERSION_RPM;

	(void)state;
	assert_true(m("p<3.0.13", "3.0.11-1~deb12u2", "string", D));
	assert_false(m("p<3.0.13", "3.0.13-1~deb12u1", "string", D)); /* 3.0.13-x > 3.0.13 */
	assert_true(m("p<3.0.13-1", "3.0.13-1~deb12u1", "string", D)); /* '~' sorts first */
	assert_true(m("p>=1.0.2k-19.el7", "1.0.2k-21.el7", "string", R));
	assert_true(m("p<2.0", "1:1.0", "string", D) == 0); /* epoch wins */
	assert_true(m("p>9", "10", "string", D)); /* not byte order */
	assert_true(m("name<web10", "web9", "string", D));
	assert_true(m("p<=1.0", "1.00", "string", D));
	assert_true(m("p>1.0", "1.0^git1", "string", R));
}

static void test_expr__numbers_equality_regex(void **state)
{
	const cmdb_version_scheme D = CMDB_VERSION_DPKG;

	(void)state;
	assert_true(m("cpus>=4", "8", "int", D));
	assert_true(m("cpus=4", "4", "int", D));
	assert_true(m("mem=4", "4.0", "real", D)); /* numbers compare as numbers */
	assert_false(m("ver=4", "4.0", "string", D)); /* strings do not */
	assert_true(m("mem<10.5", "9.75", "real", D));
	assert_true(m("mem>3.5", "3.10", "string", D)); /* versions: 3.10 > 3.5 */
	assert_false(m("mem>3.5", "3.10", "real", D)); /* numbers: 3.10 < 3.5 */
	assert_true(m("os=debian", "debian", "string", D));
	assert_false(m("os=debian", "Debian", "string", D));
	assert_true(m("os!=debian", "ubuntu", "string", D));
	assert_false(m("os!=debian", "debian", "string", D));
	assert_true(m("owner~^team-", "team-web", "string", D));
	assert_false(m("owner~^team-", "ops-team-web", "string", D));
	assert_true(m("owner!~^team-", "ops", "string", D));
	assert_true(m("x", "whatever", "string", D));
	assert_true(m("flag=true", "true", "bool", D));
	/* nulls: equal to "null" only, never ordered */
	assert_true(m("x=null", NULL, "null", D));
	assert_false(m("x<1", NULL, "null", D));
	assert_true(m("x!=1", NULL, "null", D));
}

static void test_expr__lists_match_any_element(void **state)
{
	const cmdb_version_scheme D = CMDB_VERSION_DPKG;
	const char *addrs = "[\"10.0.0.11/24\", \"fe80::1/64\"]";

	(void)state;
	assert_true(m("a=10.0.0.11/24", addrs, "list", D));
	assert_false(m("a=10.0.0.12/24", addrs, "list", D));
	assert_true(m("a~^fe80:", addrs, "list", D));
	assert_false(m("a!=10.0.0.11/24", addrs, "list", D)); /* != means: no element equals */
	assert_true(m("a!=10.0.0.12/24", addrs, "list", D));
	assert_true(m("ports>1000", "[22, 8080]", "list", D));
	assert_false(m("ports>10000", "[22, 8080]", "list", D));
	assert_false(m("a=x", "[]", "list", D));
	assert_true(m("a=[oops", "[oops", "list", D)); /* not JSON: compared as text */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr__parses_terms_and_operators),
		cmocka_unit_test(test_expr__values_quoted_and_with_spaces),
		cmocka_unit_test(test_expr__errors_name_the_column),
		cmocka_unit_test(test_expr__limits),
		cmocka_unit_test(test_expr__path_wildcards),
		cmocka_unit_test(test_expr__versions_compare_as_versions),
		cmocka_unit_test(test_expr__numbers_equality_regex),
		cmocka_unit_test(test_expr__lists_match_any_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
