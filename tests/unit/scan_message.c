/* Change descriptions, scan ids and the scan commit message (lib/scan/scan_message.c). */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "json_assert.h"
#include "testutil.h"

#include "util/alloc.h"
#include "scan/scan.h"

static void check_describe(const char *old, const char *fresh, size_t max, const char *expected)
{
	json_t *o = old ? tu_json(old) : NULL, *f = fresh ? tu_json(fresh) : NULL;
	char *out = NULL;

	assert_int_equal(cmdb__scan_describe(&out, o, f, max), 0);
	assert_string_equal(out, expected);
	free(out);
	json_decref(o);
	json_decref(f);
}

static void test_scan_message__package_upgrade(void **state)
{
	(void)state;
	check_describe("{\"attributes\":{\"packages\":{\"openssl\":{\"version\":\"3.0.11\","
		       "\"arch\":\"amd64\"},"
		       "\"zlib1g\":{\"version\":\"1.2\",\"arch\":\"amd64\"}}}}",
		"{\"attributes\":{\"packages\":{\"openssl\":{\"version\":\"3.0.13\",\"arch\":"
		"\"amd64\"},"
		"\"zlib1g\":{\"version\":\"1.2\",\"arch\":\"amd64\"}}}}",
		12, "packages: openssl 3.0.11 → 3.0.13");
}

static void test_scan_message__new_and_removed(void **state)
{
	(void)state;
	check_describe(NULL, "{\"type\":\"service\"}", 12, "new");
	check_describe("{\"type\":\"service\"}", NULL, 12, "removed");
}

static void test_scan_message__several_sections(void **state)
{
	(void)state;
	check_describe("{\"attributes\":{\"os\":{\"version\":\"11\",\"id\":\"debian\"},"
		       "\"packages\":{\"foo\":{\"version\":\"1\"}},\"cpus\":2,"
		       "\"discovered_relations\":{\"x\":[\"a\"]}},"
		       "\"relations\":{\"runs_on\":[\"host/a\"]}}",
		"{\"attributes\":{\"os\":{\"version\":\"12\",\"id\":\"debian\"},"
		"\"packages\":{\"curl\":{\"version\":\"7\"}},\"cpus\":4,\"files\":{}},"
		"\"relations\":{\"runs_on\":[\"host/a\"],\"connects_to\":[\"service/db01/"
		"postgresql\"]}}",
		12,
		"cpus: 2 → 4; files: (new); os: version 11 → 12; packages: +curl, -foo; "
		"relations connects_to: +service/db01/postgresql");
}

static void test_scan_message__hostile_text_is_escaped(void **state)
{
	(void)state;
	check_describe("{\"attributes\":{\"packages\":{}}}",
		"{\"attributes\":{\"packages\":{\"\\u001b[31mevil\\nline\":{\"version\":\"1\"}}}}",
		12, "packages: +\\x1B[31mevil\\x0Aline");
}

static void test_scan_message__long_lists_are_cut(void **state)
{
	(void)state;
	check_describe("{\"attributes\":{\"packages\":{}}}",
		"{\"attributes\":{\"packages\":{\"a\":{},\"b\":{},\"c\":{},\"d\":{}}}}", 2,
		"packages: +a, +b; … 2 more");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_scan_message__scan_id(void **state)
{
	char id[CMDB__SCAN_ID_SIZE];
	regex_t re;

	(void)state;
	cmdb__scan_id(id, (time_t)1795903800, 0x4f2aULL);
	assert_string_equal(id, "20261128T221000Z-0000000000004f2a");
	cmdb__scan_id(id, (time_t)1795903800, 0xfedcba9876543210ULL);
	assert_string_equal(id, "20261128T221000Z-fedcba9876543210");
	assert_int_equal(regcomp(&re, "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}$", REG_EXTENDED), 0);
	cmdb__scan_id(id, time(NULL), UINT64_MAX);
	assert_int_equal(regexec(&re, id, 0, NULL, 0), 0);
	regfree(&re);
}

/* Many scanners started in the same second: 64 random bits each, never the same id. */
static void test_scan_message__scan_ids_do_not_collide(void **state)
{
	enum {
		N = 20000
	};
	char(*ids)[CMDB__SCAN_ID_SIZE] = calloc(N, sizeof(*ids));
	time_t now = time(NULL);
	uint64_t rnd, seen_bits = 0;

	(void)state;
	assert_non_null(ids);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(cmdb__scan_random64(&rnd), 0);
		seen_bits |= rnd;
		cmdb__scan_id(ids[i], now, rnd);
	}
	/* Every bit is used (the odds of a bit unset over 20000 draws are 2^-20000). */
	assert_true(seen_bits == UINT64_MAX);
	qsort(ids, N, sizeof(*ids), cmp_str);
	for (size_t i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
}

static json_t *enrolled(size_t added, size_t replaced, size_t refused)
{
	json_t *hosts = json_array();
	char name[32];

	for (size_t i = 0; i < added + replaced + refused; i++) {
		snprintf(name, sizeof(name), "h%05zu", i);
		json_array_append_new(hosts,
			json_pack("{ssssssss}", "name", name, "status",
				i < added                      ? "added"
					: i < added + replaced ? "replaced"
							       : "refused",
				"type", "ssh-ed25519", "fingerprint", "SHA256:x"));
	}
	return hosts;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* 10,000 enrolled hosts make a short message: the first names, then counts. */
static void test_scan_message__hostkeys_message_is_capped(void **state)
{
	json_t *hosts = enrolled(9990, 10, 5);
	char *msg = NULL;
	int any = 0;

	(void)state;
	assert_int_equal(cmdb__hostkeys_message(&msg, &any, hosts, 100), 0);
	assert_int_equal(any, 1);
	assert_non_null(strstr(msg,
		"hostkeys: 9990 added, 10 replaced\n\nadded: host/h00000 "
		"ssh-ed25519 SHA256:x\n"));
	assert_non_null(strstr(msg,
		"added: host/h00099 ssh-ed25519 SHA256:x\n… and 9900 more "
		"(9990 added, 10 replaced in all; 'gitcmdb hostkeys list' "
		"shows every key)\n"));
	assert_null(strstr(msg, "h00100"));
	assert_int_equal(count_lines(msg), 2 + 100 + 1);
	assert_true(strlen(msg) < 8000);
	free(msg);
	json_decref(hosts);

	/* Under the cap: every key, no tail; refused hosts are never listed. */
	hosts = enrolled(2, 1, 3);
	assert_int_equal(cmdb__hostkeys_message(&msg, &any, hosts, 100), 0);
	assert_string_equal(msg,
		"hostkeys: 2 added, 1 replaced\n\n"
		"added: host/h00000 ssh-ed25519 SHA256:x\n"
		"added: host/h00001 ssh-ed25519 SHA256:x\n"
		"replaced: host/h00002 ssh-ed25519 SHA256:x\n");
	free(msg);
	json_decref(hosts);

	hosts = enrolled(0, 0, 2);
	assert_int_equal(cmdb__hostkeys_message(&msg, &any, hosts, 100), 0);
	assert_int_equal(any, 0);
	free(msg);
	json_decref(hosts);
}

static void test_scan_message__message(void **state)
{
	json_t *report = tu_json(
		"{\"counts\":{\"hosts\":48,\"ok\":46,\"changed\":3,\"unreachable\":1,"
		"\"failed\":1},"
		"\"changes\":[{\"id\":\"host/web01\",\"change\":\"modified\","
		"\"details\":\"packages: openssl 3.0.11 → 3.0.13\"},"
		"{\"id\":\"service/web01/nginx\",\"change\":\"new\",\"details\":\"new\"}],"
		"\"hosts\":[{\"name\":\"web01\",\"status\":\"ok\"},"
		"{\"name\":\"db02\",\"status\":\"unreachable\",\"error\":\"connect timeout after "
		"10 s\"},"
		"{\"name\":\"x\",\"status\":\"hostkey\",\"error\":\"bad\\u001bkey\"}],"
		"\"duplicates\":[{\"hosts\":[\"a\",\"b\"],\"evidence\":\"same machine-id m1\"}],"
		"\"identity_changed\":[{\"host\":\"host/c\",\"evidence\":\"machine-id changed\"}],"
		"\"not_in_inventory\":[\"host/old\"]}");
	char *msg = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_message(&msg, report), 0);
	assert_string_equal(msg,
		"scan: 48 hosts, 3 changed, 1 unreachable, 1 failed\n"
		"\n"
		"changed: host/web01 (packages: openssl 3.0.11 → 3.0.13)\n"
		"changed: service/web01/nginx (new)\n"
		"unreachable: host/db02 (connect timeout after 10 s)\n"
		"hostkey: host/x (bad\\x1Bkey)\n"
		"duplicate identity: host/a, host/b (same machine-id m1)\n"
		"identity changed: host/c (machine-id changed: reinstalled or replaced?)\n"
		"not in inventory: host/old (kept; scan --prune removes it)\n");
	free(msg);
	json_decref(report);
}

#define FP(c)                                                                                      \
	"<redacted hmac-sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c ">"

/* A new fingerprint and nothing else is said to be one, never shown as drift. */
static void test_scan_message__fingerprint_only_changes_say_so(void **state)
{
	(void)state;
	check_describe("{\"attributes\":{\"exec\":\"/usr/bin/app --token " FP("a") " -v\"}}",
		"{\"attributes\":{\"exec\":\"/usr/bin/app --token " FP("b") " -v\"}}", 12,
		"exec: redacted value changed");
	/* Something else changed too: a real change, shown as such. */
	check_describe("{\"attributes\":{\"exec\":\"/usr/bin/app --token " FP("a") " -v\"}}",
		"{\"attributes\":{\"exec\":\"/usr/bin/app --token " FP("b") " -q\"}}", 12,
		"exec: /usr/bin/app --token <redacted "
		"hmac-sha256:aaaaaaaaaaaaaaaaa… "
		"→ /usr/bin/app --token <redacted "
		"hmac-sha256:bbbbbbbbbbbbbbbbb…");
	/* A captured file whose text is the same once fingerprints are masked. */
	check_describe(
		"{\"attributes\":{\"files\":{\"/etc/app.conf\":{\"sha256\":\"11\",\"size\":9,"
		"\"masked_sha256\":\"33\"},\"/etc/x\":{\"sha256\":\"1\",\"size\":1}}}}",
		"{\"attributes\":{\"files\":{\"/etc/app.conf\":{\"sha256\":\"22\",\"size\":9,"
		"\"masked_sha256\":\"33\"},\"/etc/x\":{\"sha256\":\"2\",\"size\":1}}}}",
		12, "files: /etc/app.conf redacted value changed, /etc/x");
	check_describe(
		"{\"attributes\":{\"files\":{\"/etc/app.conf\":{\"sha256\":\"11\",\"size\":9,"
		"\"masked_sha256\":\"33\"}}}}",
		"{\"attributes\":{\"files\":{\"/etc/app.conf\":{\"sha256\":\"22\",\"size\":9,"
		"\"masked_sha256\":\"44\"}}}}",
		12, "files: /etc/app.conf");
}

/* A scan that had to create its key says so in the summary, the body and the warnings. */
static void test_scan_message__new_redaction_key(void **state)
{
	json_t *report = tu_json(
		"{\"counts\":{\"hosts\":1,\"ok\":1,\"changed\":1,\"unreachable\":0,\"failed\":0},"
		"\"changes\":[{\"id\":\"service/a/app\",\"change\":\"modified\","
		"\"details\":\"exec: redacted value changed\"}],"
		"\"hosts\":[{\"name\":\"a\",\"status\":\"ok\"}]}");
	cmdb_redactor *r = NULL;
	char *dir = tu_tempdir("scan-key"), *key, *msg = NULL;

	(void)state;
	assert_true(asprintf(&key, "%s/redaction.key", dir) > 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), 0);
	assert_int_equal(cmdb__scan_note_redaction_key(report, r), 0);
	assert_true(
		json_is_true(json_object_get(json_object_get(report, "redaction_key"), "created")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(report, "redaction_key"), "id")),
		cmdb_redactor_key_id(r));
	assert_non_null(strstr(
		json_string_value(json_array_get(json_object_get(report, "warnings"), 0)), key));
	assert_int_equal(cmdb__scan_message(&msg, report), 0);
	assert_true(strncmp(msg,
			    "scan: 1 host, 1 changed, new redaction key\n\nredaction key: new key ",
			    66) == 0);
	assert_non_null(strstr(msg,
		"not a configuration change\n"
		"changed: service/a/app (exec: redacted value changed)\n"));
	free(msg);
	cmdb_redactor_free(r);
	/* The same key again: recorded, nothing to warn about. */
	json_object_del(report, "warnings");
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), 0);
	assert_int_equal(cmdb__scan_note_redaction_key(report, r), 0);
	assert_null(json_object_get(report, "warnings"));
	assert_int_equal(cmdb__scan_message(&msg, report), 0);
	assert_true(strncmp(msg, "scan: 1 host, 1 changed\n\nchanged: ", 34) == 0);
	free(msg);
	cmdb_redactor_free(r);
	json_decref(report);
	tu_rmrf(dir);
	free(dir);
	free(key);
}

static void test_scan_message__quiet_scan(void **state)
{
	json_t *report = tu_json(
		"{\"counts\":{\"hosts\":1,\"ok\":1,\"changed\":0,\"unreachable\":0,"
		"\"failed\":0},\"changes\":[],\"hosts\":[{\"name\":\"a\",\"status\":\"ok\"}]}");
	char *msg = NULL;

	(void)state;
	assert_int_equal(cmdb__scan_message(&msg, report), 0);
	assert_string_equal(msg, "scan: 1 host, 0 changed\n");
	free(msg);
	json_decref(report);
}

static void test_scan_message__status_names(void **state)
{
	(void)state;
	assert_string_equal(cmdb__scan_status_name(0), "ok");
	assert_string_equal(cmdb__scan_status_name(CMDB_EUNREACHABLE), "unreachable");
	assert_string_equal(cmdb__scan_status_name(CMDB_ETIMEOUT), "timeout");
	assert_string_equal(cmdb__scan_status_name(CMDB_EHOSTKEY), "hostkey");
	assert_string_equal(cmdb__scan_status_name(CMDB_EAUTH), "auth");
	assert_string_equal(cmdb__scan_status_name(CMDB_ETOOBIG), "toobig");
	assert_string_equal(cmdb__scan_status_name(CMDB_ERROR), "error");
}

static void test_scan_message__allocation_failures_are_clean(void **state)
{
	json_t *old = tu_json("{\"attributes\":{\"os\":{\"version\":\"11\"},\"packages\":{"
			      "\"foo\":{\"version\":\"1\"},\"bar\":{\"version\":\"1\"}},\"cpus\":2,"
			      "\"l\":[1,2]}}");
	json_t *fresh = tu_json(
		"{\"attributes\":{\"os\":{\"version\":\"12\"},\"packages\":{"
		"\"curl\":{\"version\":\"7\"},\"bar\":{\"version\":\"2\"}},\"cpus\":4,\"l\":[2,3]},"
		"\"relations\":{\"connects_to\":[\"service/db01/postgresql\"]}}");
	json_t *report =
		tu_json("{\"counts\":{\"hosts\":2,\"changed\":1,\"failed\":1},"
			"\"changes\":[{\"id\":\"host/a\",\"details\":\"x\"}],"
			"\"hosts\":[{\"name\":\"b\",\"status\":\"auth\",\"error\":\"no\"}],"
			"\"duplicates\":[{\"hosts\":[\"a\",\"b\"],\"evidence\":\"e\"}],"
			"\"identity_changed\":[{\"host\":\"host/c\",\"evidence\":\"e\"}],"
			"\"not_in_inventory\":[\"host/d\"],\"pruned\":[\"host/e\"]}");
	int failures = 0, ok_in_a_row = 0;

	(void)state;
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 5000 && ok_in_a_row < 20; n++) {
		char *out = (char *)0x1, *msg = (char *)0x1;
		int rc, rc2;

		cmdb__alloc_fail_at(n);
		rc = cmdb__scan_describe(&out, old, fresh, 12);
		cmdb__alloc_fail_at(n);
		rc2 = cmdb__scan_message(&msg, report);
		cmdb__alloc_fail_at(0);
		if (rc == 0 && rc2 == 0) {
			ok_in_a_row++;
			free(out);
			free(msg);
			continue;
		}
		ok_in_a_row = 0;
		failures++;
		if (rc == 0)
			free(out);
		else
			assert_null(out);
		if (rc2 == 0)
			free(msg);
		else
			assert_null(msg);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(failures > 10);
	json_decref(old);
	json_decref(fresh);
	json_decref(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_message__package_upgrade),
		cmocka_unit_test(test_scan_message__new_and_removed),
		cmocka_unit_test(test_scan_message__several_sections),
		cmocka_unit_test(test_scan_message__hostile_text_is_escaped),
		cmocka_unit_test(test_scan_message__long_lists_are_cut),
		cmocka_unit_test(test_scan_message__scan_id),
		cmocka_unit_test(test_scan_message__scan_ids_do_not_collide),
		cmocka_unit_test(test_scan_message__hostkeys_message_is_capped),
		cmocka_unit_test(test_scan_message__message),
		cmocka_unit_test(test_scan_message__fingerprint_only_changes_say_so),
		cmocka_unit_test(test_scan_message__new_redaction_key),
		cmocka_unit_test(test_scan_message__quiet_scan),
		cmocka_unit_test(test_scan_message__status_names),
		cmocka_unit_test(test_scan_message__allocation_failures_are_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
