/* The import's readers (CSV, JSON), its mapping tables and its times, field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "import/import_int.h"
#include "util/alloc.h"

static json_t *csv_ok(const char *buf)
{
	json_t *t = NULL;

	if (cmdb__import_csv(&t, buf, strlen(buf), "x.csv") != 0)
		fail_msg("'%s' did not read: %s", buf, cmdb_error_last());
	return t;
}

static const char *cell(const json_t *t, size_t row, const char *col)
{
	json_t *r = json_array_get(json_object_get(t, "rows"), row);

	return json_string_value(json_object_get(json_object_get(r, "fields"), col));
}

static const char *row_error(const json_t *t, size_t row)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(t, "rows"), row), "error"));
}

static long long row_line(const json_t *t, size_t row)
{
	return (long long)json_integer_value(
		json_object_get(json_array_get(json_object_get(t, "rows"), row), "line"));
}

static void test_import__csv_rfc4180(void **state)
{
	json_t *t;

	(void)state;
	t = csv_ok("\xEF\xBB\xBF"
		   "a,b,c\r\n"
		   "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
		   "\r\n"
		   "2,\"two\r\nlines\",\r\n"
		   ",,\"\"\r\n"
		   "caf\xC3\xA9,\"\",z");
	assert_int_equal(json_array_size(json_object_get(t, "columns")), 3);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(t, "columns"), 0)), "a");
	assert_int_equal(json_array_size(json_object_get(t, "rows")), 4);
	assert_string_equal(cell(t, 0, "a"), "1");
	assert_string_equal(cell(t, 0, "b"), "x, y");
	assert_string_equal(cell(t, 0, "c"), "say \"hi\"");
	assert_int_equal(row_line(t, 0), 2);
	assert_string_equal(cell(t, 1, "b"), "two\nlines");
	assert_string_equal(cell(t, 1, "c"), "");
	assert_int_equal(row_line(t, 1), 4);
	assert_string_equal(cell(t, 2, "a"), "");
	assert_string_equal(cell(t, 2, "c"), "");
	assert_int_equal(row_line(t, 2), 6);
	assert_string_equal(cell(t, 3, "a"), "caf\xC3\xA9");
	assert_string_equal(cell(t, 3, "c"), "z");
	json_decref(t);
	/* LF only, a trailing newline, one column */
	t = csv_ok("n\nv1\nv2\n");
	assert_int_equal(json_array_size(json_object_get(t, "rows")), 2);
	assert_string_equal(cell(t, 1, "n"), "v2");
	json_decref(t);
}

static void test_import__csv_malformed_rows(void **state)
{
	json_t *t;

	(void)state;
	t = csv_ok("a,b\n"
		   "1,2,3\n"
		   "1,x\"y\n"
		   "\"q\"z,2\n"
		   "\xFF\xFE,2\n"
		   "ok,fine\n"
		   "1,\"never closed\n"
		   "more\n");
	assert_string_equal(row_error(t, 0), "has 3 fields, the header has 2");
	assert_int_equal(row_line(t, 0), 2);
	assert_non_null(strstr(row_error(t, 1), "column b: a quote inside an unquoted field"));
	assert_non_null(strstr(row_error(t, 2), "column a: text after a closing quote"));
	assert_non_null(strstr(row_error(t, 3), "column a: not valid UTF-8"));
	assert_string_equal(cell(t, 4, "b"), "fine");
	assert_int_equal(row_line(t, 4), 6);
	assert_non_null(strstr(row_error(t, 5), "column b: a quoted field is never closed"));
	assert_int_equal(row_line(t, 5), 7);
	assert_int_equal(json_array_size(json_object_get(t, "rows")), 6);
	json_decref(t);
	/* a NUL byte: every later use is a C string */
	assert_int_equal(cmdb__import_csv(&t, "a,b\nx\0y,2\n", 11, "x.csv"), 0);
	assert_non_null(strstr(row_error(t, 0), "column a: a NUL byte"));
	json_decref(t);
	/* a lone CR in an unquoted field */
	t = csv_ok("a\nx\ry\n");
	assert_non_null(strstr(row_error(t, 0), "carriage return"));
	json_decref(t);
}

static void test_import__csv_header_errors(void **state)
{
	static const char *const bad[][2] = {
		{"", "x.csv: empty file"},
		{"\xEF\xBB\xBF\r\n", "x.csv: empty file"},
		{"a,b,a\n1,2,3\n", "x.csv:1: header, column 3: duplicate column name a"},
		{"a,,b\n", "x.csv:1: header, column 2: empty column name"},
		{"a,\xC3\n", "header, column 2: not valid UTF-8"},
		{"\"a\n", "header, column 1: a quoted field is never closed"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *t = NULL;

		assert_int_equal(
			cmdb__import_csv(&t, bad[i][0], strlen(bad[i][0]), "x.csv"), CMDB_EINVALID);
		assert_null(t);
		if (!strstr(cmdb_error_last(), bad[i][1]))
			fail_msg("case %zu: '%s' lacks '%s'", i, cmdb_error_last(), bad[i][1]);
	}
}

static void test_import__utf8(void **state)
{
	(void)state;
	assert_true(cmdb__import_utf8_valid("abc \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 15));
	assert_false(cmdb__import_utf8_valid("\xC0\xAF", 2)); /* overlong */
	assert_false(cmdb__import_utf8_valid("\xED\xA0\x80", 3)); /* a surrogate */
	assert_false(cmdb__import_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(cmdb__import_utf8_valid("\xE2\x82", 2)); /* cut short */
	assert_false(cmdb__import_utf8_valid("\x80", 1));
}

static json_t *json_ok(const char *buf)
{
	json_t *t = NULL;

	if (cmdb__import_json(&t, buf, strlen(buf), "x.json") != 0)
		fail_msg("'%s' did not read: %s", buf, cmdb_error_last());
	return t;
}

static void test_import__json_shapes(void **state)
{
	json_t *t;
	json_t *e = NULL;

	(void)state;
	t = json_ok("[{\"number\": \"CHG1\", \"n\": 3, \"b\": true, \"z\": null}, 7]");
	assert_string_equal(cell(t, 0, "number"), "CHG1");
	assert_string_equal(cell(t, 0, "n"), "3");
	assert_string_equal(cell(t, 0, "b"), "true");
	assert_string_equal(cell(t, 0, "z"), "");
	assert_string_equal(row_error(t, 1), "not an object");
	json_decref(t);
	t = json_ok("{\"records\": [{\"state\": {\"display_value\": \"Closed\", \"value\": "
		    "\"3\"}}]}");
	assert_string_equal(cell(t, 0, "state"), "Closed");
	json_decref(t);
	t = json_ok("\xEF\xBB\xBF{\"result\": [{\"a\": [1]}]}");
	assert_string_equal(
		row_error(t, 0), "column a: not a string, number or {\"display_value\": ...}");
	json_decref(t);
	assert_int_equal(cmdb__import_json(&e, "{\"rows\": []}", 12, "x.json"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "x.json: not a list of records"));
	assert_int_equal(cmdb__import_json(&e, "[{\"a\": 1", 8, "x.json"), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "x.json:1:"));
	assert_int_equal(cmdb__import_json(&e, "[\"\xFF\"]", 4, "x.json"), CMDB_EINVALID);
	assert_int_equal(cmdb__import_json(&e, "[{\"a\":1,\"a\":2}]", 15, "x.json"), CMDB_EINVALID);
	assert_null(e);
}

static void time_is(const char *value, const char *tz, const char *want)
{
	char buf[32];

	if (cmdb__import_time(buf, value, tz) != 0)
		fail_msg("'%s' in %s: %s", value, tz ? tz : "UTC", cmdb_error_last());
	if (strcmp(buf, want))
		fail_msg("'%s' in %s: got %s, want %s", value, tz ? tz : "UTC", buf, want);
}

static void test_import__times(void **state)
{
	char buf[32];

	(void)state;
	time_is("2026-02-10 08:00:00", NULL, "2026-02-10T08:00:00Z");
	time_is("2026-02-10 08:00", "UTC", "2026-02-10T08:00:00Z");
	time_is("2026-02-10", NULL, "2026-02-10T00:00:00Z");
	time_is("2026-02-10 08:00:00", "+01:00", "2026-02-10T07:00:00Z");
	time_is("2026-02-10 08:00:00", "-0530", "2026-02-10T13:30:00Z");
	time_is("2026-02-10 08:00:00", "Europe/Berlin", "2026-02-10T07:00:00Z");
	time_is("2026-07-10 08:00:00", "Europe/Berlin", "2026-07-10T06:00:00Z"); /* summer */
	time_is("2026-02-10 08:00:00", "America/New_York", "2026-02-10T13:00:00Z");
	time_is("2026-02-10T08:00:00+02:00", "Europe/Berlin", "2026-02-10T06:00:00Z");
	assert_int_equal(cmdb__import_time(buf, "2026-02-30 08:00:00", NULL), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "no such day"));
	assert_int_equal(cmdb__import_time(buf, "10/02/2026 08:00", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb__import_time(buf, "2026-02-10 25:00:00", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb__import_time(buf, "2026-02-10 08:00:00x", NULL), CMDB_EINVALID);
	assert_int_equal(cmdb__import_tz_check("Europe/Berlin"), 0);
	assert_int_equal(cmdb__import_tz_check("+14:00"), 0);
	assert_int_equal(cmdb__import_tz_check("Mars/Olympus"), CMDB_EINVALID);
	assert_int_equal(cmdb__import_tz_check("../../etc/passwd"), CMDB_EINVALID);
	assert_int_equal(cmdb__import_tz_check("+25:00"), CMDB_EINVALID);
	assert_int_equal(cmdb__import_tz_check("Europe/Berlin;rm"), CMDB_EINVALID);
}

static json_t *map_ok(const char *fields, cmdb_record_kind kind, cmdb_import_from from)
{
	json_t *f = json_loads(fields, 0, NULL), *m = NULL;

	assert_non_null(f);
	if (cmdb__import_map(&m, f, kind, from, "Europe/Berlin") != 0)
		fail_msg("map: %s", cmdb_error_last());
	json_decref(f);
	return m;
}

static const char *attr(const json_t *m, const char *key)
{
	return json_string_value(json_object_get(json_object_get(m, "attributes"), key));
}

static void test_import__map_servicenow_change(void **state)
{
	json_t *m;

	(void)state;
	m = map_ok("{\"number\": \"CHG0030001\", \"short_description\": \"Patch\", "
		   "\"description\": \"d\", \"state\": \"Scheduled\", \"approval\": \"Approved\", "
		   "\"type\": \"Emergency\", \"risk\": \"Very High\", \"start_date\": "
		   "\"2026-02-10 08:00:00\", \"end_date\": \"2026-02-10 10:00:00\", "
		   "\"requested_by\": \"Alice\", \"cmdb_ci\": \"web01\", \"affected_cis\": "
		   "\" db01 , nginx on web01,,\", \"sys_id\": \"ignored\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_int_equal(json_array_size(json_object_get(m, "errors")), 0);
	assert_string_equal(json_string_value(json_object_get(m, "external_ref")), "CHG0030001");
	assert_string_equal(attr(m, "external_ref"), "CHG0030001");
	assert_string_equal(attr(m, "summary"), "Patch");
	assert_string_equal(attr(m, "description"), "d");
	assert_string_equal(attr(m, "status"), "approved");
	assert_string_equal(attr(m, "approved_by"), "servicenow");
	assert_string_equal(attr(m, "type"), "emergency");
	assert_string_equal(attr(m, "risk"), "high");
	assert_string_equal(attr(m, "requested_by"), "Alice");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(m, "attributes"), "window"), "start")),
		"2026-02-10T07:00:00Z");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(m, "attributes"), "window"), "end")),
		"2026-02-10T09:00:00Z");
	assert_int_equal(json_array_size(json_object_get(m, "cis")), 3);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(m, "cis"), 1)), "db01");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(m, "cis"), 2)), "nginx on web01");
	assert_null(json_object_get(json_object_get(m, "attributes"), "sys_id"));
	json_decref(m);
	/* every state of the table; approval Rejected; emptied cells remove the field */
	{
		static const char *const states[][2] = {{"New", "requested"},
			{"Assess", "requested"}, {"Authorize", "requested"},
			{"Implement", "implemented"}, {"Review", "implemented"},
			{"Closed", "closed"}, {"Canceled", "cancelled"}, {"-2", "approved"}};
		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			char buf[200];

			snprintf(buf, sizeof(buf),
				"{\"number\": \"C\", \"state\": \"%s\", \"risk\": \"\"}",
				states[i][0]);
			m = map_ok(buf, CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
			assert_string_equal(attr(m, "status"), states[i][1]);
			assert_true(json_is_null(
				json_object_get(json_object_get(m, "attributes"), "risk")));
			json_decref(m);
		}
	}
	m = map_ok("{\"number\": \"C\", \"state\": \"Authorize\", \"approval\": \"Rejected\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(attr(m, "status"), "rejected");
	assert_true(json_is_null(json_object_get(json_object_get(m, "attributes"), "approved_by")));
	json_decref(m);
	m = map_ok("{\"number\": \"C\", \"state\": \"Scheduled\", \"approval\": \"Approved\", "
		   "\"approved_by\": \"Bob\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(attr(m, "approved_by"), "Bob");
	json_decref(m);
}

static void test_import__map_servicenow_incident_problem(void **state)
{
	static const char *const prio[][2] = {{"1 - Critical", "critical"}, {"2 - High", "high"},
		{"3 - Moderate", "medium"}, {"4 - Low", "low"}, {"5 - Planning", "low"}};
	json_t *m;

	(void)state;
	m = map_ok(
		"{\"number\": \"INC1\", \"short_description\": \"down\", \"state\": \"On "
		"Hold\", \"priority\": \"1 - Critical\", \"opened_at\": \"2026-02-10 09:15:00\", "
		"\"resolved_at\": \"\", \"closed_at\": \"2026-02-11 00:00:00\", \"cmdb_ci\": "
		"\"shop\", \"caused_by\": \"CHG0030001\", \"rfc\": \"CHG9\"}",
		CMDB_RECORD_INCIDENT, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(attr(m, "status"), "investigating");
	assert_string_equal(attr(m, "severity"), "critical");
	assert_string_equal(attr(m, "opened"), "2026-02-10T08:15:00Z");
	assert_true(json_is_null(json_object_get(json_object_get(m, "attributes"), "resolved")));
	assert_string_equal(attr(m, "closed"), "2026-02-10T23:00:00Z");
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "caused_by"), 0)),
		"CHG0030001");
	assert_null(json_object_get(json_object_get(m, "attributes"), "rfc"));
	json_decref(m);
	for (size_t i = 0; i < sizeof(prio) / sizeof(prio[0]); i++) {
		char buf[200];

		snprintf(buf, sizeof(buf), "{\"number\": \"I\", \"priority\": \"%s\"}", prio[i][0]);
		m = map_ok(buf, CMDB_RECORD_INCIDENT, CMDB_IMPORT_SERVICENOW);
		assert_string_equal(attr(m, "severity"), prio[i][1]);
		json_decref(m);
	}
	m = map_ok("{\"number\": \"PRB1\", \"short_description\": \"s\", \"state\": \"Fix in "
		   "Progress\", \"cause_notes\": \"c\", \"workaround\": \"w\"}",
		CMDB_RECORD_PROBLEM, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(attr(m, "status"), "known_error");
	assert_string_equal(attr(m, "root_cause"), "c");
	assert_string_equal(attr(m, "workaround"), "w");
	json_decref(m);
}

static const char *first_error(const json_t *m, const char *what)
{
	json_t *e = json_array_get(json_object_get(m, "errors"), 0);

	assert_non_null(e);
	return json_string_value(json_object_get(e, what));
}

static void test_import__map_errors(void **state)
{
	json_t *m;

	(void)state;
	m = map_ok("{\"number\": \"C\", \"state\": \"Pending\"}", CMDB_RECORD_CHANGE,
		CMDB_IMPORT_SERVICENOW);
	assert_string_equal(first_error(m, "field"), "state");
	assert_string_equal(first_error(m, "message"),
		"'Pending' is not in the mapping table (docs/import.md)");
	json_decref(m);
	m = map_ok("{\"number\": \"C\", \"state\": \"Scheduled\", \"approval\": \"Requested\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(first_error(m, "field"), "approval");
	json_decref(m);
	m = map_ok("{\"number\": \"C\", \"state\": \"New\", \"start_date\": \"2026-02-10\", "
		   "\"end_date\": \"\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(first_error(m, "field"), "end_date");
	json_decref(m);
	m = map_ok("{\"number\": \"I\", \"priority\": \"urgent\", \"opened_at\": \"yesterday\"}",
		CMDB_RECORD_INCIDENT, CMDB_IMPORT_SERVICENOW);
	assert_int_equal(json_array_size(json_object_get(m, "errors")), 2);
	assert_string_equal(first_error(m, "field"), "priority");
	json_decref(m);
	m = map_ok("{\"number\": \"\"}", CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW);
	assert_string_equal(first_error(m, "field"), "number");
	json_decref(m);
}

static void test_import__map_generic(void **state)
{
	json_t *m;

	(void)state;
	m = map_ok("{\"external_ref\": \"X-1\", \"summary\": \"s\", \"status\": \"Approved\", "
		   "\"approved_by\": \"bob\", \"window_start\": \"2026-02-10T08:00Z\", "
		   "\"window_end\": \"2026-02-10 10:00\", \"affects\": \"host/web01,db01\"}",
		CMDB_RECORD_CHANGE, CMDB_IMPORT_GENERIC);
	assert_int_equal(json_array_size(json_object_get(m, "errors")), 0);
	assert_string_equal(attr(m, "status"), "approved");
	assert_string_equal(attr(m, "approved_by"), "bob");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(m, "attributes"), "window"), "end")),
		"2026-02-10T09:00:00Z");
	assert_int_equal(json_array_size(json_object_get(m, "cis")), 2);
	json_decref(m);
	assert_true(
		cmdb__import_known_column(CMDB_RECORD_PROBLEM, CMDB_IMPORT_GENERIC, "incidents"));
	assert_false(cmdb__import_known_column(CMDB_RECORD_PROBLEM, CMDB_IMPORT_GENERIC, "sumary"));
	assert_string_equal(
		cmdb__import_required(CMDB_RECORD_INCIDENT, CMDB_IMPORT_SERVICENOW)[3], "priority");
}

/* Each allocation failing in turn: an error and no table, never a crash, a leak or a
 * table with a field missing. */
static void test_import__allocation_failures(void **state)
{
	static const char csv[] = "\xEF\xBB\xBFnumber,short_description,state,cmdb_ci\r\n"
				  "CHG1,\"a, \"\"b\"\"\",Scheduled,web01\r\nCHG2,x,New\r\n";
	static const char js[] = "{\"result\": [{\"number\": \"INC1\", \"priority\": "
				 "{\"display_value\": \"1 - Critical\"}, \"n\": 3}, 4]}";
	int streak = 0, failures = 0;

	(void)state;
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 20000 && streak < 50; n++) {
		json_t *t = (json_t *)0x1, *j = (json_t *)0x1, *m = (json_t *)0x1, *f;
		int rc, rj, rm = CMDB_ERROR;

		cmdb__alloc_fail_at(n);
		rc = cmdb__import_csv(&t, csv, sizeof(csv) - 1, "x.csv");
		rj = cmdb__import_json(&j, js, sizeof(js) - 1, "x.json");
		if (rc == 0) {
			f = json_object_get(
				json_array_get(json_object_get(t, "rows"), 0), "fields");
			rm = cmdb__import_map(
				&m, f, CMDB_RECORD_CHANGE, CMDB_IMPORT_SERVICENOW, NULL);
		}
		cmdb__alloc_fail_at(0);
		if (rc == 0 && rj == 0 && rm == 0) {
			streak++;
			assert_string_equal(cell(t, 0, "short_description"), "a, \"b\"");
			assert_string_equal(cell(j, 0, "priority"), "1 - Critical");
			assert_string_equal(attr(m, "status"), "approved");
		} else {
			streak = 0;
			failures++;
		}
		if (rc != 0)
			assert_null(t);
		if (rj != 0)
			assert_null(j);
		if (rc == 0)
			json_decref(t);
		if (rj == 0)
			json_decref(j);
		if (rm == 0)
			json_decref(m);
		cmdb_error_clear();
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(failures > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import__csv_rfc4180),
		cmocka_unit_test(test_import__csv_malformed_rows),
		cmocka_unit_test(test_import__csv_header_errors),
		cmocka_unit_test(test_import__utf8),
		cmocka_unit_test(test_import__json_shapes),
		cmocka_unit_test(test_import__times),
		cmocka_unit_test(test_import__map_servicenow_change),
		cmocka_unit_test(test_import__map_servicenow_incident_problem),
		cmocka_unit_test(test_import__map_errors),
		cmocka_unit_test(test_import__map_generic),
		cmocka_unit_test(test_import__allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
