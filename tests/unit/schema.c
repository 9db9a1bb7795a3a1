/* Schemas (loading the schema language) and the validator (every rule, with exact locations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "util/alloc.h"
#include "util/asset.h"
#include "json_assert.h"
#include "testutil.h"

static cmdb_schema *builtin(void)
{
	cmdb_schema *s = NULL;

	if (cmdb_schema_load_builtin(&s) != 0)
		fail_msg("builtin schemas: %s", cmdb_error_last());
	return s;
}

/* Validate NULL-terminated {path, content} pairs; returns the sorted findings. */
static json_t *check_with(const cmdb_schema *s, const char *const *files)
{
	cmdb_validator *v = NULL;
	json_t *findings = json_array();

	assert_int_equal(cmdb_validator_new(&v, s), 0);
	for (size_t i = 0; files[i]; i += 2)
		assert_int_equal(
			cmdb_validator_add(v, files[i], files[i + 1], strlen(files[i + 1])), 0);
	assert_int_equal(cmdb_validator_finish(v, findings), 0);
	cmdb_validator_free(v);
	return findings;
}

/* ---- loading ---- */

static void test_schema__builtin_types_and_relations(void **state)
{
	static const char *const types[] = {"application", "business_service", "change",
		"container", "database", "group", "host", "incident", "network_device", "problem",
		"service"};
	static const struct {
		const char *name;
		int impacts;
	} rels[] = {{"runs_on", 1}, {"depends_on", 1}, {"connects_to", 1}, {"member_of", 1},
		{"part_of", 1}, {"hosted_on", 1}, {"affects", 0}, {"caused_by", 0},
		{"incidents", 0}};
	cmdb_schema *s = builtin();
	json_t *list = NULL;
	int impacts = -1;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_true(cmdb_schema_has_type(s, types[i]));
	assert_false(cmdb_schema_has_type(s, "file"));
	assert_false(cmdb_schema_has_type(s, NULL));
	assert_true(cmdb_schema_type_is_record(s, "change"));
	assert_true(cmdb_schema_type_is_record(s, "incident"));
	assert_false(cmdb_schema_type_is_record(s, "host"));
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		assert_int_equal(cmdb_schema_relation(s, rels[i].name, &impacts), 0);
		assert_int_equal(impacts, rels[i].impacts);
	}
	{
		/* which end's failure hits the other (schemas/relations.yaml impact) */
		static const struct {
			const char *name;
			cmdb_impact_dir dir;
		} dirs[] = {{"runs_on", CMDB_IMPACT_TARGET}, {"hosted_on", CMDB_IMPACT_TARGET},
			{"depends_on", CMDB_IMPACT_TARGET}, {"connects_to", CMDB_IMPACT_TARGET},
			{"part_of", CMDB_IMPACT_SOURCE}, {"member_of", CMDB_IMPACT_MEMBERS},
			{"affects", CMDB_IMPACT_NONE}, {"caused_by", CMDB_IMPACT_NONE},
			{"resolved_by", CMDB_IMPACT_NONE}};
		cmdb_impact_dir dir;

		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			assert_int_equal(cmdb_schema_relation_impact(s, dirs[i].name, &dir), 0);
			assert_int_equal(dir, dirs[i].dir);
		}
		assert_int_equal(cmdb_schema_relation_impact(s, "likes", &dir), CMDB_ENOTFOUND);
	}
	impacts = 7;
	assert_int_equal(cmdb_schema_relation(s, "likes", &impacts), CMDB_ENOTFOUND);
	assert_int_equal(impacts, 7);
	assert_int_equal(cmdb_schema_relation_types(&list, s), 0);
	assert_int_equal(json_array_size(list), 10);
	assert_string_equal(json_string_value(json_array_get(list, 0)), "affects");
	json_decref(list);
	assert_int_equal(cmdb_schema_types(&list, s), 0);
	assert_int_equal(json_array_size(list), 11);
	json_decref(list);
	cmdb_schema_free(s);
}

static void test_schema__load_dir(void **state)
{
	char *dir = tu_tempdir("schema"), path[512];
	cmdb_schema *s = (cmdb_schema *)0x1;
	static const char thing[] = "type: thing\nattributes:\n  type: map\n  fields:\n"
				    "    size: {type: int, required: true}\n";
	static const char rels[] = "relations:\n  near:\n    impacts: false\n"
				   "    sources: [thing]\n    targets: [ci]\n";

	snprintf(path, sizeof(path), "%s/thing.yaml", dir);
	assert_int_equal(tu_write_file(path, thing, strlen(thing)), 0);
	snprintf(path, sizeof(path), "%s/relations.yaml", dir);
	assert_int_equal(tu_write_file(path, rels, strlen(rels)), 0);
	snprintf(path, sizeof(path), "%s/README.txt", dir);
	assert_int_equal(tu_write_file(path, "not yaml", 8), 0);
	assert_int_equal(cmdb_schema_load_dir(&s, dir), 0);
	assert_true(cmdb_schema_has_type(s, "thing"));
	assert_false(cmdb_schema_has_type(s, "host"));
	assert_int_equal(cmdb_schema_relation(s, "near", NULL), 0);
	assert_int_equal(cmdb_schema_relation(s, "runs_on", NULL), CMDB_ENOTFOUND);
	{
		const char *const files[] = {"thing/a.yaml",
			"type: thing\nname: a\nattributes: {}\n", "thing/b.yaml",
			"type: thing\nname: b\nattributes: {size: 2}\nrelations:\n"
			"  near: [thing/a]\n",
			NULL};
		json_t *f = check_with(s, files);

		tu_expect_findings(f, 1);
		tu_expect_finding(
			f, "thing/a.yaml", 3, 13, "attributes: missing required field 'size'");
		json_decref(f);
	}
	cmdb_schema_free(s);

	/* A relation naming a type without a schema fails the whole load. */
	snprintf(path, sizeof(path), "%s/thing.yaml", dir);
	unlink(path);
	s = (cmdb_schema *)0x1;
	assert_int_equal(cmdb_schema_load_dir(&s, dir), CMDB_EINVALID);
	assert_null(s);
	assert_non_null(strstr(cmdb_error_last(), "relation 'near' names type 'thing'"));
	tu_rmrf(dir);
	free(dir);

	assert_int_equal(cmdb_schema_load_dir(&s, "/nonexistent/gitcmdb-schemas"), CMDB_ENOTFOUND);
	assert_null(s);
}

/* Every bad schema file is refused with file:line:col, and the set stays as it was. */
static void test_schema__bad_schema_files(void **state)
{
	static const struct {
		const char *name, *yaml, *msg;
	} bad[] = {
		{"host.yaml", "type: host\nattributes:\n  type: map\n  requird: true\n",
			"host.yaml:4:12: unknown schema keyword 'requird'"},
		{"host.yaml", "type: host\nattributes: {type: map, fields: {a: {type: str}}}\n",
			"host.yaml:2:37: unknown field type"},
		{"host.yaml",
			"type: host\nattributes: {type: map, fields: {a: {type: string, pattern: "
			"\"(\"}}}\n",
			"host.yaml:2:61: bad pattern"},
		{"host.yaml",
			"type: host\nattributes: {type: map, fields: {a: {type: int, pattern: "
			"x}}}\n",
			"host.yaml:2:58: 'pattern' must be a string on a string field"},
		{"host.yaml", "type: host\nattributes: {type: list, fields: {}}\n",
			"host.yaml:2:34: 'fields' needs type: map"},
		{"host.yaml", "type: host\nattributes: {type: map, fields: {a: {enum: []}}}\n",
			"host.yaml:2:44: 'enum' must be a non-empty list"},
		{"host.yaml",
			"type: host\nattributes: {type: map, fields: {a: {type: bool, min: 1}}}\n",
			"host.yaml:2:55: 'min' must be a number"},
		{"host.yaml", "type: host\nattributes: {type: map, fields: {a: 3}}\n",
			"host.yaml:2:37: a field spec must be a map"},
		{"host.yaml",
			"type: host\nattributes: {type: map, fields: {a: {requires: {x: []}}}}\n",
			"host.yaml:2:48: 'requires' must map each value to a non-empty list"},
		{"host.yaml", "type: host\nattributes: {type: map, fields: {a: {requires: [x]}}}\n",
			"host.yaml:2:48: 'requires' must be a map"},
		{"host.yaml", "type: hots\n",
			"host.yaml:1:7: type 'hots' does not match the file name"},
		{"host.yaml", "type: host\nkind: thing\n",
			"host.yaml:2:7: 'kind' must be ci or record"},
		{"host.yaml", "type: host\ncolour: red\n", "host.yaml:2:9: unknown key 'colour'"},
		{"host.yaml", "type: host\nattributes: {type: string}\n",
			"host.yaml:2:13: 'attributes' must be a spec of type: map"},
		{"ci.yaml", "type: ci\n", "ci.yaml:1:7: 'type' must name the item type"},
		{"host.yaml", "- a\n", "host.yaml:1:1: a schema file must be a map"},
		{"host.yaml", "type: [\n", "host.yaml:"},
		{"host.txt", "type: host\n", "a schema file must be named <type>.yaml"},
		{"relations.yaml", "relations:\n  runs_on: {sources: [host]}\n",
			"relations.yaml:2:12: relation 'runs_on' needs 'impact: "
			"target|source|members|none' (which end's failure hits the other)"},
		{"relations.yaml", "relations:\n  runs_on: {impact: sideways}\n",
			"relations.yaml:2:21: relation 'runs_on' needs 'impact: "
			"target|source|members|none'"},
		{"relations.yaml", "relations:\n  runs_on: {impact: target, impacts: true}\n",
			"relations.yaml:2:12: relation 'runs_on': give 'impact' or the older "
			"'impacts', "
			"not both"},
		{"relations.yaml", "relations:\n  runs_on: {impacts: maybe}\n",
			"relations.yaml:2:12: relation 'runs_on' needs 'impacts: true|false'"},
		{"relations.yaml", "relations:\n  runs_on: {impacts: true, kind: x}\n",
			"relations.yaml:2:34: unknown relation keyword 'kind'"},
		{"relations.yaml", "relations:\n  Runs: {impacts: true}\n",
			"relations.yaml:2:9: relation name 'Runs' must match"},
		{"relations.yaml", "relations:\n  x: {impacts: true, targets: []}\n",
			"relations.yaml:2:31: 'targets' must be a non-empty list"},
		{"relations.yaml", "relations: [x]\n",
			"relations.yaml:1:1: expected 'relations:' with a map"},
	};
	cmdb_schema *s = builtin();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cmdb_schema_add(s, bad[i].name, bad[i].yaml, strlen(bad[i].yaml));

		if (rc != CMDB_EINVALID || !strstr(cmdb_error_last(), bad[i].msg))
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc,
				cmdb_error_last(), bad[i].msg);
	}
	/* Nothing was replaced: the built-in host and relations still work. */
	assert_true(cmdb_schema_has_type(s, "host"));
	assert_int_equal(cmdb_schema_relation(s, "runs_on", NULL), 0);
	assert_int_equal(cmdb_schema_check(s), 0);
	{
		const char *const files[] = {"host/h.yaml",
			"type: host\nname: h\nattributes: {hardware: {cpus: 2}}\n", NULL};
		json_t *f = check_with(s, files);

		tu_expect_findings(f, 0);
		json_decref(f);
	}
	cmdb_schema_free(s);
}

/* A repository schema replaces a built-in type or adds a new one. */
static void test_schema__override(void **state)
{
	static const char strict_host[] = "type: host\nattributes:\n  type: map\n  fields:\n"
					  "    os: {type: string}\n";
	static const char lb[] = "type: load_balancer\nkind: ci\n";
	const char *const files[] = {"host/h.yaml",
		"type: host\nname: h\nattributes: {os: linux, cpus: 2}\n", "load_balancer/lb1.yaml",
		"type: load_balancer\nname: lb1\nattributes: {any: thing}\n"
		"relations:\n  depends_on: [host/h]\n",
		NULL};
	cmdb_schema *s = builtin();
	json_t *f;

	assert_int_equal(
		cmdb_schema_add(s, "schemas/host.yaml", strict_host, strlen(strict_host)), 0);
	assert_int_equal(cmdb_schema_add(s, "schemas/load_balancer.yaml", lb, strlen(lb)), 0);
	assert_int_equal(cmdb_schema_check(s), 0);
	assert_true(cmdb_schema_has_type(s, "load_balancer"));
	f = check_with(s, files);
	tu_expect_findings(f, 1);
	tu_expect_finding(
		f, "host/h.yaml", 3, 31, "attributes.cpus: unknown field (expected one of: os)");
	json_decref(f);
	cmdb_schema_free(s);
}

/* Each failed allocation while loading is a clean CMDB_ERROR with nothing returned or leaked. */
static int load_two(cmdb_schema **out)
{
	const cmdb__asset *host = cmdb__asset_find("schemas/host.yaml");
	const cmdb__asset *change = cmdb__asset_find("schemas/change.yaml");
	cmdb_schema *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = cmdb_schema_new(&s)) < 0)
		return rc;
	if ((rc = cmdb_schema_add(s, host->name, (const char *)host->data, *host->len)) < 0 ||
		(rc = cmdb_schema_add(s, change->name, (const char *)change->data, *change->len)) <
			0) {
		cmdb_schema_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static void test_schema__allocation_failures(void **state)
{
	long n;

	for (n = 1; n < 20000; n++) {
		cmdb_schema *s = (cmdb_schema *)0x1;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = load_two(&s);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			assert_true(cmdb_schema_has_type(s, "host") &&
				cmdb_schema_has_type(s, "change"));
			cmdb_schema_free(s);
			break;
		}
		assert_int_equal(rc, CMDB_ERROR);
		assert_null(s);
	}
	assert_true(n > 10 && n < 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema__builtin_types_and_relations),
		cmocka_unit_test(test_schema__load_dir),
		cmocka_unit_test(test_schema__bad_schema_files),
		cmocka_unit_test(test_schema__override),
		cmocka_unit_test(test_schema__allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
