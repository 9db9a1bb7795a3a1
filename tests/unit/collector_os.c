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

/*
 * Every distribution of the fixtures: os.version is the point release as the
 * distribution states it (release files first), os.version_id what os-release says.
 */
static void test_collector_os__release_of_each_distribution(void **state)
{
	static const struct {
		const char *fixture, *label, *extra, *id, *version, *version_id, *name;
	} cases[] = {
		{"os/ubuntu-24.04.3__os-release.txt", NULL, NULL, "ubuntu", "24.04.3", "24.04",
			"Ubuntu"},
		{"os/ubuntu-24.04.3__os-release.txt", "lsb-release",
			"os/ubuntu-24.04.3__lsb-release.txt", "ubuntu", "24.04.3", "24.04",
			"Ubuntu"},
		{"os/ubuntu-20.04.2__os-release.txt", NULL, NULL, "ubuntu", "20.04.2", "20.04",
			"Ubuntu"},
		{"os/ubuntu-16.04__os-release.txt", NULL, NULL, "ubuntu", "16.04.1", "16.04",
			"Ubuntu"},
		{"os/rocky-9.3__os-release.txt", NULL, NULL, "rocky", "9.3", "9.3", "Rocky Linux"},
		{"os/rocky-8.4__os-release.txt", NULL, NULL, "rocky", "8.4", "8.4", "Rocky Linux"},
		{"os/debian-10__os-release.txt", NULL, NULL, "debian", "10", "10",
			"Debian GNU/Linux"},
		{"os/debian-11.2__os-release.txt", "debian_version",
			"os/debian-11.2__debian_version.txt", "debian", "11.2", "11",
			"Debian GNU/Linux"},
		{"os/debian-13.1__os-release.txt", NULL, NULL, "debian", "13.1", "13",
			"Debian GNU/Linux"},
		{"os/centos-7.9__os-release.txt", "redhat-release",
			"os/centos-7.9__centos-release.txt", "centos", "7.9.2009", "7",
			"CentOS Linux"},
		{"os/centos-7.9__os-release.txt", NULL, NULL, "centos", "7", "7", "CentOS Linux"},
		{"os/centos-stream-9__os-release.txt", NULL, NULL, "centos", "9", "9",
			"CentOS Stream"},
		{"os/rhel-9.6__os-release.txt", NULL, NULL, "rhel", "9.6", "9.6",
			"Red Hat Enterprise Linux"},
		{"os/almalinux-8.3-beta__os-release.txt", NULL, NULL, "almalinux", "8.3", "8.3",
			"AlmaLinux"},
		{"os/alpine-3.23.2__os-release.txt", NULL, NULL, "alpine", "3.23.2", "3.23.2",
			"Alpine Linux"},
		{"os/rhel-8.6__os-release-with-comments.txt", NULL, NULL, "rhel", "8.6", "8.6",
			"Red Hat Enterprise Linux"},
		{"os/oracle-linux-7.2__os-release.txt", NULL, NULL, "ol", "7.2", "7.2",
			"Oracle Linux Server"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb b = {0};
		json_t *facts;

		block_fixture(&b, "os-release", cases[i].fixture);
		if (cases[i].label)
			block_fixture(&b, cases[i].label, cases[i].extra);
		facts = parse_section("os", &b);
		free(b.p);
		assert_int_equal(n_errors(facts), 0);
		assert_str(facts, "os/id", cases[i].id);
		assert_str(facts, "os/version", cases[i].version);
		assert_str(facts, "os/version_id", cases[i].version_id);
		assert_str(facts, "os/name", cases[i].name);
		/* A version is a string, never a number. */
		assert_true(
			json_is_string(json_object_get(json_object_get(facts, "os"), "version")));
		json_decref(facts);
	}
}

/*
 * Release files as the shell reads them: Debian's point release, Alpine's, Rocky's;
 * a file that disagrees with VERSION_ID ("trixie/sid" on Ubuntu, another major) is not
 * taken.
 */
static void test_collector_os__release_files(void **state)
{
	static const struct {
		const char *fixture, *extra, *version;
	} cases[] = {
		{"os/debian-11.2__os-release.txt", "%% debian_version\n12.11\n", "11"},
		{"os/debian-11.2__os-release.txt", "%% debian_version\n11.11\n", "11.11"},
		{"os/debian-12-bookworm-sid__os-release.txt", "%% debian_version\nbookworm/sid\n",
			NULL},
		{"os/ubuntu-24.04.3__os-release.txt", "%% debian_version\ntrixie/sid\n", "24.04.3"},
		{"os/alpine-3.23.2__os-release.txt", "%% alpine-release\n3.23.2\n", "3.23.2"},
		{"os/rocky-9.3__os-release.txt",
			"%% redhat-release\nRocky Linux release 9.3 (Blue Onyx)\n", "9.3"},
		{"os/rhel-8.6__os-release-with-comments.txt",
			"%% redhat-release\nRed Hat Enterprise Linux release 8.10 (Ootpa)\n",
			"8.6"},
		{"os/ubuntu-16.04__os-release.txt",
			"%% lsb-release\nDISTRIB_DESCRIPTION=\"Ubuntu 16.04.7 LTS\"\n", "16.04.7"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *facts = os_from(cases[i].fixture, cases[i].extra);

		if (cases[i].version)
			assert_str(facts, "os/version", cases[i].version);
		else
			assert_null(str_at(facts, "os/version"));
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
		cmocka_unit_test(test_collector_os__release_files),
		cmocka_unit_test(test_collector_os__without_version_and_with_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
