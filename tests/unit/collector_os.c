/*
 * Unit tests of the os collector (collectors/os.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * os-release of each distribution, kernel, names.
 */
#include "collect_testlib.h"

static json_t *os_from(const char *fixture, const char *extra)
{
	sb b = {0};
	json_t *facts;

	block_fixture(&b, "os-release", fixture);
	if (extra)
		sb_str(&b, extra);
	facts = parse_section("os", &b);
	free(b.p);
	return facts;
}

static void test_collector_os__release_of_each_distribution(void **state)
{
	static const struct {
		const char *fixture, *id, *version, *name;
	} cases[] = {
		{"os/ubuntu-24.04.3__os-release.txt", "ubuntu", "24.04", "Ubuntu"},
		{"os/rocky-9.3__os-release.txt", "rocky", "9.3", "Rocky Linux"},
		{"os/debian-10__os-release.txt", "debian", "10", "Debian GNU/Linux"},
		{"os/alpine-3.23.2__os-release.txt", "alpine", "3.23.2", "Alpine Linux"},
		{"os/rhel-8.6__os-release-with-comments.txt", "rhel", "8.6",
			"Red Hat Enterprise Linux"},
		{"os/oracle-linux-7.2__os-release.txt", "ol", "7.2", "Oracle Linux Server"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *facts = os_from(cases[i].fixture, NULL);

		assert_int_equal(n_errors(facts), 0);
		assert_str(facts, "os/id", cases[i].id);
		assert_str(facts, "os/version", cases[i].version);
		assert_str(facts, "os/name", cases[i].name);
		/* A version is a string, never a number. */
		assert_true(
			json_is_string(json_object_get(json_object_get(facts, "os"), "version")));
		json_decref(facts);
	}
}

static void test_collector_os__without_version_and_with_names(void **state)
{
	json_t *facts = os_from("os/debian-12-bookworm-sid__os-release.txt",
		"%% kernel\n6.1.0-18-amd64\n%% arch\nx86_64\n%% hostname\nweb01\n%% "
		"fqdn\nweb01.example.org\n"
		"%% timezone\n/usr/share/zoneinfo/Europe/Berlin\n");

	(void)state;
	assert_str(facts, "os/id", "debian");
	assert_null(str_at(facts, "os/version"));
	assert_str(facts, "os/kernel", "6.1.0-18-amd64");
	assert_str(facts, "os/arch", "x86_64");
	assert_str(facts, "os/hostname", "web01");
	assert_str(facts, "os/fqdn", "web01.example.org");
	assert_str(facts, "os/timezone", "Europe/Berlin");
	json_decref(facts);
	/* hostname -f answering a bare name says nothing about a domain. */
	facts = os_from(
		"os/rocky-9.3__os-release.txt", "%% fqdn\nlocalhost\n%% timezone\nEtc/UTC\n");
	assert_null(str_at(facts, "os/fqdn"));
	assert_str(facts, "os/timezone", "Etc/UTC");
	json_decref(facts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_os__release_of_each_distribution),
		cmocka_unit_test(test_collector_os__without_version_and_with_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
