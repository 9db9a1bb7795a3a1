/*
 * Unit tests of the packages collector (collectors/packages.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * dpkg, rpm, apk, names that are not UTF-8.
 */
#include "collect_testlib.h"

static json_t *find_pkg(const json_t *facts, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(json_object_get(facts, "packages"), "list"), i,
		p) if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) return p;
	return NULL;
}

static void test_collector_packages__dpkg_rpm_apk(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_fixture(&b, "dpkg", "packages/derived__dpkg-query-gitcmdb-format.txt");
	facts = parse_section("packages", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_str(find_pkg(facts, "apache2"), "version", "2.2.16-6+squeeze6");
	assert_str(find_pkg(facts, "apache2"), "arch", "amd64");
	assert_null(find_pkg(facts, "vlc-nox")); /* removed, config files left: not installed */
	assert_non_null(find_pkg(facts, "jcagent"));
	assert_str(facts, "packages/managers/0", "dpkg");
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "rpm", "packages/derived__rpm-qa-gitcmdb-format.txt");
	sb_str(&b, "bind-libs\t32\t9.16.23-14.el9\tx86_64\n");
	facts = parse_section("packages", &b);
	assert_str(find_pkg(facts, "gjs"), "version", "1.32.0-1.mga2");
	assert_str(find_pkg(facts, "libpciaccess0"), "arch", "i586");
	assert_str(find_pkg(facts, "bind-libs"), "version", "32:9.16.23-14.el9");
	assert_null(find_pkg(facts, "gpg-pubkey"));
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "apk", "packages/alpine-3.12__apk-db-installed-one-pkg.txt");
	sb_str(&b, "\n");
	block_fixture(&b, "apk-index", "packages/alpine-unknown__apkindex-excerpt.txt");
	facts = parse_section("packages", &b);
	assert_str(find_pkg(facts, "alpine-baselayout"), "version", "3.2.0-r6");
	assert_str(find_pkg(facts, "alpine-baselayout"), "arch", "x86_64");
	assert_str(facts, "packages/managers/0", "apk");
	json_decref(facts);
	free(b.p);
}

/*
 * Two names that differ only in bytes that are not UTF-8 used to collapse into
 * one ("??dup"), losing a package. Each such byte is now "\xHH", and a backslash
 * that would read as an escape is "\x5C", so every name stays its own.
 */
static void test_collector_packages__invalid_utf8_names_stay_distinct(void **state)
{
	static const char *const want[] = {"\\xFF\\xFEdup", "\\xFE\\xFFdup", "??dup", "\\x5CxFFdup",
		"a\\b", "\\x5Cx00x", NULL};
	sb b = {0};
	json_t *facts, *items, *files, *pk;

	(void)state;
	sb_str(&b, "%% dpkg\n");
	sb_str(&b,
		"ii \t\xff\xfe"
		"dup\t1\tamd64\n"
		"ii \t\xfe\xff"
		"dup\t2\tamd64\n"
		"ii \t??dup\t3\tamd64\n"
		"ii \t\\xFFdup\t4\tamd64\n"
		"ii \ta\\b\t5\tamd64\n"
		"ii \t\\x00x\t6\tamd64\n");
	facts = parse_section("packages", &b);
	assert_int_equal(n_errors(facts), 0);
	for (size_t i = 0; want[i]; i++)
		if (!find_pkg(facts, want[i]))
			fail_msg("package '%s' missing", want[i]);
	assert_int_equal(cmdb_collect_items(&items, &files, "h", facts, NULL), 0);
	pk = json_object_get(
		json_object_get(json_object_get(items, "host/h"), "attributes"), "packages");
	assert_int_equal(json_object_size(pk), 6);
	assert_str(json_object_get(pk, "\\xFF\\xFEdup"), "version", "1");
	assert_str(json_object_get(pk, "\\xFE\\xFFdup"), "version", "2");
	json_decref(items);
	json_decref(files);
	json_decref(facts);
	free(b.p);
}

static void test_collector_packages__garbage_is_an_error(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "dpkg", "this is not\ndpkg output at all\n");
	facts = parse_section("packages", &b);
	assert_null(json_object_get(facts, "packages"));
	assert_str(facts, "errors/0/section", "packages");
	assert_non_null(strstr(str_at(facts, "errors/1/message"), "no readable package list"));
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_packages__dpkg_rpm_apk),
		cmocka_unit_test(test_collector_packages__invalid_utf8_names_stay_distinct),
		cmocka_unit_test(test_collector_packages__garbage_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
