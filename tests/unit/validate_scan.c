/*
 * Contract check between the collectors and the schemas: the items a scan
 * produces from every lab persona (tests/lab/personas/NAME.out), emitted as the
 * canonical YAML the store writes, validate without a single finding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "testutil.h"

/* Validate a persona's items; with break_it, first plant one wrong-typed fact to prove the check
 * bites. */
static void validate_persona(const char *persona, int break_it)
{
	char path[1024], *out = NULL;
	size_t len = 0;
	json_t *facts = NULL, *items = NULL, *files = NULL, *findings = json_array(), *item;
	cmdb_schema *schema = NULL;
	cmdb_validator *v = NULL;
	const char *id;

	snprintf(path, sizeof(path), "%s/tests/lab/personas/%s.out", CMDB_SOURCE_DIR, persona);
	assert_non_null(out = tu_read_file(path, &len));
	assert_int_equal(cmdb_collect_parse(&facts, out, len, NULL), 0);
	assert_int_equal(cmdb_collect_items(&items, &files, persona, facts, NULL), 0);
	assert_true(json_object_size(items) > 0);
	if (break_it) {
		char hid[300];

		snprintf(hid, sizeof(hid), "host/%s", persona);
		assert_int_equal(json_object_set_new(
					 json_object_get(json_object_get(items, hid), "attributes"),
					 "fqdn", json_integer(5)),
			0);
	}
	assert_int_equal(cmdb_schema_load_builtin(&schema), 0);
	assert_int_equal(cmdb_validator_new(&v, schema), 0);
	json_object_foreach(items, id, item)
	{
		char *yaml = NULL, *ipath = NULL;
		size_t ylen = 0;

		assert_int_equal(cmdb_yaml_emit(&yaml, &ylen, item, CMDB_YAML_ITEM), 0);
		assert_int_equal(cmdb_id_to_path(&ipath, id), 0);
		assert_int_equal(cmdb_validator_add(v, ipath, yaml, ylen), 0);
		cmdb_free(yaml);
		cmdb_free(ipath);
	}
	assert_int_equal(cmdb_validator_finish(v, findings), 0);
	if (break_it) {
		assert_int_equal(json_array_size(findings), 1);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(findings, 0), "message")),
			"attributes.fqdn: expected string, got int");
		json_array_clear(findings);
	}
	if (json_array_size(findings)) {
		char *d = json_dumps(findings, JSON_INDENT(1));

		fprintf(stderr, "%s: %s\n", persona, d);
		free(d);
		fail_msg("persona %s: %zu findings", persona, json_array_size(findings));
	}
	cmdb_validator_free(v);
	cmdb_schema_free(schema);
	json_decref(findings);
	json_decref(facts);
	json_decref(items);
	json_decref(files);
	free(out);
}

static void test_validate_scan__personas(void **state)
{
	static const char *const personas[] = {
		"web01", "web01-drift", "app01", "db01", "rocky9", "alpine319", "evil"};

	for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++)
		validate_persona(personas[i], 0);
	validate_persona("web01", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_scan__personas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
