/*
 * The redaction key file: which file (option, GITCMDB_REDACTION_KEY, the
 * redaction.key_file setting, the XDG/HOME default), that a created key is
 * reported (its fingerprints differ from every earlier key's), that a FIFO or
 * any other non-regular file is refused instead of blocking, and that a missing
 * HOME names options that exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/collect.h"
#include "testutil.h"

typedef struct {
	char *dir;
	char *home, *xdg, *env;
} fixture;

static char *saved(const char *name)
{
	const char *v = getenv(name);

	return v ? strdup(v) : NULL;
}

static void restore(const char *name, char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
	free(v);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->dir = tu_tempdir("redact-key");
	f->home = saved("HOME");
	f->xdg = saved("XDG_CONFIG_HOME");
	f->env = saved("GITCMDB_REDACTION_KEY");
	unsetenv("GITCMDB_REDACTION_KEY");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", f->dir, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	restore("HOME", f->home);
	restore("XDG_CONFIG_HOME", f->xdg);
	restore("GITCMDB_REDACTION_KEY", f->env);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *path_in(const fixture *f, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
	return p;
}

static char *fingerprint(const cmdb_redactor *r)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(cmdb_redact(&out, &len, r, "password = x", 12), 0);
	return out;
}

/* A FIFO used to block the scan in open(2) forever; now it is refused at once. */
static void test_redact_key__fifo_and_devices_refused(void **state)
{
	fixture *f = *state;
	char *fifo = path_in(f, "fifo.key");
	cmdb_redactor *r = (cmdb_redactor *)0x1;

	assert_int_equal(tu_sh(NULL, "mkfifo -m 600 '%s'", fifo), 0);
	alarm(20); /* a hang fails the test instead of reaching ctest's timeout */
	assert_int_equal(cmdb_redactor_new(&r, NULL, fifo), CMDB_EINVALID);
	assert_null(r);
	assert_non_null(strstr(cmdb_error_last(), "not a regular file"));
	setenv("GITCMDB_REDACTION_KEY", fifo, 1);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_redactor_new(&r, NULL, "/dev/zero"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "not a regular file"));
	alarm(0);
	free(fifo);
}

static void test_redact_key__env_then_setting_then_default(void **state)
{
	fixture *f = *state;
	char *env_key = path_in(f, "env.key"), *set_key = path_in(f, "setting.key");
	char *def_key = path_in(f, ".config/gitcmdb/redaction.key");
	json_t *settings = json_pack("{s:{s:s}}", "redaction", "key_file", set_key);
	cmdb_redactor *r = NULL;
	struct stat st;

	/* The setting, when no environment variable says otherwise. */
	assert_int_equal(cmdb_redactor_new_from_settings(&r, settings, NULL), 0);
	assert_string_equal(cmdb_redactor_key_path(r), set_key);
	assert_int_equal(stat(set_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cmdb_redactor_free(r);
	/* GITCMDB_REDACTION_KEY wins over the setting... */
	setenv("GITCMDB_REDACTION_KEY", env_key, 1);
	assert_int_equal(cmdb_redactor_new_from_settings(&r, settings, NULL), 0);
	assert_string_equal(cmdb_redactor_key_path(r), env_key);
	cmdb_redactor_free(r);
	/* ...and an explicit key file over both. */
	assert_int_equal(cmdb_redactor_new_from_settings(&r, settings, set_key), 0);
	assert_string_equal(cmdb_redactor_key_path(r), set_key);
	cmdb_redactor_free(r);
	/* Empty means unset. */
	setenv("GITCMDB_REDACTION_KEY", "", 1);
	assert_int_equal(cmdb_redactor_new_from_settings(&r, NULL, NULL), 0);
	assert_string_equal(cmdb_redactor_key_path(r), def_key);
	cmdb_redactor_free(r);
	json_decref(settings);
	free(env_key);
	free(set_key);
	free(def_key);
}

static void test_redact_key__created_key_is_reported_once(void **state)
{
	fixture *f = *state;
	char *key = path_in(f, "k"), *a, *b, *c;
	cmdb_redactor *r1 = NULL, *r2 = NULL, *r3 = NULL;
	char id[17];

	assert_int_equal(cmdb_redactor_new(&r1, NULL, key), 0);
	assert_int_equal(cmdb_redactor_key_created(r1), 1);
	assert_int_equal(strlen(cmdb_redactor_key_id(r1)), 16);
	strcpy(id, cmdb_redactor_key_id(r1));
	assert_int_equal(cmdb_redactor_new(&r2, NULL, key), 0);
	assert_int_equal(cmdb_redactor_key_created(r2), 0);
	assert_string_equal(cmdb_redactor_key_id(r2), id);
	a = fingerprint(r1);
	b = fingerprint(r2);
	assert_string_equal(a, b);
	/* Lost key: a new one is made, said so, and its fingerprints differ. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(cmdb_redactor_new(&r3, NULL, key), 0);
	assert_int_equal(cmdb_redactor_key_created(r3), 1);
	assert_string_not_equal(cmdb_redactor_key_id(r3), id);
	c = fingerprint(r3);
	assert_string_not_equal(a, c);
	/* The id is not the key, nor in any fingerprint. */
	assert_null(strstr(a, id));
	assert_null(cmdb_redactor_key_path(NULL));
	free(a);
	free(b);
	free(c);
	cmdb_redactor_free(r1);
	cmdb_redactor_free(r2);
	cmdb_redactor_free(r3);
	free(key);
}

static void test_redact_key__no_home_names_real_options(void **state)
{
	cmdb_redactor *r = (cmdb_redactor *)0x1;

	(void)state;
	unsetenv("HOME");
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), CMDB_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(cmdb_error_last(), "GITCMDB_REDACTION_KEY"));
	assert_non_null(strstr(cmdb_error_last(), "redaction.key_file"));
	/* and each of them works without a HOME */
	setenv("GITCMDB_REDACTION_KEY", "relative-is-allowed.key", 1);
	assert_int_equal(chdir(((fixture *)*state)->dir), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), 0);
	cmdb_redactor_free(r);
	assert_int_equal(chdir("/"), 0);
}

static void test_redact_key__bad_settings(void **state)
{
	static const char *const bad[] = {
		"{\"redaction\": \"password\"}",
		"{\"redaction\": 3}",
		"{\"redaction\": {\"pattern\": []}}",
		"{\"redaction\": {\"patterns\": \"x\"}}",
		"{\"redaction\": {\"key_file\": \"relative/key\"}}",
		"{\"redaction\": {\"key_file\": 5}}",
	};
	cmdb_redactor *r = (cmdb_redactor *)0x1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *s = json_loads(bad[i], 0, NULL);

		assert_non_null(s);
		if (cmdb_redactor_new_from_settings(&r, s, NULL) != CMDB_EINVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_null(r);
		assert_non_null(strstr(cmdb_error_last(), "gitcmdb.yaml: redaction"));
		json_decref(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_redact_key__fifo_and_devices_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_redact_key__env_then_setting_then_default, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_redact_key__created_key_is_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_redact_key__no_home_names_real_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_key__bad_settings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
