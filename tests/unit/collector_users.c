/*
 * Unit tests of the users collector (collectors/users.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * never the password field.
 */
#include "collect_testlib.h"

static void test_collector_users__never_carry_the_password_field(void **state)
{
	sb b = {0};
	json_t *facts;
	char *dump;

	(void)state;
	block_fixture(&b, "passwd", "users/centos-7.7__passwd.txt");
	sb_str(&b, "mallory:$6$salt$hashhashhash:1001:1001:Mallory:/home/mallory:/bin/sh\n");
	block_fixture(&b, "group", "users/centos-7.7__group.txt");
	sb_str(&b, "admins:$1$grouppw:2000:mallory,root\n");
	facts = parse_section("users", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_int_equal(int_at(facts, "users/users/root/uid"), 0);
	assert_str(facts, "users/users/root/shell", "/bin/bash");
	assert_str(facts, "users/users/root/home", "/root");
	assert_str(facts, "users/users/mallory/groups/0", "admins");
	assert_null(str_at(facts, "users/users/mallory/groups/1"));
	assert_str(facts, "users/groups/wheel/members/0", "joeuser");
	dump = json_dumps(facts, 0);
	assert_null(strstr(dump, "$6$"));
	assert_null(strstr(dump, "$1$"));
	assert_null(strstr(dump, "\"x\""));
	assert_null(strstr(dump, "Mallory")); /* GECOS stays behind */
	free(dump);
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_users__never_carry_the_password_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
