/* known_hosts: strict parsing with line numbers, matching (plain, wildcard, hashed), editing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "util/alloc.h"
#include "ssh/knownhosts.h"
#include "testutil.h"

static char *dir;
static char *ed1, *ed2, *ec; /* "type base64" of three generated keys */

static char *pubkey(const char *type, const char *name)
{
	char *out = NULL;

	assert_int_equal(tu_sh(&out,
				 "cd %s && ssh-keygen -q -t %s -N '' -C x -f %s && "
				 "cut -d' ' -f1,2 %s.pub | tr -d '\\n'",
				 dir, type, name, name),
		0);
	return out;
}

static int setup(void **state)
{
	(void)state;
	dir = tu_tempdir("kh");
	ed1 = pubkey("ed25519", "k1");
	ed2 = pubkey("ed25519", "k2");
	ec = pubkey("ecdsa", "k3");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(ed1);
	free(ed2);
	free(ec);
	return 0;
}

/* The wire blob of a "type base64" key. */
static unsigned char *blob_of(const char *key, size_t *len)
{
	unsigned char *b = NULL;
	const char *sp = strchr(key, ' ');

	assert_int_equal(cmdb__base64_decode(&b, len, sp + 1, strlen(sp + 1)), 0);
	return b;
}

static cmdb_knownhosts *parse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cmdb_knownhosts *parse(const char *fmt, ...)
{
	cmdb_knownhosts *kh = NULL;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	if (cmdb_knownhosts_parse(&kh, text, strlen(text), "known_hosts") < 0)
		fail_msg("parse failed: %s", cmdb_error_last());
	free(text);
	return kh;
}

static int status(const cmdb_knownhosts *kh, const char *host, const char *key)
{
	size_t len;
	unsigned char *b = blob_of(key, &len);
	int st = cmdb_knownhosts_check(kh, host, b, len);

	cmdb_free(b);
	return st;
}

static void test_knownhosts__check_statuses(void **state)
{
	cmdb_knownhosts *kh;

	(void)state;
	kh = parse("# comment\n\n[127.0.0.1]:2222 %s\nweb01,10.0.0.11 %s comment here\r\n"
		   "*.example.com,!bad.example.com %s\n@revoked * %s\n",
		ed1, ec, ed1, ed2);
	assert_int_equal(cmdb_knownhosts_count(kh), 4);
	assert_int_equal(status(kh, "[127.0.0.1]:2222", ed1), CMDB_KH_MATCH);
	assert_int_equal(status(kh, "127.0.0.1", ed1), CMDB_KH_UNKNOWN); /* port matters */
	assert_int_equal(status(kh, "[127.0.0.1]:2223", ed1), CMDB_KH_UNKNOWN);
	assert_int_equal(status(kh, "WEB01", ec), CMDB_KH_MATCH); /* case-insensitive */
	assert_int_equal(status(kh, "10.0.0.11", ed1), CMDB_KH_OTHERTYPE); /* only ecdsa known */
	assert_int_equal(status(kh, "a.example.com", ed1), CMDB_KH_MATCH);
	assert_int_equal(status(kh, "bad.example.com", ed1), CMDB_KH_UNKNOWN); /* negated */
	assert_int_equal(status(kh, "[127.0.0.1]:2222", ed2), CMDB_KH_REVOKED);
	cmdb_knownhosts_free(kh);
	kh = parse("[127.0.0.1]:2222 %s\n", ed1);
	assert_int_equal(status(kh, "[127.0.0.1]:2222", ed2), CMDB_KH_CHANGED);
	cmdb_knownhosts_free(kh);
	/* many stars must not backtrack exponentially (found by the fuzzer) */
	kh = parse("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b,h?st %s\n", ed1);
	assert_int_equal(
		status(kh, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ed1),
		CMDB_KH_UNKNOWN);
	assert_int_equal(
		status(kh, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", ed1),
		CMDB_KH_MATCH);
	assert_int_equal(status(kh, "host", ed1), CMDB_KH_MATCH);
	assert_int_equal(status(kh, "hoost", ed1), CMDB_KH_UNKNOWN);
	cmdb_knownhosts_free(kh);
}

static void test_knownhosts__hashed_names(void **state)
{
	cmdb_knownhosts *kh;
	char *text = NULL, *path;

	(void)state;
	assert_true(asprintf(&path, "%s/hashed", dir) > 0);
	assert_int_equal(
		tu_sh(NULL,
			"printf '[10.1.2.3]:2200 %s\\nweb07 %s\\n' >%s && ssh-keygen -q -H -f %s "
			">/dev/null 2>&1",
			ed1, ec, path, path),
		0);
	assert_int_equal(tu_sh(&text, "cat %s", path), 0);
	assert_non_null(strstr(text, "|1|"));
	assert_null(strstr(text, "web07"));
	kh = parse("%s", text);
	assert_int_equal(status(kh, "[10.1.2.3]:2200", ed1), CMDB_KH_MATCH);
	assert_int_equal(status(kh, "web07", ec), CMDB_KH_MATCH);
	assert_int_equal(status(kh, "web08", ec), CMDB_KH_UNKNOWN);
	cmdb_knownhosts_free(kh);
	free(text);
	free(path);
}

static void rejects(const char *text, const char *needle)
{
	cmdb_knownhosts *kh = (cmdb_knownhosts *)1;

	assert_true(cmdb_knownhosts_parse(&kh, text, strlen(text), "known_hosts") < 0);
	assert_null(kh);
	if (!strstr(cmdb_error_last(), needle))
		fail_msg("error [%s] lacks [%s]", cmdb_error_last(), needle);
}

static void test_knownhosts__malformed_lines_named(void **state)
{
	char *t;

	(void)state;
	assert_true(asprintf(&t, "# ok\nh1 %s\nh2 ssh-ed25519 AAAA!!!\n", ed1) > 0);
	rejects(t, "known_hosts:3: key is not valid base64");
	free(t);
	rejects("h1 ssh-ed25519\n", "known_hosts:1: expected 'hosts key-type base64-key'");
	rejects("h1\n", "known_hosts:1: expected");
	assert_true(asprintf(&t, "\n\nh1 ssh-ed25519 %s\n", strchr(ec, ' ') + 1) > 0);
	rejects(t, "known_hosts:3: key data is not a ssh-ed25519 key");
	free(t);
	assert_true(asprintf(&t, "@bogus h1 %s\n", ed1) > 0);
	rejects(t, "known_hosts:1: unknown marker");
	free(t);
	assert_true(asprintf(&t, "h1,,h2 %s\n", ed1) > 0);
	rejects(t, "known_hosts:1: malformed host field");
	free(t);
	assert_true(asprintf(&t, "|1|abc|def %s\n", ed1) > 0);
	rejects(t, "known_hosts:1: malformed host field");
	free(t);
	assert_true(asprintf(&t, "h1 ssh-ed25519$ %s\n", strchr(ed1, ' ') + 1) > 0);
	rejects(t, "known_hosts:1: malformed key type");
	free(t);
	rejects("h1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI=A\n", "not valid base64");
	{
		cmdb_knownhosts *kh = NULL;
		assert_int_equal(
			cmdb_knownhosts_parse(&kh, "a\0b", 3, "known_hosts"), CMDB_EINVALID);
		assert_non_null(strstr(cmdb_error_last(), "NUL byte"));
	}
}

static void test_knownhosts__add_replace_format(void **state)
{
	cmdb_knownhosts *kh;
	char *line, *text = NULL;
	size_t len;
	int st = -1;

	(void)state;
	kh = parse("# keep me\nother %s\n[h]:22 %s\n", ec, ed1);
	assert_true(asprintf(&line, "[h]:22 %s", ed1) > 0);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, line, 0), 0);
	assert_int_equal(st, CMDB_KH_MATCH);
	free(line);
	assert_true(asprintf(&line, "newhost %s", ed2) > 0);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, line, 0), 0);
	assert_int_equal(st, CMDB_KH_UNKNOWN);
	free(line);
	/* a different key for a known host: refused, and nothing changes */
	assert_true(asprintf(&line, "[h]:22 %s", ed2) > 0);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, line, 0), CMDB_EHOSTKEY);
	assert_non_null(strstr(cmdb_error_last(), "--replace"));
	assert_int_equal(cmdb_knownhosts_count(kh), 3);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, line, 1), 0);
	assert_int_equal(st, CMDB_KH_CHANGED);
	free(line);
	assert_int_equal(cmdb_knownhosts_format(&text, &len, kh), 0);
	{
		char *want;
		assert_true(asprintf(&want, "# keep me\nother %s\nnewhost %s\n[h]:22 %s\n", ec, ed2,
				    ed2) > 0);
		assert_string_equal(text, want);
		assert_int_equal(len, strlen(want));
		free(want);
	}
	cmdb_free(text);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, "two\nlines x", 0), CMDB_EINVALID);
	assert_int_equal(cmdb_knownhosts_add(&st, kh, "# comment", 0), CMDB_EINVALID);
	cmdb_knownhosts_free(kh);
}

static void test_knownhosts__hostname_and_fingerprint(void **state)
{
	char *s, *fp = NULL, *pub;
	cmdb_knownhost e;
	cmdb_knownhosts *kh;

	(void)state;
	assert_int_equal(cmdb_knownhosts_hostname(&s, "Web01", 22), 0);
	assert_string_equal(s, "web01");
	cmdb_free(s);
	assert_int_equal(cmdb_knownhosts_hostname(&s, "::1", 2222), 0);
	assert_string_equal(s, "[::1]:2222");
	cmdb_free(s);
	assert_int_equal(cmdb_knownhosts_hostname(&s, "10.0.0.1", 0), 0);
	assert_string_equal(s, "10.0.0.1");
	cmdb_free(s);
	assert_int_equal(cmdb_knownhosts_hostname(&s, "", 22), CMDB_EINVALID);
	kh = parse("a %s\n", ec);
	assert_int_equal(cmdb_knownhosts_entry(&e, kh, 0), 0);
	assert_true(asprintf(&pub, "%s/k3.pub", dir) > 0);
	assert_int_equal(tu_sh(&fp, "ssh-keygen -lf %s | awk '{print $2}' | tr -d '\\n'", pub), 0);
	assert_string_equal(e.fingerprint, fp);
	assert_string_equal(e.type, "ecdsa-sha2-nistp256");
	assert_int_equal(e.line, 1);
	assert_int_equal(cmdb_knownhosts_entry(&e, kh, 1), CMDB_ENOTFOUND);
	cmdb_knownhosts_free(kh);
	free(fp);
	free(pub);
}

static void test_knownhosts__load_missing_is_empty(void **state)
{
	cmdb_knownhosts *kh = NULL;

	(void)state;
	assert_int_equal(cmdb_knownhosts_load(&kh, "/nonexistent/known_hosts"), 0);
	assert_int_equal(cmdb_knownhosts_count(kh), 0);
	cmdb_knownhosts_free(kh);
	assert_true(cmdb_knownhosts_load(&kh, "/") < 0);
	assert_null(kh);
}

static void test_knownhosts__alloc_failures_are_clean(void **state)
{
	char *t;

	(void)state;
	assert_true(asprintf(&t, "# c\nh1,h2 %s\n@revoked x %s\n", ed1, ec) > 0);
	for (long n = 1; n < 40; n++) {
		cmdb_knownhosts *kh = NULL;
		int rc;
		cmdb__alloc_fail_at(n);
		rc = cmdb_knownhosts_parse(&kh, t, strlen(t), "known_hosts");
		cmdb__alloc_fail_at(0);
		if (rc < 0)
			assert_null(kh);
		cmdb_knownhosts_free(kh);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knownhosts__check_statuses),
		cmocka_unit_test(test_knownhosts__hashed_names),
		cmocka_unit_test(test_knownhosts__malformed_lines_named),
		cmocka_unit_test(test_knownhosts__add_replace_format),
		cmocka_unit_test(test_knownhosts__hostname_and_fingerprint),
		cmocka_unit_test(test_knownhosts__load_missing_is_empty),
		cmocka_unit_test(test_knownhosts__alloc_failures_are_clean),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
