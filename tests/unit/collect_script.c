/*
 * The assembled script: valid POSIX sh, settings honoured and checked, and run
 * for real on this machine (dash and bash --posix), its output parsed back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/collect.h"
#include "testutil.h"

static char *script_for(const char *settings_json)
{
	json_t *settings = settings_json ? json_loads(settings_json, 0, NULL) : NULL;
	char *script = NULL;

	assert_int_equal(cmdb_collect_script(&script, settings), 0);
	json_decref(settings);
	assert_non_null(script);
	return script;
}

/* Run script with shell in a temp dir; returns its stdout (malloc'd). */
static char *run_script(const char *shell, const char *script)
{
	char *dir = tu_tempdir("collect"), *path, *out = NULL;

	assert_true(asprintf(&path, "%s/script.sh", dir) > 0);
	assert_int_equal(tu_write_file(path, script, strlen(script)), 0);
	assert_int_equal(tu_sh(&out, "cd '%s' && %s '%s' </dev/null 2>/dev/null", dir, shell, path), 0);
	free(path);
	tu_rmrf(dir);
	free(dir);
	return out;
}

static void test_collect_script__is_valid_sh(void **state)
{
	char *script = script_for(NULL), *dir = tu_tempdir("collect"), *path;

	(void)state;
	assert_true(asprintf(&path, "%s/s.sh", dir) > 0);
	assert_int_equal(tu_write_file(path, script, strlen(script)), 0);
	assert_int_equal(tu_sh(NULL, "sh -n '%s'", path), 0);
	assert_int_equal(tu_sh(NULL, "bash --posix -n '%s'", path), 0);
	assert_non_null(strstr(script, "LC_ALL=C"));
	assert_null(strstr(script, "sudo"));
	assert_null(strstr(script, "/etc/shadow"));
	free(path);
	tu_rmrf(dir);
	free(dir);
	free(script);
}

static void test_collect_script__collectors_can_be_disabled(void **state)
{
	char *all = script_for(NULL), *some = script_for("{\"collectors\": {\"packages\": false}}");

	(void)state;
	assert_non_null(strstr(all, "gitcmdb_run packages"));
	assert_null(strstr(some, "gitcmdb_run packages"));
	assert_non_null(strstr(some, "gitcmdb_run os"));
	free(all);
	free(some);
}

static void test_collect_script__rejects_bad_settings(void **state)
{
	static const char *const bad[] = {
		"{\"collectors\": {\"nosuch\": true}}",
		"{\"collectors\": {\"os\": \"yes\"}}",
		"{\"collectors\": [\"os\"]}",
		"{\"files\": [\"etc/hosts\"]}",
		"{\"files\": [\"/etc/../shadow\"]}",
		"{\"files\": [\"/etc/x'; rm -rf /; '\"]}",
		"{\"files\": [\"/etc/a b\"]}",
		"{\"files\": [\"/etc/a\\nb\"]}",
		"{\"files\": \"/etc/hosts\"}",
		"{\"file_max_bytes\": 0}",
		"{\"file_max_bytes\": \"12\"}",
		"{\"command_timeout\": -1}",
		"[]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *s = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		char *script = (char *)0x1;

		assert_non_null(s);
		assert_int_equal(cmdb_collect_script(&script, s), CMDB_EINVALID);
		assert_null(script);
		assert_non_null(strstr(cmdb_error_last(), "gitcmdb.yaml"));
		json_decref(s);
	}
}

/* The facts of this machine, as the script sees them, match what the tools say. */
static void check_local_facts(const char *shell)
{
	char *script = script_for(NULL), *out = run_script(shell, script), *expect = NULL;
	json_t *facts = NULL;

	assert_int_equal(cmdb_collect_parse(&facts, out, strlen(out), NULL), 0);
	assert_non_null(strstr(out, "@@gitcmdb-done@@"));
	assert_int_equal(json_array_size(json_object_get(facts, "errors")), 0);
	assert_int_equal(tu_sh(&expect, ". /etc/os-release && printf %%s \"$ID\""), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(facts, "os"), "id")), expect);
	free(expect);
	assert_int_equal(tu_sh(&expect, "uname -r | tr -d '\\n'"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(facts, "os"), "kernel")), expect);
	free(expect);
	if (tu_sh(&expect, "dpkg-query -W -f '${db:Status-Abbrev}\\n' | grep -c '^[ih]i'") == 0) {
		json_t *list = json_object_get(json_object_get(facts, "packages"), "list");

		assert_int_equal(json_array_size(list), strtoul(expect, NULL, 10));
	}
	free(expect);
	json_decref(facts);
	free(out);
	free(script);
}

static void test_collect_script__runs_here_under_dash(void **state)
{
	(void)state;
	check_local_facts("sh");
}

static void test_collect_script__runs_here_under_bash_posix(void **state)
{
	(void)state;
	check_local_facts("bash --posix");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_script__is_valid_sh),
		cmocka_unit_test(test_collect_script__collectors_can_be_disabled),
		cmocka_unit_test(test_collect_script__rejects_bad_settings),
		cmocka_unit_test(test_collect_script__runs_here_under_dash),
		cmocka_unit_test(test_collect_script__runs_here_under_bash_posix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
