/* One host's output into items (cmdb__scan_host_parse), on the lab persona outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "gitcmdb/id.h"
#include "scan/scan.h"
#include "testutil.h"

static char *persona(const char *name, size_t *len)
{
	char path[512];
	char *text;

	snprintf(path, sizeof(path), "%s/tests/lab/personas/%s.out", CMDB_SOURCE_DIR, name);
	text = tu_read_file(path, len);
	assert_non_null(text);
	return text;
}

static void parse(
	cmdb__scan_host *h, cmdb_host *host, const char *name, const char *text, size_t len)
{
	cmdb_redactor *r = NULL;

	memset(host, 0, sizeof(*host));
	host->name = name;
	memset(h, 0, sizeof(*h));
	h->host = host;
	h->code = CMDB_ERROR;
	strcpy(h->hostkey, "SHA256:testkey");
	assert_int_equal(cmdb_redactor_new_ephemeral(&r, NULL), 0);
	assert_int_equal(cmdb__scan_host_parse(h, text, len, NULL, r), 0);
	cmdb_redactor_free(r);
}

static void test_scan_parse__web01(void **state)
{
	size_t len;
	char *text = persona("web01", &len);
	cmdb__scan_host h;
	cmdb_host host;
	const json_t *item;

	(void)state;
	parse(&h, &host, "web01", text, len);
	assert_int_equal(h.code, 0);
	assert_string_equal(h.status, "ok");
	item = json_object_get(h.items, "host/web01");
	assert_non_null(item);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(item, "attributes"), "identity"),
			"ssh_hostkey")),
		"SHA256:testkey");
	assert_non_null(json_object_get(h.items, "service/web01/nginx"));
	assert_non_null(json_object_get(h.files, "file/web01/etc/ssh/sshd_config"));
	cmdb__scan_host_dispose(&h);
	free(text);
}

static void test_scan_parse__cut_output_is_incomplete(void **state)
{
	size_t len;
	char *text = persona("web01", &len);
	cmdb__scan_host h;
	cmdb_host host;

	(void)state;
	parse(&h, &host, "web01", text, len / 2);
	assert_string_equal(h.status, "incomplete");
	assert_int_not_equal(h.code, 0);
	assert_null(h.items);
	assert_null(h.files);
	assert_non_null(strstr(h.error, "incomplete output"));
	cmdb__scan_host_dispose(&h);
	/* A forged final frame after garbage does not make it a collector's output. */
	parse(&h, &host, "web01", "\x01\x02garbage\n@@gitcmdb-done@@\n", 28);
	assert_string_equal(h.status, "incomplete");
	assert_null(h.items);
	assert_non_null(strstr(h.error, "no collector section"));
	cmdb__scan_host_dispose(&h);
	free(text);
}

static void test_scan_parse__evil_stays_in_its_tree(void **state)
{
	size_t len;
	char *text = persona("evil", &len);
	cmdb__scan_host h;
	cmdb_host host;
	const char *key;
	json_t *v;

	(void)state;
	parse(&h, &host, "evil", text, len);
	assert_int_equal(h.code, 0);
	assert_true(json_object_size(h.items) > 1);
	json_object_foreach(h.items, key, v)
	{
		assert_int_equal(cmdb_id_validate(key), 0);
		assert_true(
			strcmp(key, "host/evil") == 0 || strncmp(key, "service/evil/", 13) == 0);
	}
	json_object_foreach(h.files, key, v)
	{
		assert_int_equal(cmdb_path_validate(key), 0);
		assert_int_equal(strncmp(key, "file/evil/", 10), 0);
	}
	assert_true(json_array_size(h.warnings) > 0);
	cmdb__scan_host_dispose(&h);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_parse__web01),
		cmocka_unit_test(test_scan_parse__cut_output_is_incomplete),
		cmocka_unit_test(test_scan_parse__evil_stays_in_its_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
