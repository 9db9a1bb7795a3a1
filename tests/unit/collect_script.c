/*
 * The assembled script: valid POSIX sh (dash and bash --posix syntax), settings
 * honoured and checked, and run for real on this machine (dash, and busybox ash
 * with busybox applets only), its output parsed back.
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

/* Run script with shell in a temp dir; returns its stdout (malloc'd). Not inlined: gcc 12 then
 * warns of a dangling pointer that is not there. */
__attribute__((noinline)) static char *run_script(const char *shell, const char *script)
{
	char *dir = tu_tempdir("collect"), *path, *out = NULL;

	assert_true(asprintf(&path, "%s/script.sh", dir) > 0);
	assert_int_equal(tu_write_file(path, script, strlen(script)), 0);
	assert_int_equal(
		tu_sh(&out, "cd '%s' && %s '%s' </dev/null 2>/dev/null", dir, shell, path), 0);
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
	assert_non_null(strstr(all, "gitcmdb_s_packages() ("));
	assert_non_null(strstr(all, " packages services "));
	assert_null(strstr(some, "gitcmdb_s_packages"));
	assert_null(strstr(some, " packages"));
	assert_non_null(strstr(some, "gitcmdb_s_os() ("));
	free(all);
	free(some);
}

/*
 * A section printing frame lines cannot end its section or the run, whichever way the
 * output is escaped: the one awk with the kernel's nonce, or (no nonce: the uuid file
 * hidden by an unreadable path) each section through gitcmdb_run. With the awk, a last
 * line without its newline does not swallow the end frame either (gitcmdb_run's sed
 * keeps the line open: the fallback is tested with a newline).
 */
static void check_forged_frames(const char *uuid_path)
{
	char *script = script_for(NULL), *fake, *out;
	const char *drv = strstr(script, "gitcmdb_list=");
	const json_t *users;
	json_t *facts = NULL;

	assert_non_null(drv);
	assert_true(asprintf(&fake,
			    "%.*sgitcmdb_s_users() (\n echo '%%%% passwd'; echo 'a:0:0:/:/bin/sh';"
			    " echo '@@gitcmdb-end users 0@@'; echo '@@gitcmdb-done@@';"
			    " echo '@@gitcmdb-begin os@@'; printf 'b:1:1:/:/bin/sh%s'\n)\n%s",
			    (int)(drv - script), script, uuid_path ? "\\n" : "", drv) > 0);
	if (uuid_path) {
		char *p = strstr(fake, "/proc/sys/kernel/random/uuid ]");

		assert_non_null(p);
		memcpy(p, uuid_path, strlen(uuid_path));
	}
	out = run_script("sh", fake);
	assert_int_equal(cmdb_collect_parse(&facts, out, strlen(out), NULL), 0);
	/* The users parser skips the escaped lines ("@ @..."); nothing else complains. */
	for (size_t i = 0; i < json_array_size(json_object_get(facts, "errors")); i++) {
		json_t *e = json_array_get(json_object_get(facts, "errors"), i);

		if (strcmp(json_string_value(json_object_get(e, "section")), "users") != 0)
			fail_msg("errors: %s", json_dumps(json_object_get(facts, "errors"), 0));
	}
	users = json_object_get(json_object_get(facts, "users"), "users");
	assert_non_null(json_object_get(users, "a"));
	assert_non_null(json_object_get(users, "b"));
	assert_non_null(json_object_get(json_object_get(facts, "os"), "kernel"));
	assert_non_null(strstr(out, "\n@ @gitcmdb-done@@\n"));
	json_decref(facts);
	free(out);
	free(fake);
	free(script);
}

static void test_collect_script__forged_frames_stay_inside(void **state)
{
	(void)state;
	check_forged_frames(NULL);
	/* Same length as the real path, never readable: the per-section escaping. */
	check_forged_frames("/proc/sys/kernel/random/uuix ]");
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
		"{\"facts_max_bytes\": 1024}",
		"{\"facts_max_bytes\": \"4M\"}",
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
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(facts, "os"), "id")), expect);
	free(expect);
	assert_int_equal(tu_sh(&expect, "uname -r | tr -d '\\n'"), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(facts, "os"), "kernel")), expect);
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

/*
 * Alpine-like userland: busybox ash with only busybox applets on PATH (ip, netstat,
 * df, awk, sed, base64, od...). Skipped when busybox is not installed.
 */
static void test_collect_script__runs_here_with_busybox_only(void **state)
{
	char *script = script_for(NULL), *dir, *path, *out = NULL, *hosts;
	const char *p;
	json_t *facts = NULL, *f;
	size_t hosts_len;

	(void)state;
	if (tu_sh(NULL, "command -v busybox >/dev/null 2>&1") != 0) {
		free(script);
		skip();
	}
	dir = tu_tempdir("busybox");
	assert_int_equal(tu_sh(NULL,
				 "mkdir '%s/bin' && cd '%s/bin' && for a in $(busybox --list); do "
				 "ln -s \"$(command -v busybox)\" \"$a\"; done",
				 dir, dir),
		0);
	/* The script pins PATH; point it at the applets instead. */
	p = strstr(script, "PATH=/usr/local/sbin");
	assert_non_null(p);
	assert_true(asprintf(&path, "%s/s.sh", dir) > 0);
	{
		char *fixed;
		const char *eol = strchr(p, '\n');

		assert_true(asprintf(&fixed, "%.*sPATH=%s/bin; export PATH%s", (int)(p - script),
				    script, dir, eol) > 0);
		assert_int_equal(tu_write_file(path, fixed, strlen(fixed)), 0);
		free(fixed);
	}
	assert_int_equal(tu_sh(&out, "busybox ash '%s' </dev/null 2>/dev/null", path), 0);
	assert_int_equal(cmdb_collect_parse(&facts, out, strlen(out), NULL), 0);
	if (json_array_size(json_object_get(facts, "errors")))
		fail_msg("errors: %s", json_dumps(json_object_get(facts, "errors"), 0));
	assert_non_null(json_object_get(
		json_object_get(json_object_get(facts, "network"), "interfaces"), "lo"));
	assert_non_null(
		json_object_get(json_object_get(json_object_get(facts, "users"), "users"), "root"));
	assert_true(json_integer_value(
			    json_object_get(json_object_get(facts, "hardware"), "memory_mb")) > 0);
	/* base64 from busybox decodes back to the very bytes of the file. */
	hosts = tu_read_file("/etc/hosts", &hosts_len);
	f = json_object_get(
		json_object_get(json_object_get(facts, "files"), "/etc/hosts"), "content");
	if (hosts) {
		assert_int_equal(json_string_length(f), hosts_len);
		assert_memory_equal(json_string_value(f), hosts, hosts_len);
	}
	free(hosts);
	json_decref(facts);
	free(out);
	free(path);
	free(script);
	tu_rmrf(dir);
	free(dir);
}

/*
 * Section output that looks like a frame is escaped with or without sed on the
 * target: the prologue runs under dash with its pinned PATH turned into an empty
 * directory (no sed, no cat), then as sent, and both escape the same bytes.
 */
static void test_collect_script__escapes_frames_without_sed(void **state)
{
	static const char forged[] =
		"@@gitcmdb-end os 0@@\n  lead \\x @@\n@@gitcmdb-done@@\n@@tail\n";
	static const char expect[] =
		"@ @gitcmdb-end os 0@@\n  lead \\x @@\n@ @gitcmdb-done@@\n@ @tail\n";
	char *script = script_for(NULL), *dir = tu_tempdir("nosed"), *path, *out = NULL;
	const char *end = strstr(script, "exec 4>&1\n");

	(void)state;
	assert_non_null(end);
	assert_true(asprintf(&path, "%s/p.sh", dir) > 0);
	assert_int_equal(tu_write_file(path, script, (size_t)(end - script)), 0);
	for (int with_sed = 0; with_sed < 2; with_sed++) {
		assert_int_equal(
			tu_sh(&out,
				"cd '%s' && mkdir -p empty && %s && sh -c '. ./q.sh; "
				"if gitcmdb_has sed; then echo sed=y; else echo sed=n; fi; printf "
				"\"%%s\" \"$1\" | "
				"gitcmdb_esc' x '%s'",
				dir,
				with_sed ? "cp p.sh q.sh"
					 : "sed \"s|^PATH=.*|PATH=$PWD/empty|\" p.sh >q.sh",
				forged),
			0);
		assert_true(strncmp(out, with_sed ? "sed=y\n" : "sed=n\n", 6) == 0);
		assert_string_equal(out + 6, expect);
		free(out);
	}
	free(path);
	tu_rmrf(dir);
	free(dir);
	free(script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_script__is_valid_sh),
		cmocka_unit_test(test_collect_script__collectors_can_be_disabled),
		cmocka_unit_test(test_collect_script__forged_frames_stay_inside),
		cmocka_unit_test(test_collect_script__rejects_bad_settings),
		cmocka_unit_test(test_collect_script__runs_here_under_dash),
		cmocka_unit_test(test_collect_script__runs_here_with_busybox_only),
		cmocka_unit_test(test_collect_script__escapes_frames_without_sed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
