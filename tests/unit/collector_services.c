/*
 * Unit tests of the services collector (collectors/services.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * systemd, OpenRC, none.
 */
#include "collect_testlib.h"

static void test_collector_services__systemd_show_and_owners(void **state)
{
	sb b = {0};
	json_t *facts, *units;

	(void)state;
	block_text(&b, "systemd-units", "cron.service\ncontainerd.service\n");
	block_fixture(&b, "systemd-show", "services/derived__systemctl-show.txt");
	block_fixture(&b, "dpkg-owner", "services/derived__dpkg-query-S.txt");
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	units = json_object_get(json_object_get(facts, "services"), "units");
	assert_int_equal(json_object_size(units), 7);
	assert_str(facts, "services/manager", "systemd");
	assert_str(json_object_get(units, "cron.service"), "state", "active");
	assert_str(json_object_get(units, "cron.service"), "enabled", "enabled");
	/* Only argv: start_time and pid in ExecStart would change on every restart. */
	assert_str(json_object_get(units, "cron.service"), "exec", "/usr/sbin/cron -f $EXTRA_OPTS");
	assert_str(json_object_get(units, "cron.service"), "package", "cron");
	assert_str(json_object_get(units, "containerd.service"), "package", "containerd.io");
	assert_str(json_object_get(units, "getty@tty1.service"), "package", "util-linux");
	assert_str(json_object_get(units, "getty@tty2.service"), "package",
		"util-linux"); /* same template */
	assert_str(json_object_get(units, "docker.service"), "package", "docker-ce");
	assert_str(json_object_get(units, "apt-daily.service"), "enabled", "static");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(units, "cron.service"), "main_pid")),
		1134);
	assert_null(json_object_get(json_object_get(units, "docker.service"), "main_pid"));
	json_decref(facts);
	free(b.p);
}

static void test_collector_services__openrc_runlevels(void **state)
{
	sb b = {0};
	json_t *facts, *units;

	(void)state;
	block_fixture(&b, "openrc", "services/openrc-unknown__rc-status-default.txt");
	sb_str(&b,
		"Dynamic Runlevel: hotplugged\nDynamic Runlevel: manual\n"
		" local                                         [  stopped  ]\n");
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	units = json_object_get(json_object_get(facts, "services"), "units");
	assert_str(facts, "services/manager", "openrc");
	assert_str(json_object_get(units, "sshd"), "state", "active");
	assert_str(json_object_get(units, "sshd"), "enabled", "enabled");
	assert_str(json_object_get(units, "virtualbox-guest-additions"), "state", "failed");
	assert_str(json_object_get(units, "local"), "state", "inactive");
	assert_str(json_object_get(units, "local"), "enabled", "disabled");
	json_decref(facts);
	free(b.p);
}

static void test_collector_services__no_service_manager_is_not_an_error(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_int_equal(
		json_object_size(json_object_get(json_object_get(facts, "services"), "units")), 0);
	json_decref(facts);
	block_text(&b, "mystery", "x\n");
	facts = parse_section("services", &b);
	assert_str(facts, "errors/0/section", "services");
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_services__systemd_show_and_owners),
		cmocka_unit_test(test_collector_services__openrc_runlevels),
		cmocka_unit_test(test_collector_services__no_service_manager_is_not_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
