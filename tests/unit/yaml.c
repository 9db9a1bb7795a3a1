/* Tests of lib/yaml/yaml_read.c, lib/yaml/yaml_write.c and lib/yaml/yaml_scalar.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/alloc.h"
#include "gitcmdb/yaml.h"
#include "testutil.h"
#include "yaml/yaml_scalar.h"

static json_t *parse_ok(const char *yaml)
{
	json_t *v = NULL;
	int err = cmdb_yaml_parse(&v, yaml, strlen(yaml), "t.yaml");

	if (err < 0)
		fail_msg("parse of [%s] failed: %s", yaml, cmdb_error_last());
	return v;
}

static char *emit_ok(const json_t *v, unsigned flags)
{
	char *out = NULL;
	size_t len = 0;

	if (cmdb_yaml_emit(&out, &len, v, flags) < 0)
		fail_msg("emit failed: %s", cmdb_error_last());
	assert_int_equal(len, strlen(out));
	return out;
}

/* Parse yaml and compare with the JSON text expected (JSON_DECODE_ANY, ints stay ints). */
static void expect_parse(const char *yaml, const char *json)
{
	json_t *v = parse_ok(yaml);
	json_t *want = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

	assert_non_null(want);
	if (!json_equal(v, want)) {
		char *got = json_dumps(v, JSON_ENCODE_ANY);
		fail_msg("[%s] parsed as %s, expected %s", yaml, got, json);
	}
	json_decref(v);
	json_decref(want);
}

static void test_yaml__core_schema_typing(void **state)
{
	static const char *const cases[][2] = {
		{"~", "null"},
		{"null", "null"},
		{"Null", "null"},
		{"NULL", "null"},
		{"", "null"},
		{"a:", "{\"a\": null}"},
		{"true", "true"},
		{"True", "true"},
		{"TRUE", "true"},
		{"false", "false"},
		{"False", "false"},
		{"FALSE", "false"},
		{"tRUE", "\"tRUE\""},
		{"yes", "\"yes\""},
		{"no", "\"no\""},
		{"on", "\"on\""},
		{"off", "\"off\""},
		{"y", "\"y\""},
		{"12", "12"},
		{"-12", "-12"},
		{"+12", "12"},
		{"012", "12"},
		{"0o17", "15"},
		{"0x1F", "31"},
		{"0x1f", "31"},
		{"0b101", "\"0b101\""},
		{"1_000", "\"1_000\""},
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"9223372036854775808", "\"9223372036854775808\""},
		{"0xFFFFFFFFFFFFFFFF", "\"0xFFFFFFFFFFFFFFFF\""},
		{"1.5", "1.5"},
		{"1.", "1.0"},
		{".5", "0.5"},
		{"-.5", "-0.5"},
		{"1e3", "1000.0"},
		{"1E-2", "0.01"},
		{"1.0e+20", "1e20"},
		{"1e400", "\"1e400\""},
		{".inf", "\".inf\""},
		{"-.Inf", "\"-.Inf\""},
		{".NaN", "\".NaN\""},
		{".", "\".\""},
		{"1.2.3", "\"1.2.3\""},
		{"2001-12-14", "\"2001-12-14\""},
		{"0x", "\"0x\""},
		{"-", "[null]"},
		{"10.0.0.11/24", "\"10.0.0.11/24\""},
		{"\"12\"", "\"12\""},
		{"'true'", "\"true\""},
		{"\"\"", "\"\""},
		{"'~'", "\"~\""},
		{"|\n  12\n", "\"12\\n\""},
		{"\"a\\0b\\x01\"", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i][1])
			expect_parse(cases[i][0], cases[i][1]);
	}
}

static void test_yaml__structure(void **state)
{
	(void)state;
	expect_parse("a: 1\nb: [x, {c: d}]\nc: {}\nd: []\n",
		"{\"a\": 1, \"b\": [\"x\", {\"c\": \"d\"}], \"c\": {}, \"d\": []}");
	expect_parse(
		"- - a\n  - b\n- k: v\n  l: w\n", "[[\"a\", \"b\"], {\"k\": \"v\", \"l\": \"w\"}]");
	expect_parse("12: a\nnull: b\non: c\n\"x y\": d\n",
		"{\"12\": \"a\", \"null\": \"b\", \"on\": \"c\", \"x y\": \"d\"}");
	expect_parse("k: |\n  line1\n\n  line3\nl: >-\n  folded\n  text\n",
		"{\"k\": \"line1\\n\\nline3\\n\", \"l\": \"folded text\"}");
	expect_parse("%YAML 1.2\n---\na: b\n...\n", "{\"a\": \"b\"}");
	expect_parse("\xEF\xBB\xBF"
		     "a: b\n",
		"{\"a\": \"b\"}");
	expect_parse("a: \"caf\\u00e9 \\x1b[31m\"\n", "{\"a\": \"caf\\u00e9 \\u001b[31m\"}");
}

static void test_yaml__empty_document_is_null(void **state)
{
	(void)state;
	expect_parse("", "null");
	expect_parse("# only a comment\n", "null");
	expect_parse("---\n", "null");
	expect_parse("--- ~\n", "null");
}

/* Input rejected with a message naming t.yaml:line:col; *out untouched. */
static void expect_error(const char *yaml, size_t len, int code, const char *needle)
{
	json_t *sentinel = json_string("untouched"), *v = sentinel, *marks = sentinel;
	int err = cmdb_yaml_parse_marked(&v, &marks, yaml, len, "t.yaml");

	if (err != code)
		fail_msg("[%.*s]: expected error %d, got %d (%s)", (int)len, yaml, code, err,
			cmdb_error_last());
	assert_ptr_equal(v, sentinel);
	assert_ptr_equal(marks, sentinel);
	if (!strstr(cmdb_error_last(), needle))
		fail_msg("[%.*s]: message [%s] lacks [%s]", (int)len, yaml, cmdb_error_last(),
			needle);
	json_decref(sentinel);
}

#define ERR(y, needle) expect_error(y, sizeof(y) - 1, CMDB_EINVALID, needle)

static void test_yaml__rejects_with_position(void **state)
{
	(void)state;
	ERR("a: &x 1\nb: *x\n", "t.yaml:1:4: anchors are not supported");
	ERR("a: [1, *x]\n", "t.yaml:1:8: aliases are not supported");
	ERR("a: !!str 1\n", "t.yaml:1:4: tags are not supported");
	ERR("a:\n  - !custom {x: 1}\n", "t.yaml:2:5: tags are not supported");
	ERR("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a'");
	ERR("1: x\n\"1\": y\n", "t.yaml:2:1: duplicate key '1'");
	ERR("? [a, b]\n: c\n", "t.yaml:1:3: mapping keys must be scalars");
	ERR("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document");
	ERR("a: b\n c: d\n  - e\n", "t.yaml:");
	ERR("a: [1, 2\n",
		"t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence "
		"started at line 1:4)");
	ERR("a:\n\tb: 1\n",
		"t.yaml:2:1: found character that cannot start any token (while scanning for the "
		"next token started at line 2:1); indent with spaces");
	ERR("a: b: c\n", "t.yaml:1:5: mapping values are not allowed in this context");
	ERR("a: \"\\0\"\n", "t.yaml:1:4: string contains a NUL");
	ERR("\"a\\0\": 1\n", "t.yaml:1:1: mapping key contains a NUL");
	ERR("a: \"b\xff\"\n", "t.yaml:1:6: invalid UTF-8");
	ERR("a: b\n\xc3\x28: c\n", "t.yaml:2:2: invalid UTF-8");
	ERR("\xff\xfe"
	    "a\0:\0 \0b\0",
		"t.yaml:1:1: invalid UTF-8");
	ERR("a: \xc0\xaf\n", "t.yaml:1:4: invalid UTF-8");
	ERR("a: \xed\xa0\x80\n", "t.yaml:1:4: invalid UTF-8");
	ERR("a: \"\\ud800\"\n", "t.yaml:1:");
	ERR("a: b\x01\n", "t.yaml:1:5: control characters are not allowed");
	expect_error("a: b\0c\n", 7, CMDB_EINVALID, "t.yaml:1:5: control characters");
}

static char *nested(int depth, const char *open, const char *close)
{
	size_t ol = strlen(open), cl = strlen(close);
	char *s = malloc((size_t)depth * (ol + cl) + 2);
	size_t n = 0;

	for (int i = 0; i < depth; i++, n += ol)
		memcpy(s + n, open, ol);
	s[n++] = '1';
	for (int i = 0; i < depth; i++, n += cl)
		memcpy(s + n, close, cl);
	s[n] = '\0';
	return s;
}

static void test_yaml__depth_limit(void **state)
{
	char *ok = nested(CMDB_YAML_MAX_DEPTH, "[", "]");
	char *deep = nested(CMDB_YAML_MAX_DEPTH + 1, "[", "]");
	char *huge = nested(100000, "{a: ", "}");
	json_t *v = parse_ok(ok), *bad = NULL;
	char *out = emit_ok(v, 0);
	json_t *again = parse_ok(out);

	(void)state;
	assert_true(json_equal(v, again));
	expect_error(
		deep, strlen(deep), CMDB_EINVALID, "t.yaml:1:65: nesting deeper than 64 levels");
	expect_error(huge, strlen(huge), CMDB_EINVALID, "nesting deeper than 64 levels");
	/* The writer refuses what the reader would refuse. */
	bad = json_pack("[o]", json_deep_copy(v));
	assert_int_equal(cmdb_yaml_emit(&out, NULL, bad, 0) == CMDB_EINVALID ? 0 : 1, 0);
	assert_non_null(strstr(cmdb_error_last(), "deeper than 64"));
	json_decref(bad);
	json_decref(again);
	json_decref(v);
	cmdb_free(out);
	free(ok);
	free(deep);
	free(huge);
}

static void test_yaml__size_limit(void **state)
{
	size_t n = CMDB_YAML_MAX_BYTES + 1;
	char *big = malloc(n), *dir = tu_tempdir("yaml"), *path = NULL;
	json_t *v = NULL;

	(void)state;
	memset(big, '#', n);
	expect_error(big, n, CMDB_ETOOBIG,
		"t.yaml: 16777217 bytes is over the 16777216-byte YAML limit");
	assert_true(asprintf(&path, "%s/big.yaml", dir) > 0);
	assert_int_equal(tu_write_file(path, big, n), 0);
	assert_int_equal(cmdb_yaml_parse_file(&v, path), CMDB_ETOOBIG);
	assert_null(v);
	assert_non_null(strstr(cmdb_error_last(), "big.yaml"));
	free(path);
	assert_true(asprintf(&path, "%s/missing.yaml", dir) > 0);
	assert_int_equal(cmdb_yaml_parse_file(&v, path), CMDB_ENOTFOUND);
	assert_int_equal(cmdb_yaml_parse_file(&v, dir), CMDB_EINVALID);
	free(path);
	assert_true(asprintf(&path, "%s/ok.yaml", dir) > 0);
	assert_int_equal(tu_write_file(path, "a: [1]\n", 7), 0);
	assert_int_equal(cmdb_yaml_parse_file(&v, path), 0);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "a"), 0)), 1);
	json_decref(v);
	assert_int_equal(tu_write_file(path, "a: [1\n", 6), 0);
	assert_int_equal(cmdb_yaml_parse_file(&v, path), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "ok.yaml:2:1:"));
	free(path);
	tu_rmrf(dir);
	free(dir);
	free(big);
}

static void test_yaml__marks(void **state)
{
	const char *y =
		"type: host\nattributes:\n  os: {id: debian}\n  \"a/b~c\":\n    - x\n    - [y]\n";
	json_t *v = NULL, *marks = NULL;
	char *s;

	(void)state;
	assert_int_equal(cmdb_yaml_parse_marked(&v, &marks, y, strlen(y), "m.yaml"), 0);
	s = json_dumps(marks, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s,
		"{\"\":[1,1],\"/attributes\":[3,3],\"/attributes/a~1b~0c\":[5,5],"
		"\"/attributes/a~1b~0c/0\":[5,7],\"/attributes/a~1b~0c/1\":[6,7],"
		"\"/attributes/a~1b~0c/1/0\":[6,8],\"/attributes/os\":[3,7],"
		"\"/attributes/os/id\":[3,12],\"/type\":[1,7]}");
	free(s);
	json_decref(v);
	json_decref(marks);
}

/* docs/yaml.md: a UTF-8 byte-order mark is accepted, and positions count from after it.
 * libyaml alone skips it but counts it as a column, so a second line at column 1
 * "ends" the mapping begun at column 2 (issue 7, item 13). */
static void test_yaml__utf8_bom(void **state)
{
	const char *y = "\xEF\xBB\xBFtype: host\nname: web01\nattributes:\n  os: debian\n";
	json_t *v = NULL, *marks = NULL;
	char *s;

	(void)state;
	expect_parse(y,
		"{\"type\": \"host\", \"name\": \"web01\", "
		"\"attributes\": {\"os\": \"debian\"}}");
	expect_parse("\xEF\xBB\xBF", "null");
	expect_parse("\xEF\xBB\xBF- a\n- b\n", "[\"a\", \"b\"]");
	assert_int_equal(cmdb_yaml_parse_marked(&v, &marks, y, strlen(y), "m.yaml"), 0);
	s = json_dumps(marks, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s,
		"{\"\":[1,1],\"/attributes\":[4,3],\"/attributes/os\":[4,7],"
		"\"/name\":[2,7],\"/type\":[1,7]}");
	free(s);
	json_decref(v);
	json_decref(marks);
	ERR("\xEF\xBB\xBF"
	    "a: [1\n",
		"t.yaml:2:1: did not find expected ',' or ']'");
	/* UTF-16 marks stay refused */
	ERR("\xFE\xFF\0a\0:\0 \0b", "t.yaml:1:1: invalid UTF-8");
}

/*
 * issue 8: in a flow collection libyaml takes "?" as the explicit-key marker even
 * with text right after it, so "{ ?foo: bar }" read as {foo: bar} and "[?x]" as
 * [{x: null}]. Refused with a position; the valid spellings still parse.
 */
static void test_yaml__flow_question_mark(void **state)
{
	(void)state;
	ERR("a: { ?foo: bar }\n", "t.yaml:1:6: '?' followed directly by text in a flow");
	ERR("a: [?x]\n", "t.yaml:1:5: '?' followed directly by text");
	ERR("- [a, ?b]\n", "t.yaml:1:7: '?' followed directly by text");
	ERR("{?: x}", "t.yaml:1:2: '?' followed directly by text");
	ERR("a:\n  b: {c: {?\"d\": 1}}\n", "t.yaml:2:11: '?'");
	expect_parse("a: { ? foo : bar }\n", "{\"a\": {\"foo\": \"bar\"}}");
	expect_parse("a: [? x]\n", "{\"a\": [{\"x\": null}]}");
	expect_parse("a: [?\n  x]\n", "{\"a\": [{\"x\": null}]}");
	expect_parse("a: [\"?x\", '?y']\n", "{\"a\": [\"?x\", \"?y\"]}");
	expect_parse("?foo: x\nb: ?y\nc: \"{ ?z: 1 }\"\n",
		"{\"?foo\": \"x\", \"b\": \"?y\", \"c\": \"{ ?z: 1 }\"}");
	expect_parse("? a\n: b\n", "{\"a\": \"b\"}");
	expect_parse("# what?x\na: b # [?c]\n", "{\"a\": \"b\"}");
}

static void test_yaml__emit_golden(void **state)
{
	json_t *v =
		json_loads("{\"relations\": {\"member_of\": [\"group/web\"]}, \"zeta\": 1,"
			   " \"annotations\": {\"owner\": \"team-web\"}, \"type\": \"host\","
			   " \"attributes\": {\"os\": {\"version\": \"12\", \"id\": \"debian\"},"
			   " \"mac\": \"52:54:00:12:34:56\", \"list\": [{\"b\": 1, \"a\": [1, 2]}, "
			   "[], {}, [3]],"
			   " \"text\": \"line1\\nline2\\n\", \"raw\": \"a\\nb\", \"ratio\": 1.0,"
			   " \"big\": 1e20, \"tiny\": 0.1, \"none\": null, \"ok\": true},"
			   " \"name\": \"web01\", \"source\": \"scan\", \"alpha\": \"\"}",
			0, NULL);
	char *out = emit_ok(v, CMDB_YAML_ITEM);

	(void)state;
	assert_string_equal(out,
		"type: host\n"
		"name: web01\n"
		"source: scan\n"
		"attributes:\n"
		"  big: 1.0e+20\n"
		"  list:\n"
		"    - a:\n"
		"        - 1\n"
		"        - 2\n"
		"      b: 1\n"
		"    - []\n"
		"    - {}\n"
		"    - - 3\n"
		"  mac: \"52:54:00:12:34:56\"\n"
		"  none: null\n"
		"  ok: true\n"
		"  os:\n"
		"    id: debian\n"
		"    version: \"12\"\n"
		"  ratio: 1.0\n"
		"  raw: |-\n"
		"    a\n"
		"    b\n"
		"  text: |\n"
		"    line1\n"
		"    line2\n"
		"  tiny: 0.1\n"
		"annotations:\n"
		"  owner: team-web\n"
		"relations:\n"
		"  member_of:\n"
		"    - group/web\n"
		"alpha: \"\"\n"
		"zeta: 1\n");
	cmdb_free(out);
	/* Without CMDB_YAML_ITEM every mapping is sorted. */
	out = emit_ok(v, 0);
	assert_true(strncmp(out, "alpha: \"\"\nannotations:\n", 23) == 0);
	cmdb_free(out);
	json_decref(v);
}

static void test_yaml__emit_top_level_scalars(void **state)
{
	static const char *const cases[][2] = {
		{"null", "null\n"},
		{"{}", "{}\n"},
		{"[]", "[]\n"},
		{"\"x\"", "x\n"},
		{"\"12\"", "\"12\"\n"},
		{"-0.0", "-0.0\n"},
		{"\"a\\nb\\n\"", "|\n  a\n  b\n"},
		{"\"...\"", "\"...\"\n"},
		{"\"--- x\"", "\"--- x\"\n"},
		{"5", "5\n"},
		{"false", "false\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i][0], JSON_DECODE_ANY, NULL);
		char *out = emit_ok(v, CMDB_YAML_ITEM);

		assert_string_equal(out, cases[i][1]);
		cmdb_free(out);
		json_decref(v);
	}
}

static void test_yaml__emit_rejects_nul(void **state)
{
	json_t *v = json_pack("{s:s#}", "k", "a\0b", (size_t)3);
	char *out = (char *)"untouched";

	(void)state;
	assert_int_equal(cmdb_yaml_emit(&out, NULL, v, 0), CMDB_EINVALID);
	assert_string_equal(out, "untouched");
	assert_non_null(strstr(cmdb_error_last(), "NUL"));
	json_decref(v);
	v = json_object();
	json_object_setn_new(v, "a\0b", 3, json_true());
	assert_int_equal(cmdb_yaml_emit(&out, NULL, v, 0), CMDB_EINVALID);
	assert_string_equal(out, "untouched");
	json_decref(v);
	assert_int_equal(cmdb_yaml_emit(&out, NULL, NULL, 0), CMDB_EINVALID);
	/* Invalid UTF-8 smuggled in past jansson's checks. */
	v = json_pack("[o]", json_string_nocheck("bad \xc0\xaf"));
	assert_int_equal(cmdb_yaml_emit(&out, NULL, v, 0), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "UTF-8"));
	json_decref(v);
	v = json_object();
	json_object_set_new_nocheck(v, "\xed\xa0\x80", json_true());
	assert_int_equal(cmdb_yaml_emit(&out, NULL, v, 0), CMDB_EINVALID);
	assert_string_equal(out, "untouched");
	json_decref(v);
}

/*
 * The round-trip law on v: parse(emit(v)) == v, emit(parse(emit(v))) == emit(v),
 * and PyYAML (YAML 1.1) loads emit(v) to the same JSON. Returns the emitted text.
 */
static char *roundtrip(const json_t *v, unsigned flags)
{
	char *a = emit_ok(v, flags), *b;
	json_t *back = NULL;

	if (cmdb_yaml_parse(&back, a, strlen(a), "emitted") < 0)
		fail_msg("emitted YAML does not parse: %s\n%s", cmdb_error_last(), a);
	if (!json_equal(back, v)) {
		char *want = json_dumps(v, JSON_ENCODE_ANY),
		     *got = json_dumps(back, JSON_ENCODE_ANY);
		fail_msg(
			"round trip changed the value:\nwant %s\ngot  %s\nyaml:\n%s", want, got, a);
	}
	b = emit_ok(back, flags);
	if (strcmp(a, b) != 0)
		fail_msg("re-emit not byte-identical:\n%s\n---\n%s", a, b);
	json_decref(back);
	cmdb_free(b);
	return a;
}

/* One PyYAML run over many documents: dir/N.yaml must load to dir/N.json. */
static void pyyaml_check(const char *dir, int count)
{
	char *out = NULL;
	int rc = tu_sh(&out,
		"/usr/bin/python3 -c '\n"
		"import json, sys, yaml\n"
		"bad = 0\n"
		"for i in range(%d):\n"
		"    y = open(\"%s/%%d.yaml\" %% i, encoding=\"utf-8\").read()\n"
		"    want = json.load(open(\"%s/%%d.json\" %% i, encoding=\"utf-8\"))\n"
		"    try:\n"
		"        got = yaml.safe_load(y)\n"
		"        same = json.dumps(got, sort_keys=True) == json.dumps(want, "
		"sort_keys=True)\n"
		"    except Exception as e:\n"
		"        got, same = repr(e), False\n"
		"    if not same:\n"
		"        bad += 1\n"
		"        print(\"doc %%d: pyyaml %%r != %%r\\n%%s\" %% (i, got, want, y))\n"
		"sys.exit(1 if bad else 0)\n' 2>&1",
		count, dir, dir);

	if (rc != 0)
		fail_msg("PyYAML disagrees:\n%s", out);
	free(out);
}

static void check_table(json_t *values, unsigned flags)
{
	char *dir = tu_tempdir("yamlrt");
	size_t i;
	json_t *v;

	json_array_foreach(values, i, v)
	{
		char *yaml = roundtrip(v, flags), *path = NULL;
		char *json = json_dumps(v, JSON_ENCODE_ANY);

		assert_true(asprintf(&path, "%s/%zu.yaml", dir, i) > 0);
		assert_int_equal(tu_write_file(path, yaml, strlen(yaml)), 0);
		path[strlen(path) - 4] = '\0';
		strcat(path, "json");
		assert_int_equal(tu_write_file(path, json, strlen(json)), 0);
		free(path);
		free(json);
		cmdb_free(yaml);
	}
	pyyaml_check(dir, (int)json_array_size(values));
	tu_rmrf(dir);
	free(dir);
}

static const char *const tricky[] = {
	"12",
	"no",
	"No",
	"NO",
	"on",
	"off",
	"yes",
	"y",
	"Y",
	"n",
	"N",
	"true",
	"False",
	"0x1F",
	"1e3",
	"012",
	"0o17",
	"0b11",
	"1_000",
	"1:20",
	"1:20.5",
	"~",
	"null",
	"NULL",
	"",
	" ",
	"  x",
	"x  ",
	"2001-12-14",
	"2001-12-14t21:59:43.10-05:00",
	"2001-12-14 21:59:43.10 -5",
	"- x",
	"-x",
	"-",
	": x",
	"x: y",
	"x:",
	"x :y",
	"#x",
	"x #y",
	"x#y",
	"a,b",
	"[x]",
	"{x}",
	"x]",
	"&a",
	"*a",
	"!t",
	"|",
	">",
	"'",
	"\"",
	"%x",
	"@x",
	"`x",
	"?",
	"? x",
	"...",
	"---",
	"--- x",
	".inf",
	"-.inf",
	".nan",
	".5",
	"1.",
	"+1",
	"-1",
	"=",
	"<<",
	"<<x",
	"line1\nline2",
	"line1\nline2\n",
	"trailing\n\n",
	"\n",
	"\n\nx",
	"\nx\n",
	" lead\nx",
	"x\n y\n",
	"tail \nx",
	"x\r\ny",
	"tab\there",
	"\tlead",
	"ansi \x1b[31mred\x1b[0m",
	"bell\a",
	"del\x7f",
	"caf\xc3\xa9",
	"\xe2\x80\xa8ls",
	"nel\xc2\x85",
	"bom\xef\xbb\xbf",
	"nbsp\xc2\xa0",
	"c1\xc2\x80",
	"emoji \xf0\x9f\x98\x80",
	"\xe6\x97\xa5\xe6\x9c\xac",
	"back\\slash",
	"q\"uote",
	"it's",
	"http://example.com/x?y=1#z",
	"52:54:00:12:34:56",
	"10.0.0.11/24",
	"3.0.13-1~deb12u1",
	"~/.ssh/id_ed25519",
	"/",
	"a b",
	"a  b",
	"0",
	"-0",
	"00",
	"0.0",
	"1e",
	"e1",
	"0x",
	"._",
	"Yes please",
	"TRUE!",
	"<redacted sha256:ab>",
	"x\n\ty",
	"  \n",
	"a\n \nb",
	"|-\nx",
	"x:y",
	"a\n# not a comment",
	"a\n- b\n",
	"a\n---\n...\n",
	"a\n  more\n",
	"   ",
	"x\n\n\ny",
	"\xef\xbf\xbd",
	"\xef\xbf\xbe"
	"x",
	"a\xc2\xa0",
	"\xc2\xa0"
	"a",
	"\"quoted\"",
	"k: v\nl: w\n",
	"{a: 1}",
	"[1, 2]",
	"!!str",
	"&anchor x",
	"*alias",
	"% x",
	"@",
	"a'b\"c",
};

static json_t *tricky_values(void)
{
	json_t *all = json_array();

	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		json_t *s = json_string(tricky[i]);

		assert_non_null(s);
		json_array_append(all, s);
		/* As a key, a list item, a nested value and alone. */
		json_array_append_new(all, json_pack("{s:O}", tricky[i], s));
		json_array_append_new(all, json_pack("{s:[O,{s:O}]}", "k", s, "n", s));
		json_array_append_new(all, json_pack("[{s:O,s:O}]", tricky[i], s, "z", s));
		json_decref(s);
	}
	return all;
}

static void test_yaml__roundtrip_tricky_strings(void **state)
{
	json_t *all = tricky_values();

	(void)state;
	check_table(all, 0);
	json_decref(all);
}

static void test_yaml__roundtrip_numbers_and_shapes(void **state)
{
	json_t *all = json_loads(
		"[0, -1, 9223372036854775807, -9223372036854775808, 0.1, -0.0,"
		" 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,"
		" 123456789.125, 1e16, 1e15, 0.30000000000000004, 3.0, true, false, null,"
		" {}, [], [[]], [{}], {\"a\": {}}, {\"a\": []}, [[[1, [2]], {\"x\": [{}]}]],"
		" {\"type\": \"x\", \"a\": {\"type\": 1, \"name\": 2}}]",
		0, NULL);
	char *longline = malloc(100001), *longkey = malloc(3001);
	json_t *v;

	(void)state;
	assert_non_null(all);
	memset(longline, 'x', 100000);
	longline[100000] = '\0';
	memset(longkey, 'k', 3000);
	longkey[3000] = '\0';
	json_array_append_new(all, json_pack("{s:s}", "long", longline));
	json_array_append_new(all,
		json_pack("{s:s,s:{s:i,s:[i]},s:[{s:s}]}", longkey, "v", "a", longkey, 1, "b", 2,
			"l", longkey, "x"));
	longkey[1500] = '\n';
	json_array_append_new(all, json_pack("{s:s,s:[s]}", longkey, "v", "n", longkey));
	check_table(all, 0);
	check_table(all, CMDB_YAML_ITEM);
	/* Long keys use the explicit "? key" form. */
	v = json_pack("{s:i}", longline, 1);
	{
		char *out = emit_ok(v, 0);
		assert_true(strncmp(out, "? xxx", 5) == 0);
		assert_non_null(strstr(out, "\n: 1\n"));
		cmdb_free(out);
	}
	json_decref(v);
	json_decref(all);
	free(longline);
	free(longkey);
}

/* Every fixture: parse, the round-trip law on the result, and PyYAML agreement. */
static void test_yaml__fixtures(void **state)
{
	char *list = NULL, *line, *save = NULL;
	json_t *all = json_array();
	int n = 0;

	(void)state;
	assert_int_equal(tu_sh(&list, "ls %s/yaml/*.yaml", CMDB_FIXTURES), 0);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *v = NULL;

		if (cmdb_yaml_parse_file(&v, line) < 0)
			fail_msg("fixture %s: %s", line, cmdb_error_last());
		json_array_append_new(all, v);
		n++;
	}
	assert_true(n >= 5);
	check_table(all, CMDB_YAML_ITEM);
	json_decref(all);
	free(list);
}

/* Fixtures whose canonical form is checked in: x.yaml -> x.canonical. */
static void test_yaml__fixtures_canonical_golden(void **state)
{
	char *list = NULL, *line, *save = NULL;

	(void)state;
	assert_int_equal(tu_sh(&list, "ls %s/yaml/*.canonical", CMDB_FIXTURES), 0);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char src[4096];
		char *want = tu_read_file(line, NULL), *got;
		json_t *v = NULL;

		snprintf(src, sizeof(src), "%.*s.yaml", (int)(strlen(line) - 10), line);
		assert_int_equal(cmdb_yaml_parse_file(&v, src), 0);
		got = emit_ok(v, CMDB_YAML_ITEM);
		if (strcmp(got, want) != 0)
			fail_msg("%s: canonical form differs:\n%s", src, got);
		cmdb_free(got);
		free(want);
		json_decref(v);
	}
	free(list);
}

static void *jansson_malloc(size_t n)
{
	return cmdb__malloc(n);
}

/* Failing the Nth allocation gives an error or a correct result, never a crash or leak. */
static void test_yaml__allocation_failures(void **state)
{
	const char *y =
		"type: host\nname: web01\nattributes:\n  os: {id: debian, version: \"12\"}\n"
		"  list: [a, b, {c: d}]\n  text: |\n    x\n    y\n";
	json_t *ref = parse_ok(y);
	char *ref_out = emit_ok(ref, CMDB_YAML_ITEM);
	int failures = 0;

	(void)state;
	/* jansson allocates through the same seam, so its failures are injected too. */
	json_set_alloc_funcs(jansson_malloc, free);
	for (long nth = 1; nth < 600; nth++) {
		json_t *v = NULL, *marks = NULL;
		char *out = NULL;
		int err;

		cmdb__alloc_fail_at(nth);
		err = cmdb_yaml_parse_marked(&v, &marks, y, strlen(y), "t.yaml");
		if (err == 0) {
			assert_true(json_equal(v, ref));
			err = cmdb_yaml_emit(&out, NULL, v, CMDB_YAML_ITEM);
			if (err == 0)
				assert_string_equal(out, ref_out);
		}
		cmdb__alloc_fail_at(0);
		if (err < 0) {
			failures++;
			assert_null(out);
		}
		cmdb_free(out);
		json_decref(v);
		json_decref(marks);
	}
	json_set_alloc_funcs(malloc, free);
	/* Failures stop once nth passes the number of allocations a run needs. */
	assert_true(failures > 100 && failures < 599);
	cmdb_free(ref_out);
	json_decref(ref);
}

static void test_yaml__scalar_helpers(void **state)
{
	char buf[48];

	(void)state;
	cmdb__yaml_format_real(buf, sizeof(buf), 0.1);
	assert_string_equal(buf, "0.1");
	cmdb__yaml_format_real(buf, sizeof(buf), 1e-7);
	assert_string_equal(buf, "1.0e-07");
	cmdb__yaml_format_real(buf, sizeof(buf), 2.5e-7);
	assert_string_equal(buf, "2.5e-07");
	cmdb__yaml_format_real(buf, sizeof(buf), 100.0);
	assert_string_equal(buf, "100.0");
	cmdb__yaml_format_real(buf, sizeof(buf), 0.30000000000000004);
	assert_string_equal(buf, "0.30000000000000004");
	assert_true(cmdb__yaml_plain_safe("debian", 6));
	assert_true(cmdb__yaml_plain_safe("6.1.0-18-amd64", 14));
	assert_false(cmdb__yaml_plain_safe("on", 2));
	assert_false(cmdb__yaml_plain_safe("1:20", 4));
	assert_true(cmdb__yaml_core_typed("0o17", 4));
	assert_false(cmdb__yaml_11_typed("0o17", 4));
	assert_true(cmdb__yaml_11_typed("0777", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml__core_schema_typing),
		cmocka_unit_test(test_yaml__structure),
		cmocka_unit_test(test_yaml__empty_document_is_null),
		cmocka_unit_test(test_yaml__rejects_with_position),
		cmocka_unit_test(test_yaml__depth_limit),
		cmocka_unit_test(test_yaml__size_limit),
		cmocka_unit_test(test_yaml__marks),
		cmocka_unit_test(test_yaml__utf8_bom),
		cmocka_unit_test(test_yaml__flow_question_mark),
		cmocka_unit_test(test_yaml__emit_golden),
		cmocka_unit_test(test_yaml__emit_top_level_scalars),
		cmocka_unit_test(test_yaml__emit_rejects_nul),
		cmocka_unit_test(test_yaml__roundtrip_tricky_strings),
		cmocka_unit_test(test_yaml__roundtrip_numbers_and_shapes),
		cmocka_unit_test(test_yaml__fixtures),
		cmocka_unit_test(test_yaml__fixtures_canonical_golden),
		cmocka_unit_test(test_yaml__allocation_failures),
		cmocka_unit_test(test_yaml__scalar_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
