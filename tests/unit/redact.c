/*
 * Secret redaction: default and configured patterns, PEM key blocks, the HMAC
 * keyed from a file outside the repository (created 0600, reused, refused when
 * others can read it), and stable output so a change shows without the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "gitcmdb/collect.h"
#include "testutil.h"

static char *redact(const cmdb_redactor *r, const char *text)
{
	char *out = NULL;
	size_t len = 0;

	if (cmdb_redact(&out, &len, r, text, strlen(text)) != 0)
		fail_msg("cmdb_redact: %s", cmdb_error_last());
	assert_int_equal(len, strlen(out));
	return out;
}

static cmdb_redactor *ephemeral(const char *patterns_json)
{
	json_t *p = patterns_json ? json_loads(patterns_json, 0, NULL) : NULL;
	cmdb_redactor *r = NULL;

	assert_int_equal(cmdb_redactor_new_ephemeral(&r, p), 0);
	json_decref(p);
	return r;
}

static void test_redact__default_patterns_hide_values_keep_the_rest(void **state)
{
	static const char *const secret[] = {
		"db_password = hunter2",
		"password: hunter2",
		"  client_secret=zzq",
		"api_key: zzq",
		"API-KEY=zzq",
		"token = t0k",
		"requirepass hunter2",
		"masterauth_passwd s3cr3t",
		"url = https://bob:hunter2@example.org/x",
		"#password=old",
		"admin:$6$rounds=5000$zzqsalt$hunter2hash:19000:0:99999:7:::",
	};
	static const char *const kept[] = {
		"PasswordAuthentication no",
		"#PermitRootLogin prohibit-password",
		"UsePAM yes",
		"# PAM authentication via KbdInteractiveAuthentication may bypass",
		"Port 22",
		"",
		"HostKey /etc/ssh/ssh_host_ed25519_key",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++) {
		char *out = redact(r, secret[i]);

		if (!strstr(out, "<redacted hmac-sha256:") || strstr(out, "hunter2") ||
			strstr(out, "zzq") || strstr(out, "t0k") || strstr(out, "s3cr3t") ||
			strstr(out, "=old"))
			fail_msg("not redacted: '%s' -> '%s'", secret[i], out);
		free(out);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char *out = redact(r, kept[i]);

		assert_string_equal(out, kept[i]);
		free(out);
	}
	cmdb_redactor_free(r);
}

static void test_redact__line_structure_and_indentation_survive(void **state)
{
	cmdb_redactor *r = ephemeral(NULL);
	char *out = redact(r, "a = 1\n\tpassword = x\r\nb = 2\n\n");
	static const char prefix[] = "a = 1\n\t<redacted hmac-sha256:";
	const char *p = out + strlen(prefix);

	(void)state;
	assert_memory_equal(out, prefix, strlen(prefix));
	for (int i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_string_equal(p + 64, ">\nb = 2\n\n");
	free(out);
	cmdb_redactor_free(r);
}

static void test_redact__pem_private_key_block_is_one_line(void **state)
{
	cmdb_redactor *r = ephemeral("[]"); /* no patterns: the block rule is built in */
	char *out = redact(r,
		"before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
		"QUJDREVGR0g=\n-----END OPENSSH PRIVATE KEY-----\nafter\n"
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

	(void)state;
	assert_null(strstr(out, "b3BlbnNz"));
	assert_null(strstr(out, "PRIVATE"));
	assert_true(strncmp(out, "before\n<redacted hmac-sha256:", 29) == 0);
	assert_non_null(strstr(out, ">\nafter\n-----BEGIN CERTIFICATE-----\nMIIB\n"));
	free(out);
	/* An unterminated block is redacted to the end. */
	out = redact(r, "x\n  -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n");
	assert_null(strstr(out, "MIIEow"));
	assert_true(strncmp(out, "x\n  <redacted hmac-sha256:", 26) == 0);
	free(out);
	cmdb_redactor_free(r);
}

static void test_redact__same_key_same_text_different_value_different_text(void **state)
{
	cmdb_redactor *r = ephemeral(NULL), *other = ephemeral(NULL);
	char *a = redact(r, "password = one"), *b = redact(r, "password = one");
	char *c = redact(r, "password = two"), *d = redact(other, "password = one");

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d); /* keyed: no one without the key can test guesses */
	free(a);
	free(b);
	free(c);
	free(d);
	cmdb_redactor_free(r);
	cmdb_redactor_free(other);
}

static void test_redact__configured_patterns_and_bad_ones(void **state)
{
	json_t *bad[] = {json_loads("[\"(\"]", 0, NULL), json_loads("[1]", 0, NULL),
		json_loads("{}", 0, NULL)};
	cmdb_redactor *r = ephemeral("[\"^community \"]");
	char *out = redact(r,
		"community public\npassword = stays\nurl = "
		"https://u:hunter2@h/\nroot:$6$zzq$hunter2:1:\n");

	(void)state;
	assert_true(strncmp(out, "<redacted hmac-sha256:", 22) == 0);
	/* A configured list replaces the assignment defaults... */
	assert_non_null(strstr(out, "\npassword = stays\n"));
	/* ...but URL passwords and password hashes are always secrets. */
	assert_null(strstr(out, "hunter2"));
	free(out);
	cmdb_redactor_free(r);
	for (size_t i = 0; i < 3; i++) {
		r = (cmdb_redactor *)0x1;
		assert_int_equal(cmdb_redactor_new_ephemeral(&r, bad[i]), CMDB_EINVALID);
		assert_null(r);
		assert_non_null(strstr(cmdb_error_last(), "redaction patterns"));
		json_decref(bad[i]);
	}
}

static void test_redact__key_file_created_0600_and_reused(void **state)
{
	char *dir = tu_tempdir("redact"), *key, *a, *b;
	cmdb_redactor *r1 = NULL, *r2 = NULL;
	struct stat st;

	(void)state;
	assert_true(asprintf(&key, "%s/conf/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(tu_sh(NULL, "mkdir -p '%s/conf/gitcmdb'", dir), 0);
	assert_int_equal(cmdb_redactor_new(&r1, NULL, key), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(cmdb_redactor_new(&r2, NULL, key), 0);
	a = redact(r1, "token = abc");
	b = redact(r2, "token = abc");
	assert_string_equal(a, b); /* the same key across runs: unchanged secrets stay unchanged */
	free(a);
	free(b);
	cmdb_redactor_free(r1);
	cmdb_redactor_free(r2);
	/* No temp file left behind. */
	assert_int_equal(tu_sh(&a, "ls -A '%s/conf/gitcmdb'", dir), 0);
	assert_string_equal(a, "redaction.key\n");
	free(a);
	free(key);
	tu_rmrf(dir);
	free(dir);
}

static void test_redact__default_key_path_from_xdg_and_home(void **state)
{
	char *dir = tu_tempdir("redact"), *old_xdg = getenv("XDG_CONFIG_HOME"),
	     *old_home = getenv("HOME");
	char *path;
	cmdb_redactor *r = NULL;
	struct stat st;

	(void)state;
	old_xdg = old_xdg ? strdup(old_xdg) : NULL;
	old_home = old_home ? strdup(old_home) : NULL;
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), 0);
	cmdb_redactor_free(r);
	assert_true(asprintf(&path, "%s/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", dir, 1);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), 0);
	cmdb_redactor_free(r);
	assert_true(asprintf(&path, "%s/.config/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(dir, &st), 0);
	free(path);
	if (old_xdg)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
	tu_rmrf(dir);
	free(dir);
}

static void test_redact__unsafe_key_files_refused(void **state)
{
	char *dir = tu_tempdir("redact"), *key;
	cmdb_redactor *r = (cmdb_redactor *)0x1;

	(void)state;
	assert_true(asprintf(&key, "%s/k", dir) > 0);
	assert_int_equal(
		tu_sh(NULL, "head -c 32 /dev/urandom > '%s' && chmod 644 '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_null(r);
	assert_non_null(strstr(cmdb_error_last(), "chmod 600"));
	assert_int_equal(
		tu_sh(NULL, "head -c 4 /dev/urandom > '%s' && chmod 600 '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "shorter"));
	assert_int_equal(tu_sh(NULL, "rm -f '%s' && mkdir '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_int_equal(tu_sh(NULL, "rmdir '%s' && ln -s /etc/hostname '%s'", key, key), 0);
	assert_true(cmdb_redactor_new(&r, NULL, key) < 0); /* never follows a symlink */
	assert_null(r);
	assert_int_equal(
		cmdb_redactor_new(&r, NULL, "/nonexistent-dir/x/redaction.key"), CMDB_ERROR);
	free(key);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__default_patterns_hide_values_keep_the_rest),
		cmocka_unit_test(test_redact__line_structure_and_indentation_survive),
		cmocka_unit_test(test_redact__pem_private_key_block_is_one_line),
		cmocka_unit_test(test_redact__same_key_same_text_different_value_different_text),
		cmocka_unit_test(test_redact__configured_patterns_and_bad_ones),
		cmocka_unit_test(test_redact__key_file_created_0600_and_reused),
		cmocka_unit_test(test_redact__default_key_path_from_xdg_and_home),
		cmocka_unit_test(test_redact__unsafe_key_files_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
