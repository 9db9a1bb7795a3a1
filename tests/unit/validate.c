/* The validator: every rule, each asserting the exact file:line:column of its finding. */
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
#include "json_assert.h"

static cmdb_schema *schema;

static int setup(void **state)
{
	return cmdb_schema_load_builtin(&schema);
}

static int teardown(void **state)
{
	cmdb_schema_free(schema);
	return 0;
}

/* Validate NULL-terminated {path, content} pairs; returns the sorted findings. */
static json_t *check(const char *const *files)
{
	cmdb_validator *v = NULL;
	json_t *findings = json_array();

	assert_int_equal(cmdb_validator_new(&v, schema), 0);
	for (size_t i = 0; files[i]; i += 2)
		assert_int_equal(
			cmdb_validator_add(v, files[i], files[i + 1], strlen(files[i + 1])), 0);
	assert_int_equal(cmdb_validator_finish(v, findings), 0);
	cmdb_validator_free(v);
	return findings;
}

/* One item file. */
static json_t *check1(const char *path, const char *yaml)
{
	const char *const files[] = {path, yaml, NULL};

	return check(files);
}

/* A small, fully valid repository covering every built-in type and relation. */
static const char *const clean_repo[] = {"host/web01.yaml",
	"type: host\nname: web01\nsource: scan\nattributes:\n"
	"  os: {id: debian, name: Debian GNU/Linux, version: \"12\", kernel: 6.1.0-18-amd64, arch: "
	"x86_64}\n"
	"  hardware: {cpus: 4, memory_mb: 7962, future_fact: yes}\n"
	"  network:\n    interfaces:\n      eth0: {mac: \"52:54:00:12:34:56\", addresses: "
	"[10.0.0.11/24], mtu: 1500}\n"
	"  filesystems:\n    /: {device: /dev/vda1, fstype: ext4, size_mb: 40960}\n"
	"  packages:\n    openssl: {version: 3.0.13-1~deb12u1, arch: amd64}\n"
	"  files:\n    /etc/ssh/sshd_config: {sha256: "
	"\"0000000000000000000000000000000000000000000000000000000000000000\", size: 3}\n"
	"annotations:\n  owner: team-web\n  tier: 1\n"
	"relations:\n  member_of: [group/web]\n",
	"host/db01.yaml", "type: host\nname: db01\nsource: scan\n", "group/web.yaml",
	"type: group\nname: web\nsource: manual\nattributes: {description: web servers}\n",
	"service/web01/nginx.yaml",
	"type: service\nname: nginx\nsource: scan\nattributes:\n  unit: nginx.service\n"
	"  listen: [\"tcp:0.0.0.0:80\"]\n  connects: [\"tcp:10.0.0.21:5432\"]\n"
	"relations:\n  connects_to: [service/db01/postgresql]\n  part_of: [application/webshop]\n"
	"  runs_on: [host/web01]\n",
	"service/db01/postgresql.yaml",
	"type: service\nname: postgresql\nrelations:\n  runs_on: [host/db01]\n",
	"application/webshop.yaml",
	"type: application\nname: webshop\nattributes: {owner: team-web, lifecycle: production}\n"
	"relations:\n  depends_on: [database/shopdb]\n  part_of: [business_service/shop]\n",
	"application/Web%20Shop%2F2.yaml", "type: application\nname: Web Shop/2\n",
	"business_service/shop.yaml",
	"type: business_service\nname: shop\nattributes: {criticality: high}\n",
	"database/shopdb.yaml",
	"type: database\nname: shopdb\nattributes: {engine: postgresql, port: 5432}\n"
	"relations:\n  hosted_on: [service/db01/postgresql]\n",
	"network_device/sw1.yaml", "type: network_device\nname: sw1\nattributes: {role: switch}\n",
	"change/CHG-0042.yaml",
	"type: change\nname: CHG-0042\nsource: manual\nattributes:\n  summary: patch openssl\n"
	"  status: approved\n  approved_by: alice\n"
	"  window: {start: \"2026-11-28T22:00:00Z\", end: 2026-11-28T23:30+01:00}\n"
	"relations:\n  affects: [host/db01, host/web01]\n",
	"incident/INC-0007.yaml",
	"type: incident\nname: INC-0007\nattributes:\n  summary: checkout down\n"
	"  opened: 2026-11-28T22:30:00Z\n  status: open\n  severity: critical\n"
	"relations:\n  affects: [business_service/shop]\n  caused_by: [change/CHG-0042]\n",
	NULL};

static void test_validate__clean_repository(void **state)
{
	json_t *f = check(clean_repo);

	tu_expect_findings(f, 0);
	json_decref(f);
}

static void test_validate__yaml_syntax_error(void **state)
{
	json_t *f = check1("host/a.yaml", "type: host\nname: a\n  bad: [\n");

	tu_expect_findings(f, 1);
	tu_expect_finding(f, "host/a.yaml", 3, 6, "mapping values are not allowed");
	json_decref(f);
	f = check1("host/b.yaml", "type: host\nname: b\nname: c\n");
	tu_expect_findings(f, 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(f, 0), "line")), 3);
	json_decref(f);
}

static void test_validate__bad_paths(void **state)
{
	const char *const files[] = {"host/a.yml", "type: host\nname: a\n", "host/.hidden.yaml",
		"type: host\nname: .hidden\n", "gitcmdb.yaml", "{}\n", "host/a%2fb.yaml",
		"type: host\nname: a/b\n", NULL};
	json_t *f = check(files);

	tu_expect_findings(f, 4);
	tu_expect_finding(f, "host/a.yml", 0, 0, "not an item path");
	tu_expect_finding(f, "host/.hidden.yaml", 0, 0, "starts with '.'");
	tu_expect_finding(f, "gitcmdb.yaml", 0, 0, "expected type/name");
	tu_expect_finding(f, "host/a%2fb.yaml", 0, 0, "uppercase hex");
	assert_true(json_is_null(json_object_get(json_array_get(f, 0), "id")));
	json_decref(f);
}

static void test_validate__not_a_map(void **state)
{
	json_t *f = check1("host/a.yaml", "- type\n- host\n");

	tu_expect_findings(f, 1);
	tu_expect_finding(f, "host/a.yaml", 1, 1, "an item must be a map");
	json_decref(f);
	f = check1("host/a.yaml", "");
	tu_expect_findings(f, 1);
	tu_expect_finding(f, "host/a.yaml", 1, 1,
		"an item must be a map (type, name, attributes, ...), got null");
	json_decref(f);
}

static void test_validate__unknown_type_and_mismatch(void **state)
{
	const char *const files[] = {"widget/a.yaml", "type: widget\nname: a\n", "host/b.yaml",
		"type: service\nname: b\n", "host/c.yaml", "name: c\n", NULL};
	json_t *f = check(files);

	tu_expect_findings(f, 3);
	tu_expect_finding(f, "widget/a.yaml", 1, 7, "unknown type 'widget'");
	tu_expect_finding(
		f, "host/b.yaml", 1, 7, "type 'service' does not match the path (host/b.yaml)");
	tu_expect_finding(f, "host/c.yaml", 1, 1, "missing required field 'type'");
	json_decref(f);
}

static void test_validate__name_must_match_id(void **state)
{
	const char *const files[] = {"host/a.yaml", "type: host\nname: b\n",
		"application/Web%20Shop.yaml", "type: application\nname: Web%20Shop\n",
		"service/web01/nginx.yaml", "type: service\nname: web01/nginx\n", "host/d.yaml",
		"type: host\nname: 7\n", NULL};
	json_t *f = check(files);

	tu_expect_findings(f, 4);
	tu_expect_finding(
		f, "host/a.yaml", 2, 7, "name 'b' does not match the id host/a (expected 'a')");
	tu_expect_finding(f, "application/Web%20Shop.yaml", 2, 7, "(expected 'Web Shop')");
	tu_expect_finding(f, "service/web01/nginx.yaml", 2, 7, "(expected 'nginx')");
	tu_expect_finding(f, "host/d.yaml", 2, 7, "name: expected string, got int");
	json_decref(f);
}

static void test_validate__fields_types_enums_patterns(void **state)
{
	json_t *f = check1("change/CHG-0001.yaml",
		"type: change\n" /* 1 */
		"name: CHG-0001\n" /* 2 */
		"source: robot\n" /* 3 */
		"colour: red\n" /* 4 */
		"attributes:\n" /* 5 */
		"  status: done\n" /* 6 */
		"  aproved_by: bob\n" /* 7 */
		"  window: {start: 2026-11-28, end: tomorrow}\n" /* 8 */
		"  risk: [high]\n" /* 9 */
		"annotations:\n" /* 10 */
		"  owner: {name: x}\n"); /* 11 */

	tu_expect_finding(f, "change/CHG-0001.yaml", 3, 9,
		"source: 'robot' is not one of: scan, manual, import");
	tu_expect_finding(f, "change/CHG-0001.yaml", 4, 9,
		"colour: unknown field (expected one of: annotations,");
	tu_expect_finding(
		f, "change/CHG-0001.yaml", 6, 3, "attributes: missing required field 'summary'");
	tu_expect_finding(f, "change/CHG-0001.yaml", 6, 11,
		"attributes.status: 'done' is not one of: requested,");
	tu_expect_finding(f, "change/CHG-0001.yaml", 7, 15, "attributes.aproved_by: unknown field");
	tu_expect_finding(f, "change/CHG-0001.yaml", 8, 36,
		"attributes.window.end: 'tomorrow' does not match the pattern");
	tu_expect_finding(
		f, "change/CHG-0001.yaml", 9, 9, "attributes.risk: expected string, got list");
	tu_expect_finding(
		f, "change/CHG-0001.yaml", 11, 10, "annotations.owner: expected scalar, got map");
	tu_expect_findings(f, 8);
	json_decref(f);
}

/* requires: a value that needs sibling fields (an approved change needs approver + window). */
static void test_validate__requires(void **state)
{
	const char *const files[] = {"change/CHG-0001.yaml",
		"type: change\nname: CHG-0001\nattributes:\n  summary: x\n  status: approved\n",
		"change/CHG-0002.yaml",
		"type: change\nname: CHG-0002\nattributes:\n  summary: x\n  status: requested\n",
		"incident/INC-0001.yaml",
		"type: incident\nname: INC-0001\nattributes:\n  summary: x\n  opened: 2026-11-28\n"
		"  severity: low\n  status: closed\n",
		NULL};
	json_t *f = check(files);

	tu_expect_finding(f, "change/CHG-0001.yaml", 5, 11,
		"attributes.status: 'approved' requires the field 'approved_by'");
	tu_expect_finding(f, "change/CHG-0001.yaml", 5, 11,
		"attributes.status: 'approved' requires the field 'window'");
	tu_expect_finding(f, "incident/INC-0001.yaml", 7, 11,
		"attributes.status: 'closed' requires the field 'resolved'");
	tu_expect_finding(f, "incident/INC-0001.yaml", 7, 11,
		"attributes.status: 'closed' requires the field 'closed'");
	tu_expect_findings(f, 4);
	json_decref(f);
}

static void test_validate__bounds_and_nested_values(void **state)
{
	json_t *f = check1("host/h.yaml",
		"type: host\nname: h\nattributes:\n"
		"  hardware: {cpus: -1, memory_mb: 1.5}\n" /* 4 */
		"  network: {interfaces: {eth0: {mac: 52-54, addresses: [1, x]}}}\n" /* 5 */
		"  packages: {curl: {arch: amd64}}\n"); /* 6 */

	tu_expect_finding(
		f, "host/h.yaml", 4, 20, "attributes.hardware.cpus: must be at least 0 (is -1)");
	tu_expect_finding(
		f, "host/h.yaml", 4, 35, "attributes.hardware.memory_mb: expected int, got number");
	tu_expect_finding(f, "host/h.yaml", 5, 38,
		"attributes.network.interfaces.eth0.mac: '52-54' does not match");
	tu_expect_finding(f, "host/h.yaml", 5, 57,
		"attributes.network.interfaces.eth0.addresses[0]: expected string, got int");
	tu_expect_finding(f, "host/h.yaml", 6, 20,
		"attributes.packages.curl: missing required field 'version'");
	tu_expect_findings(f, 5);
	json_decref(f);
}

static void test_validate__relations(void **state)
{
	json_t *f = check1("service/h/s.yaml",
		"type: service\nname: s\nrelations:\n"
		"  likes: [host/h]\n" /* 4 */
		"  runs_on: [host/h, group/g, host/h]\n" /* 5 */
		"  member_of: [group/b, group/a]\n" /* 6 */
		"  depends_on: [service/h/s, ../x, host]\n" /* 7 */
		"  affects: [host/h]\n" /* 8 */
		"  part_of: application/x\n"); /* 9 */

	tu_expect_finding(
		f, "service/h/s.yaml", 4, 10, "relations.likes: unknown relation type 'likes'");
	tu_expect_finding(f, "service/h/s.yaml", 5, 21,
		"relations.runs_on[1]: 'runs_on' cannot point at a group (group/g)");
	tu_expect_finding(f, "service/h/s.yaml", 5, 21,
		"relations.runs_on[1]: targets must be sorted: group/g comes before host/h");
	tu_expect_finding(f, "service/h/s.yaml", 5, 21,
		"relations.runs_on[1]: relation to missing item group/g");
	tu_expect_finding(
		f, "service/h/s.yaml", 5, 30, "relations.runs_on[2]: duplicate target host/h");
	tu_expect_finding(f, "service/h/s.yaml", 5, 13,
		"relations.runs_on[0]: relation to missing item host/h");
	tu_expect_finding(f, "service/h/s.yaml", 5, 30,
		"relations.runs_on[2]: relation to missing item host/h");
	tu_expect_finding(
		f, "service/h/s.yaml", 6, 24, "relations.member_of[1]: targets must be sorted");
	tu_expect_finding(f, "service/h/s.yaml", 6, 15,
		"relations.member_of[0]: relation to missing item group/b");
	tu_expect_finding(f, "service/h/s.yaml", 6, 24,
		"relations.member_of[1]: relation to missing item group/a");
	tu_expect_finding(f, "service/h/s.yaml", 7, 16,
		"relations.depends_on[0]: an item cannot relate to itself");
	tu_expect_finding(
		f, "service/h/s.yaml", 7, 29, "relations.depends_on[1]: invalid id '../x'");
	tu_expect_finding(f, "service/h/s.yaml", 7, 35,
		"relations.depends_on[2]: invalid id 'host': expected type/name");
	tu_expect_finding(f, "service/h/s.yaml", 8, 12,
		"relations.affects: a service item cannot have 'affects' relations");
	tu_expect_finding(f, "service/h/s.yaml", 8, 13,
		"relations.affects[0]: relation to missing item host/h");
	tu_expect_finding(
		f, "service/h/s.yaml", 9, 12, "relations.part_of: expected list, got string");
	tu_expect_findings(f, 16);
	json_decref(f);
}

/* Targets outside the checked set count when the caller declares them. */
static void test_validate__known_items(void **state)
{
	cmdb_validator *v = NULL;
	json_t *f = json_array();
	static const char svc[] = "type: service\nname: s\nrelations:\n  runs_on: [host/h]\n";

	assert_int_equal(cmdb_validator_new(&v, schema), 0);
	assert_int_equal(cmdb_validator_add(v, "service/h/s.yaml", svc, strlen(svc)), 0);
	assert_int_equal(cmdb_validator_add_known(v, "host/h", "host"), 0);
	assert_int_equal(cmdb_validator_finish(v, f), 0);
	tu_expect_findings(f, 0);
	/* finish hands findings over once; a second call adds nothing. */
	assert_int_equal(cmdb_validator_finish(v, f), 0);
	tu_expect_findings(f, 0);
	cmdb_validator_free(v);
	json_decref(f);
}

/* Every problem is reported, sorted by file, line, column. */
static void test_validate__sorted_across_files(void **state)
{
	const char *const files[] = {"host/z.yaml", "type: host\nname: y\n", "host/a.yaml",
		"type: host\nname: a\nsource: x\nattributes: {hardware: {cpus: x}}\n",
		"group/g.yaml", "type: group\nname: g\nattributes: {owner: 1}\n", NULL};
	static const char *const order[] = {
		"group/g.yaml:3:21", "host/a.yaml:3:9", "host/a.yaml:4:31", "host/z.yaml:2:7"};
	json_t *f = check(files), *e;
	size_t i;

	tu_expect_findings(f, 4);
	json_array_foreach(f, i, e)
	{
		char where[100];

		snprintf(where, sizeof(where), "%s:%d:%d",
			json_string_value(json_object_get(e, "file")),
			(int)json_integer_value(json_object_get(e, "line")),
			(int)json_integer_value(json_object_get(e, "column")));
		assert_string_equal(where, order[i]);
	}
	json_decref(f);
}

/* Hostile content: escapes in values never reach messages raw. */
static void test_validate__hostile_values_are_escaped(void **state)
{
	json_t *f = check1("host/a.yaml", "type: host\nname: \"\\e[31mx\\n\"\n");
	const char *msg;

	tu_expect_findings(f, 1);
	msg = json_string_value(json_object_get(json_array_get(f, 0), "message"));
	assert_non_null(strstr(msg, "\\x1B[31mx\\x0A"));
	for (const char *p = msg; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	json_decref(f);
}

/* after / not_before: a change window ends after it starts; an incident is not resolved
 * before it opened (offsets count; a malformed time is only the pattern's finding). */
static void test_validate__times_in_order(void **state)
{
	const char *const files[] = {"change/CHG-0001.yaml",
		"type: change\nname: CHG-0001\nattributes:\n  summary: x\n  status: requested\n"
		"  window: {start: 2026-11-28T22:00Z, end: 2026-11-28T22:30+01:00}\n",
		"change/CHG-0002.yaml",
		"type: change\nname: CHG-0002\nattributes:\n  summary: x\n  status: requested\n"
		"  window: {start: 2026-11-28T22:00Z, end: 2026-11-28T22:00Z}\n",
		"change/CHG-0003.yaml",
		"type: change\nname: CHG-0003\nattributes:\n  summary: x\n  status: requested\n"
		"  window: {start: 2026-11-28T22:00Z, end: 2026-11-28T22:30:00+00:00}\n",
		"change/CHG-0004.yaml",
		"type: change\nname: CHG-0004\nattributes:\n  summary: x\n  status: requested\n"
		"  window: {start: 2026-11-28T22:00Z, end: soon}\n",
		"incident/INC-0001.yaml",
		"type: incident\nname: INC-0001\nattributes:\n  summary: x\n  opened: 2026-11-28\n"
		"  severity: low\n  status: resolved\n  resolved: 2026-11-27T23:59Z\n",
		"incident/INC-0002.yaml",
		"type: incident\nname: INC-0002\nattributes:\n  summary: x\n  opened: 2026-11-28\n"
		"  severity: low\n  status: resolved\n  resolved: 2026-11-28T00:00Z\n",
		NULL};
	json_t *f = check(files);

	tu_expect_finding(f, "change/CHG-0001.yaml", 6, 43,
		"attributes.window.end: '2026-11-28T22:30+01:00' is not after start "
		"'2026-11-28T22:00Z'");
	tu_expect_finding(f, "change/CHG-0002.yaml", 6, 43,
		"attributes.window.end: '2026-11-28T22:00Z' is not after start "
		"'2026-11-28T22:00Z'");
	tu_expect_finding(f, "change/CHG-0004.yaml", 6, 43,
		"attributes.window.end: 'soon' does not match the pattern");
	tu_expect_finding(f, "incident/INC-0001.yaml", 8, 13,
		"attributes.resolved: '2026-11-27T23:59Z' is before opened '2026-11-28'");
	tu_expect_findings(f, 4);
	json_decref(f);
}

/* Records are named by their ids: change/CHG-0042.yaml, not change/42.yaml. */
static void test_validate__record_names(void **state)
{
	const char *const files[] = {"change/patch.yaml",
		"type: change\nname: patch\nattributes: {summary: x, status: requested}\n",
		"incident/INC-7.yaml",
		"type: incident\nname: INC-7\nattributes: {summary: x, opened: 2026-11-28, "
		"severity: low, status: open}\n",
		"problem/CHG-0001.yaml",
		"type: problem\nname: CHG-0001\nattributes: {summary: x, status: open}\n",
		"problem/PRB-0001.yaml",
		"type: problem\nname: PRB-0001\nattributes: {summary: x, status: open}\n", NULL};
	json_t *f = check(files);

	tu_expect_finding(f, "change/patch.yaml", 2, 7,
		"change records are named by their id: CHG- and at least 4 digits "
		"(change/CHG-0042.yaml)");
	tu_expect_finding(f, "incident/INC-7.yaml", 2, 7, "incident records are named by their id");
	tu_expect_finding(f, "problem/CHG-0001.yaml", 2, 7, "PRB- and at least 4 digits");
	tu_expect_findings(f, 3);
	json_decref(f);
}

static void test_validate__allocation_failures(void **state)
{
	long n;

	for (n = 1; n < 5000; n++) {
		cmdb_validator *v = NULL;
		json_t *f = json_array();
		int rc = 0;

		cmdb__alloc_fail_at(n);
		if ((rc = cmdb_validator_new(&v, schema)) == 0) {
			for (size_t i = 0; clean_repo[i] && rc == 0; i += 2)
				rc = cmdb_validator_add(v, clean_repo[i], clean_repo[i + 1],
					strlen(clean_repo[i + 1]));
			if (rc == 0)
				rc = cmdb_validator_finish(v, f);
		}
		cmdb__alloc_fail_at(0);
		cmdb_validator_free(v);
		if (rc == 0) {
			tu_expect_findings(f, 0);
			json_decref(f);
			break;
		}
		assert_int_equal(rc, CMDB_ERROR);
		json_decref(f);
	}
	assert_true(n > 1 && n < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate__clean_repository),
		cmocka_unit_test(test_validate__yaml_syntax_error),
		cmocka_unit_test(test_validate__bad_paths),
		cmocka_unit_test(test_validate__not_a_map),
		cmocka_unit_test(test_validate__unknown_type_and_mismatch),
		cmocka_unit_test(test_validate__name_must_match_id),
		cmocka_unit_test(test_validate__fields_types_enums_patterns),
		cmocka_unit_test(test_validate__requires),
		cmocka_unit_test(test_validate__times_in_order),
		cmocka_unit_test(test_validate__record_names),
		cmocka_unit_test(test_validate__bounds_and_nested_values),
		cmocka_unit_test(test_validate__relations),
		cmocka_unit_test(test_validate__known_items),
		cmocka_unit_test(test_validate__sorted_across_files),
		cmocka_unit_test(test_validate__hostile_values_are_escaped),
		cmocka_unit_test(test_validate__allocation_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
