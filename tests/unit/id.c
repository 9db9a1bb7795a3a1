/* Item ids: the component rules, canonical %-encoding, and hostile names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "util/alloc.h"

static void test_id__valid_ids(void **state)
{
	static const char *const ok[] = {
		"host/web01",
		"service/web01/nginx",
		"business_service/shop",
		"change/CHG-0042",
		"host/a.b_c@d:e+f-g",
		"application/Web%20Shop",
		"host/%2Ehidden",
		"host/%2E",
		"host/%2E.",
		"file/%25",
		"host/caf%C3%A9",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (cmdb_id_validate(ok[i]) != 0)
			fail_msg("%s rejected: %s", ok[i], cmdb_error_last());
	}
}

static void test_id__invalid_ids(void **state)
{
	static const char *const bad[] = {
		"", "host", "host/", "/host/web01", "host//web01", "host/web01/", "host/.",
		"host/..", "host/../x", "../../x", "host/a/../../b", ".git/hooks/x", "host/.git",
		"host/.hidden", "host/a b", "host/a\nb", "host/\x1b[31mred",
		"host/a%2fb", /* lowercase hex */
		"host/a%41", /* 'A' is allowed: not canonical */
		"host/a%2E", /* '.' inside a name is written literally */
		"host/a%", /* truncated escape */
		"host/a%4", /* truncated escape */
		"host/a%G0", /* not hex */
		"Host/web01", /* type must be lowercase */
		"9host/web01", /* type starts with a letter */
		"my-type/web01", "host/a\\b", "host/caf\xc3\xa9", /* raw UTF-8 must be encoded */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cmdb_id_validate(bad[i]) != CMDB_EINVALID)
			fail_msg("%zu accepted", i);
		assert_int_equal(cmdb_error_last_code(), CMDB_EINVALID);
	}
}

static void test_id__messages_are_printable(void **state)
{
	const char *msg;

	assert_int_equal(cmdb_id_validate("host/\x1b[31mred\n"), CMDB_EINVALID);
	msg = cmdb_error_last();
	assert_non_null(strstr(msg, "\\x1B"));
	for (const char *p = msg; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_id__component_length_limits(void **state)
{
	char id[600], *enc = NULL;
	char raw[300];

	/* A middle component may be 255 bytes; the last one only 250 (+ ".yaml"). */
	memset(raw, 'a', sizeof(raw));
	snprintf(id, sizeof(id), "service/%.*s/x", 255, raw);
	assert_int_equal(cmdb_id_validate(id), 0);
	snprintf(id, sizeof(id), "service/%.*s/x", 256, raw);
	assert_int_equal(cmdb_id_validate(id), CMDB_EINVALID);
	snprintf(id, sizeof(id), "host/%.*s", 250, raw);
	assert_int_equal(cmdb_id_validate(id), 0);
	snprintf(id, sizeof(id), "host/%.*s", 251, raw);
	assert_int_equal(cmdb_id_validate(id), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "251 bytes"));

	/* 85 bytes that each need %XX = 255 encoded bytes: fits; 86 does not. */
	memset(raw, ' ', sizeof(raw));
	assert_int_equal(cmdb_id_encode_component(&enc, raw, 85), 0);
	assert_int_equal(strlen(enc), 255);
	cmdb_free(enc);
	enc = (char *)0x1;
	assert_int_equal(cmdb_id_encode_component(&enc, raw, 86), CMDB_EINVALID);
	assert_null(enc);
}

static void test_id__whole_id_limit(void **state)
{
	char *id = malloc(CMDB_ID_MAX + 200);
	size_t o = 0;

	o += (size_t)sprintf(id, "host");
	while (o <= CMDB_ID_MAX) {
		id[o++] = '/';
		memset(id + o, 'a', 100);
		o += 100;
	}
	id[o] = '\0';
	assert_true(strlen(id) > CMDB_ID_MAX);
	assert_int_equal(cmdb_id_validate(id), CMDB_EINVALID);
	free(id);
}

/* Every hostile raw name either fails to encode or encodes to one safe component. */
static void test_id__hostile_names(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
		const char *want; /* NULL: must fail */
	} table[] = {
		{"../../x", 7, "%2E.%2F..%2Fx"},
		{"a/../../b", 9, "a%2F..%2F..%2Fb"},
		{".git/hooks/x", 12, "%2Egit%2Fhooks%2Fx"},
		{".git", 4, "%2Egit"},
		{".", 1, "%2E"},
		{"..", 2, "%2E."},
		{"a\0b", 3, "a%00b"},
		{"a\nb", 3, "a%0Ab"},
		{"\x1b[31mred\x1b[0m", 12, "%1B%5B31mred%1B%5B0m"},
		{"100%", 4, "100%25"},
		{"%2E", 3, "%252E"},
		{"caf\xc3\xa9", 5, "caf%C3%A9"},
		{"a b", 3, "a%20b"},
		{"nginx.service", 13, "nginx.service"},
		{"x~1", 3, "x%7E1"},
		{"", 0, NULL},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char *enc = NULL, *dec = NULL, *id = NULL;
		size_t declen = 0;
		int rc = cmdb_id_encode_component(&enc, table[i].raw, table[i].len);

		if (!table[i].want) {
			assert_int_equal(rc, CMDB_EINVALID);
			assert_null(enc);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(enc, table[i].want);
		assert_null(strchr(enc, '/'));
		assert_true(enc[0] != '.');
		/* Decoding gives the raw bytes back; re-encoding gives the same component. */
		assert_int_equal(cmdb_id_decode_component(&dec, &declen, enc), 0);
		assert_int_equal(declen, table[i].len);
		assert_memory_equal(dec, table[i].raw, declen);
		if (asprintf(&id, "host/%s", enc) < 0)
			abort();
		assert_int_equal(cmdb_id_validate(id), 0);
		free(id);
		cmdb_free(enc);
		cmdb_free(dec);
	}
}

static void test_id__hostile_4k_name(void **state)
{
	char *raw = malloc(4096), *enc = (char *)0x1, *id = (char *)0x1;
	const char *names[1];

	memset(raw, 'x', 4095);
	raw[4095] = '\0';
	assert_int_equal(cmdb_id_encode_component(&enc, raw, 4095), CMDB_EINVALID);
	assert_null(enc);
	names[0] = raw;
	assert_int_equal(cmdb_id_build(&id, "host", names, 1), CMDB_EINVALID);
	assert_null(id);
	free(raw);
}

static void test_id__build_and_paths(void **state)
{
	const char *names[] = {"web01", "nginx.service"};
	const char *hostile[] = {"..", "../etc/passwd"};
	char *id = NULL, *path = NULL, *back = NULL, *type = NULL, *name = NULL;
	size_t namelen = 0;

	assert_int_equal(cmdb_id_build(&id, "service", names, 2), 0);
	assert_string_equal(id, "service/web01/nginx.service");
	assert_int_equal(cmdb_id_to_path(&path, id), 0);
	assert_string_equal(path, "service/web01/nginx.service.yaml");
	assert_int_equal(cmdb_id_from_path(&back, path), 0);
	assert_string_equal(back, id);
	assert_int_equal(cmdb_id_type(&type, id), 0);
	assert_string_equal(type, "service");
	assert_int_equal(cmdb_id_name(&name, &namelen, id), 0);
	assert_string_equal(name, "nginx.service");
	cmdb_free(id);
	cmdb_free(path);
	cmdb_free(back);
	cmdb_free(type);
	cmdb_free(name);

	assert_int_equal(cmdb_id_build(&id, "host", hostile, 2), 0);
	assert_string_equal(id, "host/%2E./%2E.%2Fetc%2Fpasswd");
	cmdb_free(id);

	id = (char *)0x1;
	assert_int_equal(cmdb_id_build(&id, "../x", names, 1), CMDB_EINVALID);
	assert_null(id);
	assert_int_equal(cmdb_id_build(&id, "host", names, 0), CMDB_EINVALID);
	assert_int_equal(cmdb_id_build(&id, NULL, names, 1), CMDB_EINVALID);
}

static void test_id__from_path_rejects(void **state)
{
	static const char *const bad[] = {
		"host/web01",
		"host/web01.yml",
		".yaml",
		"host/.yaml",
		"host.yaml",
		"../host/web01.yaml",
		"host/../../x.yaml",
		".git/config.yaml",
		"gitcmdb.yaml",
		"host/web01.YAML",
	};
	char *id = (char *)0x1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cmdb_id_from_path(&id, bad[i]) != CMDB_EINVALID)
			fail_msg("%s accepted", bad[i]);
		assert_null(id);
	}
	assert_int_equal(cmdb_id_from_path(&id, NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_id_to_path(&id, "host/../x"), CMDB_EINVALID);
	assert_null(id);
}

static void test_id__raw_file_paths(void **state)
{
	static const char *const ok[] = {
		"file/web01/etc/ssh/sshd_config",
		"file/web01/root/%2Ebashrc",
		"known_hosts",
		"file/web01/etc/a%20b",
	};
	static const char *const bad[] = {
		"",
		"/etc/passwd",
		"file//x",
		"file/web01/",
		"file/../x",
		"file/web01/.bashrc",
		".git/config",
		"file/a\nb",
		"file/a%2fb",
		"file/a%41",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (cmdb_path_validate(ok[i]) != 0)
			fail_msg("%s rejected: %s", ok[i], cmdb_error_last());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cmdb_path_validate(bad[i]) != CMDB_EINVALID)
			fail_msg("%zu accepted", i);
	assert_int_equal(cmdb_path_validate(NULL), CMDB_EINVALID);
}

static void test_id__decode_rejects(void **state)
{
	char *raw = (char *)0x1;
	size_t len = 7;

	assert_int_equal(cmdb_id_decode_component(&raw, &len, "a/b"), CMDB_EINVALID);
	assert_null(raw);
	assert_int_equal(len, 7);
	assert_int_equal(cmdb_id_decode_component(&raw, &len, "a%2f"), CMDB_EINVALID);
	assert_int_equal(cmdb_id_decode_component(&raw, &len, ".."), CMDB_EINVALID);
	assert_int_equal(cmdb_id_decode_component(&raw, &len, ""), CMDB_EINVALID);
	assert_int_equal(cmdb_id_decode_component(&raw, &len, NULL), CMDB_EINVALID);
}

static void test_id__classify_paths(void **state)
{
	static const struct {
		const char *path;
		cmdb_path_kind kind;
	} table[] = {
		{"host/web01.yaml", CMDB_PATH_ITEM},
		{"service/web01/nginx.yaml", CMDB_PATH_ITEM},
		{"host/notes.txt", CMDB_PATH_ITEM}, /* validated, and reported as a bad item path */
		{"stray.yaml", CMDB_PATH_ITEM},
		{"gitcmdb.yaml", CMDB_PATH_SETTINGS},
		{"inventory.yaml", CMDB_PATH_SETTINGS},
		{"known_hosts", CMDB_PATH_SETTINGS},
		{"schemas/host.yaml", CMDB_PATH_SCHEMA},
		{"schemas/relations.yaml", CMDB_PATH_SCHEMA},
		{"schemas/README.md", CMDB_PATH_OTHER},
		{"schemas/sub/x.yaml", CMDB_PATH_OTHER},
		{"schemas/.yaml", CMDB_PATH_OTHER},
		{"file/web01/etc/ssh/sshd_config", CMDB_PATH_RAW},
		{"file/web01/x.yaml", CMDB_PATH_RAW},
		{"README.md", CMDB_PATH_OTHER},
		{".gitignore", CMDB_PATH_OTHER},
		{".github/workflows/ci.yaml", CMDB_PATH_OTHER},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (cmdb_path_classify(table[i].path) != table[i].kind)
			fail_msg("%s: got %d, expected %d", table[i].path,
				(int)cmdb_path_classify(table[i].path), (int)table[i].kind);
}

/* Every allocation failure is a clean error with nothing returned (and no leak under ASan). */
static void test_id__record_ids(void **state)
{
	static const struct {
		cmdb_record_kind kind;
		const char *id;
		int valid;
	} cases[] = {
		{CMDB_RECORD_CHANGE, "CHG-0042", 1},
		{CMDB_RECORD_CHANGE, "CHG-0000", 1},
		{CMDB_RECORD_CHANGE, "CHG-12345", 1},
		{CMDB_RECORD_INCIDENT, "INC-0001", 1},
		{CMDB_RECORD_PROBLEM, "PRB-9999", 1},
		{CMDB_RECORD_CHANGE, "CHG-42", 0}, /* fewer than 4 digits */
		{CMDB_RECORD_CHANGE, "CHG-042", 0},
		{CMDB_RECORD_CHANGE, "CHG-", 0},
		{CMDB_RECORD_CHANGE, "CHG0042", 0},
		{CMDB_RECORD_CHANGE, "chg-0042", 0},
		{CMDB_RECORD_CHANGE, "CHG-0042a", 0},
		{CMDB_RECORD_CHANGE, "CHG-00 42", 0},
		{CMDB_RECORD_CHANGE, "CHG--0042", 0},
		{CMDB_RECORD_CHANGE, "CHG-+0042", 0},
		{CMDB_RECORD_CHANGE, "INC-0042", 0}, /* another kind's prefix */
		{CMDB_RECORD_INCIDENT, "CHG-0042", 0},
		{CMDB_RECORD_CHANGE, "CHG-00000000000000000001", 1}, /* 24 bytes */
		{CMDB_RECORD_CHANGE, "CHG-000000000000000000001", 0}, /* 25 */
		{CMDB_RECORD_CHANGE, "", 0},
		{(cmdb_record_kind)7, "CHG-0042", 0},
	};
	cmdb_record_kind k = CMDB_RECORD_PROBLEM;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (cmdb_record_id_valid(cases[i].kind, cases[i].id) != cases[i].valid)
			fail_msg("%s: expected %d", cases[i].id, cases[i].valid);
	}
	assert_int_equal(cmdb_record_id_valid(CMDB_RECORD_CHANGE, NULL), 0);
	assert_string_equal(cmdb_record_id_prefix(CMDB_RECORD_CHANGE), "CHG");
	assert_string_equal(cmdb_record_id_prefix(CMDB_RECORD_INCIDENT), "INC");
	assert_string_equal(cmdb_record_id_prefix(CMDB_RECORD_PROBLEM), "PRB");
	assert_null(cmdb_record_id_prefix((cmdb_record_kind)3));
	assert_int_equal(cmdb_record_id_parse(&k, "CHG-0042"), 0);
	assert_int_equal(k, CMDB_RECORD_CHANGE);
	assert_int_equal(cmdb_record_id_parse(&k, "INC-0007"), 0);
	assert_int_equal(k, CMDB_RECORD_INCIDENT);
	assert_int_equal(cmdb_record_id_parse(&k, "PRB-0100"), 0);
	assert_int_equal(k, CMDB_RECORD_PROBLEM);
	assert_int_equal(cmdb_record_id_parse(&k, "CHG-1\n\x1b[31m"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "'CHG-1\\x0A\\x1B[31m' is not a record id"));
	assert_non_null(strstr(cmdb_error_last(), "at least 4 digits"));
	assert_int_equal(k, CMDB_RECORD_PROBLEM); /* untouched on failure */
}

static void test_id__allocation_failures(void **state)
{
	const char *names[] = {"web01", "a b"};

	for (long n = 1; n < 20; n++) {
		char *id = (char *)0x1;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = cmdb_id_build(&id, "service", names, 2);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			assert_string_equal(id, "service/web01/a%20b");
			cmdb_free(id);
			break;
		}
		assert_int_equal(rc, CMDB_ERROR);
		assert_null(id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id__valid_ids),
		cmocka_unit_test(test_id__invalid_ids),
		cmocka_unit_test(test_id__messages_are_printable),
		cmocka_unit_test(test_id__component_length_limits),
		cmocka_unit_test(test_id__whole_id_limit),
		cmocka_unit_test(test_id__hostile_names),
		cmocka_unit_test(test_id__hostile_4k_name),
		cmocka_unit_test(test_id__build_and_paths),
		cmocka_unit_test(test_id__from_path_rejects),
		cmocka_unit_test(test_id__raw_file_paths),
		cmocka_unit_test(test_id__decode_rejects),
		cmocka_unit_test(test_id__classify_paths),
		cmocka_unit_test(test_id__record_ids),
		cmocka_unit_test(test_id__allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
