/* One host's output into items (cmdb__scan_host_parse), on the lab persona outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "gitcmdb/id.h"
#include "gitcmdb/yaml.h"
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

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Parse with gitcmdb.yaml settings (JSON text, may be NULL) and a deadline (0 = none). */
static void parse_with(cmdb__scan_host *h, cmdb_host *host, const char *name, const char *text,
	size_t len, const char *settings, uint64_t deadline_ms)
{
	cmdb_redactor *r = NULL;
	json_t *set = settings ? json_loads(settings, 0, NULL) : NULL;

	memset(host, 0, sizeof(*host));
	host->name = name;
	memset(h, 0, sizeof(*h));
	h->host = host;
	h->code = CMDB_ERROR;
	h->deadline_ms = deadline_ms;
	strcpy(h->hostkey, "SHA256:testkey");
	assert_true(!settings || set);
	assert_int_equal(cmdb_redactor_new_ephemeral(&r, NULL), 0);
	assert_int_equal(cmdb__scan_host_parse(h, text, len, set, r), 0);
	cmdb_redactor_free(r);
	json_decref(set);
}

static void parse(
	cmdb__scan_host *h, cmdb_host *host, const char *name, const char *text, size_t len)
{
	parse_with(h, host, name, text, len, NULL, 0);
}

/* A collector output with one section, whose body is about `bytes` bytes made by fn(i). */
typedef int (*line_fn)(char *buf, size_t size, size_t i);

static char *output(size_t *len, const char *section, const char *label, size_t bytes, line_fn fn)
{
	size_t cap = bytes + 65536, n = 0; /* a line is under 32 KiB */
	char *out = malloc(cap);

	assert_non_null(out);
	n += (size_t)snprintf(out + n, cap - n,
		"@@gitcmdb-collect 1@@\n@@gitcmdb-begin %s@@\n%%%% %s\n", section, label);
	for (size_t i = 0; n < bytes;)
		n += (size_t)fn(out + n, cap - n, i++);
	n += (size_t)snprintf(
		out + n, cap - n, "@@gitcmdb-end %s 0@@\n@@gitcmdb-done@@\n", section);
	*len = n;
	return out;
}

static int dpkg_line(char *buf, size_t size, size_t i)
{
	return snprintf(buf, size, "ii \tpkg-%07zu\t1.%zu-1\tamd64\n", i, i % 97);
}

/* Long device and mount names (each under the parser's 1 KiB): big items from few facts. */
static int mount_line(char *buf, size_t size, size_t i)
{
	char pad[1001];

	memset(pad, 'm', 1000);
	pad[1000] = '\0';
	return snprintf(buf, size, "/dev/%s%zu /mnt/%s%zu ext4 rw 0 0\n", pad, i, pad, i);
}

/* One group with 4096 members per line: de-duplicating them is quadratic. */
static int group_line(char *buf, size_t size, size_t i)
{
	int n = snprintf(buf, size, "g%zu:%zu:", i, i);

	for (int m = 0; m < 4096; m++)
		n += snprintf(buf + n, size - (size_t)n, "%sm%d", m ? "," : "", m);
	n += snprintf(buf + n, size - (size_t)n, "\n");
	return n;
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

/*
 * More facts than the per-host limit: refused as "toobig" before any parsing, with a
 * message naming that limit (not an output or item limit) and the section.
 */
static void test_scan_parse__facts_over_limit_is_toobig(void **state)
{
	size_t len;
	char *text = output(&len, "packages", "dpkg", 70000, dpkg_line);
	cmdb__scan_host h;
	cmdb_host host;

	(void)state;
	parse_with(&h, &host, "big", text, len, "{\"facts_max_bytes\": 65536}", 0);
	assert_string_equal(h.status, "toobig");
	assert_int_equal(h.code, CMDB_ETOOBIG);
	assert_null(h.items);
	assert_non_null(strstr(h.error, "more than 65536 bytes of facts"));
	assert_non_null(strstr(h.error, "facts_max_bytes"));
	assert_non_null(strstr(h.error, "section packages"));
	cmdb__scan_host_dispose(&h);
	/* Under a higher limit the same output is a host like any other. */
	parse_with(&h, &host, "big", text, len, "{\"facts_max_bytes\": 131072}", 0);
	assert_string_equal(h.status, "ok");
	assert_true(json_object_size(json_object_get(
			    json_object_get(json_object_get(h.items, "host/big"), "attributes"),
			    "packages")) > 1000);
	cmdb__scan_host_dispose(&h);
	free(text);
	/* The default limit: 4 MiB. */
	text = output(&len, "packages", "dpkg", CMDB_COLLECT_FACTS_MAX_DEFAULT + 4096, dpkg_line);
	parse_with(&h, &host, "big", text, len, NULL, 0);
	assert_string_equal(h.status, "toobig");
	assert_non_null(strstr(h.error, "more than 4194304 bytes of facts"));
	cmdb__scan_host_dispose(&h);
	free(text);
}

/* An item that cannot be an item file (over 16 MiB of YAML) fails its host, saying so. */
static void test_scan_parse__item_over_item_limit_is_toobig(void **state)
{
	size_t len;
	char *text = output(&len, "filesystems", "mounts", 17u << 20, mount_line);
	cmdb__scan_host h;
	cmdb_host host;

	(void)state;
	parse_with(&h, &host, "big", text, len, "{\"facts_max_bytes\": 33554432}", 0);
	assert_string_equal(h.status, "toobig");
	assert_null(h.items);
	assert_non_null(strstr(h.error,
		"item host/big is larger than the 16777216-byte limit "
		"of an item file"));
	cmdb__scan_host_dispose(&h);
	free(text);
}

/* Parsing counts in the host's deadline: output that arrives after it is not parsed. */
static void test_scan_parse__past_deadline_is_timeout(void **state)
{
	size_t len;
	char *text = persona("web01", &len);
	cmdb__scan_host h;
	cmdb_host host;

	(void)state;
	parse_with(&h, &host, "web01", text, len, NULL, 1);
	assert_string_equal(h.status, "timeout");
	assert_int_equal(h.code, CMDB_ETIMEOUT);
	assert_null(h.items);
	assert_non_null(strstr(h.error, "deadline passed before its output could be parsed"));
	cmdb__scan_host_dispose(&h);
	parse_with(&h, &host, "web01", text, len, NULL, now_ms() + 600000);
	assert_string_equal(h.status, "ok");
	cmdb__scan_host_dispose(&h);
	free(text);
}

/*
 * Output whose parsing is slow (groups of 4096 members, de-duplicated pairwise: about
 * 8 s of CPU here) stops at the deadline instead of running to its end.
 */
static void test_scan_parse__slow_parse_stops_at_deadline(void **state)
{
	size_t len;
	char *text = output(&len, "users", "group", 1300000, group_line);
	cmdb__scan_host h;
	cmdb_host host;
	uint64_t t0 = now_ms();

	(void)state;
	parse_with(&h, &host, "slow", text, len, NULL, t0 + 300);
	printf("# hostile users section (%zu bytes): stopped after %llu ms (deadline 300 ms)\n",
		len, (unsigned long long)(now_ms() - t0));
	assert_true(now_ms() - t0 < 5000);
	assert_string_equal(h.status, "timeout");
	assert_null(h.items);
	assert_non_null(strstr(h.error, "deadline passed while its output was parsed"));
	cmdb__scan_host_dispose(&h);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_parse__web01),
		cmocka_unit_test(test_scan_parse__cut_output_is_incomplete),
		cmocka_unit_test(test_scan_parse__evil_stays_in_its_tree),
		cmocka_unit_test(test_scan_parse__facts_over_limit_is_toobig),
		cmocka_unit_test(test_scan_parse__item_over_item_limit_is_toobig),
		cmocka_unit_test(test_scan_parse__past_deadline_is_timeout),
		cmocka_unit_test(test_scan_parse__slow_parse_stops_at_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
