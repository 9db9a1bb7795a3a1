/* Package version ordering: dpkg against the real dpkg tool, rpm against rpm's own test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/query.h"
#include "testutil.h"

typedef struct {
	const char *a, *b;
	int want;
} vcase;

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void check_cases(const vcase *cases, size_t n, cmdb_version_scheme scheme)
{
	for (size_t i = 0; i < n; i++) {
		int got = sign(cmdb_version_cmp(cases[i].a, cases[i].b, scheme));

		if (got != cases[i].want)
			fail_msg("%s cmp(%s, %s) = %d, want %d",
				scheme == CMDB_VERSION_RPM ? "rpm" : "dpkg", cases[i].a, cases[i].b,
				got, cases[i].want);
	}
}

static void test_version__dpkg_rules(void **state)
{
	static const vcase cases[] = {
		{"1.0", "1.0", 0}, {"1.0", "1.00", 0}, /* digit runs compare as numbers */
		{"1.9", "1.10", -1}, {"1.0~rc1", "1.0", -1}, /* '~' sorts before the end */
		{"1.0~~", "1.0~", -1}, {"1.0~rc1", "1.0~rc2", -1}, {"1.0", "1.0+deb1", -1},
		{"1.0a", "1.0.1", -1}, /* letters before non-letters */
		{"1:1.0", "2.0", 1}, /* epoch first */
		{"0:2.0", "2.0", 0}, /* missing epoch = 0 */
		{"3.0.13-1~deb12u1", "3.0.13-1", -1}, {"3.0.11-1~deb12u2", "3.0.13-1~deb12u1", -1},
		{"3.0.13", "3.0.13-1", -1}, /* empty revision sorts first */
		{"1.2-3-4", "1.2-3-5", -1}, /* revision after the last '-' */
		{"99999999999999999999999", "99999999999999999999998", 1}, /* no overflow */
		{"", "0", 0}, {"", "~", 1},
		{"a:1", "b:1", -1}, /* non-numeric "epoch" is just upstream text */
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]), CMDB_VERSION_DPKG);
}

static void test_version__rpm_vectors(void **state)
{
	/* From rpm's tests/rpmvercmp.at. */
	static const vcase cases[] = {
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0", "1.0", 1}, {"2.0.1", "2.0.1", 0},
		{"2.0", "2.0.1", -1}, {"2.0.1", "2.0", 1}, {"2.0.1a", "2.0.1a", 0},
		{"2.0.1a", "2.0.1", 1}, {"2.0.1", "2.0.1a", -1}, {"5.5p1", "5.5p1", 0},
		{"5.5p1", "5.5p2", -1}, {"5.5p2", "5.5p1", 1}, {"5.5p10", "5.5p10", 0},
		{"5.5p1", "5.5p10", -1}, {"5.5p10", "5.5p1", 1}, {"10xyz", "10.1xyz", -1},
		{"10.1xyz", "10xyz", 1}, {"xyz10", "xyz10", 0}, {"xyz10", "xyz10.1", -1},
		{"xyz10.1", "xyz10", 1}, {"xyz.4", "xyz.4", 0}, {"xyz.4", "8", -1},
		{"8", "xyz.4", 1}, {"xyz.4", "2", -1}, {"2", "xyz.4", 1}, {"5.5p2", "5.6p1", -1},
		{"5.6p1", "5.5p2", 1}, {"5.6p1", "6.5p1", -1}, {"6.5p1", "5.6p1", 1},
		{"6.0.rc1", "6.0", 1}, {"6.0", "6.0.rc1", -1}, {"10b2", "10a1", 1},
		{"10a2", "10b2", -1}, {"1.0aa", "1.0aa", 0}, {"1.0a", "1.0aa", -1},
		{"1.0aa", "1.0a", 1}, {"10.0001", "10.0001", 0}, {"10.0001", "10.1", 0},
		{"10.1", "10.0001", 0}, {"10.0001", "10.0039", -1}, {"10.0039", "10.0001", 1},
		{"4.999.9", "5.0", -1}, {"5.0", "4.999.9", 1}, {"20101121", "20101121", 0},
		{"20101121", "20101122", -1}, {"20101122", "20101121", 1}, {"2_0", "2_0", 0},
		{"2.0", "2_0", 0}, {"2_0", "2.0", 0}, {"a", "a", 0}, {"a+", "a+", 0},
		{"a+", "a_", 0}, {"a_", "a+", 0}, {"+a", "+a", 0}, {"+a", "_a", 0}, {"_a", "+a", 0},
		{"+_", "+_", 0}, {"_+", "+_", 0}, {"_+", "_", 0}, {"+", "_", 0}, {"_", "+", 0},
		{"1.0~rc1", "1.0~rc1", 0}, {"1.0~rc1", "1.0", -1}, {"1.0", "1.0~rc1", 1},
		{"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc2", "1.0~rc1", 1},
		{"1.0~rc1~git123", "1.0~rc1~git123", 0}, {"1.0~rc1~git123", "1.0~rc1", -1},
		{"1.0~rc1", "1.0~rc1~git123", 1}, {"1.0^", "1.0^", 0}, {"1.0^", "1.0", 1},
		{"1.0", "1.0^", -1}, {"1.0^git1", "1.0^git1", 0}, {"1.0^git1", "1.0", 1},
		{"1.0", "1.0^git1", -1}, {"1.0^git1", "1.0^git2", -1}, {"1.0^git2", "1.0^git1", 1},
		{"1.0^git1", "1.01", -1}, {"1.01", "1.0^git1", 1},
		{"1.0^20160101", "1.0^20160101", 0}, {"1.0^20160101", "1.0.1", -1},
		{"1.0.1", "1.0^20160101", 1}, {"1.0^20160101^git1", "1.0^20160101^git1", 0},
		{"1.0^20160102", "1.0^20160101^git1", 1}, {"1.0^20160101^git1", "1.0^20160102", -1},
		{"1.0~rc1^git1", "1.0~rc1^git1", 0}, {"1.0~rc1^git1", "1.0~rc1", 1},
		{"1.0~rc1", "1.0~rc1^git1", -1}, {"1.0^git1~pre", "1.0^git1~pre", 0},
		{"1.0^git1", "1.0^git1~pre", 1}, {"1.0^git1~pre", "1.0^git1", -1},
		/* epoch:version-release on top of rpmvercmp */
		{"1:3.82-24.el7", "3.99-1.el7", 1}, {"1.0.2k-19.el7", "1.0.2k-21.el7", -1},
		{"1.0.2k-19.el7", "1.0.2k", 0}, /* release compared only when both have one */
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]), CMDB_VERSION_RPM);
}

/* Every version pair from a real Ubuntu package list, against `dpkg --compare-versions`. */
static void test_version__dpkg_agrees_with_dpkg_tool(void **state)
{
	char *data, *script = NULL, *out = NULL, *line, *save = NULL;
	char *versions[700];
	size_t n = 0, len = 0;
	FILE *f;
	char *dir;

	(void)state;
	if (tu_sh(NULL, "command -v dpkg >/dev/null") != 0)
		skip();
	dir = tu_tempdir("version");
	data = tu_read_file(CMDB_SOURCE_DIR "/bench/data/dpkg-packages.tsv", NULL);
	assert_non_null(data);
	for (line = strtok_r(data, "\n", &save); line && n < 700;
		line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (tab)
			versions[n++] = tab + 1;
	}
	assert_true(n > 500);
	/* Neighbouring pairs plus a few tilde edge cases; dpkg decides each one. */
	assert_true(asprintf(&script, "%s/pairs", dir) > 0);
	f = fopen(script, "w");
	assert_non_null(f);
	for (size_t i = 0; i + 7 < n; i += 9)
		fprintf(f, "%s %s\n%s %s\n", versions[i], versions[i + 1], versions[i],
			versions[i + 7]);
	fprintf(f, "1.0~rc1 1.0\n1:0.1 9.9\n2.0-1~bpo1 2.0-1\n");
	fclose(f);
	assert_int_equal(
		tu_sh(&out,
			"while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; "
			"then echo \"$a $b -1\"; elif dpkg --compare-versions \"$a\" eq \"$b\"; "
			"then echo \"$a $b 0\"; else echo \"$a $b 1\"; fi; done < '%s'",
			script),
		0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), len++) {
		char a[256], b[256];
		int want;

		assert_int_equal(sscanf(line, "%255s %255s %d", a, b, &want), 3);
		if (sign(cmdb_version_cmp(a, b, CMDB_VERSION_DPKG)) != want)
			fail_msg("dpkg says %s vs %s = %d, we say %d", a, b, want,
				sign(cmdb_version_cmp(a, b, CMDB_VERSION_DPKG)));
	}
	assert_true(len > 120);
	free(out);
	free(script);
	free(data);
	tu_rmrf(dir);
	free(dir);
}

/* Antisymmetry and transitivity over every real rpm version (a total preorder). */
static void test_version__rpm_is_a_total_order_on_real_versions(void **state)
{
	char *data = tu_read_file(CMDB_SOURCE_DIR "/bench/data/rpm-packages.tsv", NULL);
	char *v[500], *line, *save = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(data);
	for (line = strtok_r(data, "\n", &save); line && n < 500;
		line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (tab)
			v[n++] = tab + 1;
	}
	assert_true(n > 400);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j += 7) {
			int ab = sign(cmdb_version_cmp(v[i], v[j], CMDB_VERSION_RPM));
			int ba = sign(cmdb_version_cmp(v[j], v[i], CMDB_VERSION_RPM));

			assert_int_equal(ab, -ba);
			for (size_t k = 0; k < n; k += 61) {
				int bc = sign(cmdb_version_cmp(v[j], v[k], CMDB_VERSION_RPM));
				int ac = sign(cmdb_version_cmp(v[i], v[k], CMDB_VERSION_RPM));

				if (ab <= 0 && bc <= 0 && ac > 0)
					fail_msg("not transitive: %s <= %s <= %s but %s > %s", v[i],
						v[j], v[k], v[i], v[k]);
			}
		}
	free(data);
}

static void test_version__scheme_for_os(void **state)
{
	(void)state;
	assert_int_equal(cmdb_version_scheme_for_os("debian"), CMDB_VERSION_DPKG);
	assert_int_equal(cmdb_version_scheme_for_os("ubuntu"), CMDB_VERSION_DPKG);
	assert_int_equal(cmdb_version_scheme_for_os(NULL), CMDB_VERSION_DPKG);
	assert_int_equal(cmdb_version_scheme_for_os("alpine"), CMDB_VERSION_DPKG);
	assert_int_equal(cmdb_version_scheme_for_os("rhel"), CMDB_VERSION_RPM);
	assert_int_equal(cmdb_version_scheme_for_os("centos"), CMDB_VERSION_RPM);
	assert_int_equal(cmdb_version_scheme_for_os("rocky"), CMDB_VERSION_RPM);
	assert_int_equal(cmdb_version_scheme_for_os("almalinux"), CMDB_VERSION_RPM);
	assert_int_equal(cmdb_version_scheme_for_os("opensuse-leap"), CMDB_VERSION_RPM);
	/* the two schemes really differ: rpm ignores separators, dpkg does not */
	assert_int_equal(sign(cmdb_version_cmp("2_0", "2.0", CMDB_VERSION_RPM)), 0);
	assert_int_not_equal(sign(cmdb_version_cmp("2_0", "2.0", CMDB_VERSION_DPKG)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version__dpkg_rules),
		cmocka_unit_test(test_version__rpm_vectors),
		cmocka_unit_test(test_version__dpkg_agrees_with_dpkg_tool),
		cmocka_unit_test(test_version__rpm_is_a_total_order_on_real_versions),
		cmocka_unit_test(test_version__scheme_for_os),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
