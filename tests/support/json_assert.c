#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_assert.h"

json_t *tu_json(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return v;
}

void tu_assert_json(const json_t *actual, const char *expected)
{
	json_t *e = tu_json(expected);

	if (!json_equal((json_t *)actual, e)) {
		char *a = json_dumps(actual, JSON_SORT_KEYS | JSON_COMPACT);

		print_error("expected %s\n     got %s\n", expected, a);
		free(a);
		json_decref(e);
		fail();
	}
	json_decref(e);
}

static void dump(const json_t *findings)
{
	char *d = json_dumps(findings, JSON_INDENT(1));

	fprintf(stderr, "%s\n", d ? d : "?");
	free(d);
}

void tu_expect_finding(
	const json_t *findings, const char *file, int line, int col, const char *text)
{
	size_t i, hits = 0;
	json_t *f;

	json_array_foreach(findings, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "file")), file) == 0 &&
			json_integer_value(json_object_get(f, "line")) == line &&
			json_integer_value(json_object_get(f, "column")) == col &&
			strstr(json_string_value(json_object_get(f, "message")), text))
			hits++;
	}
	if (hits != 1) {
		dump(findings);
		fail_msg("expected one finding %s:%d:%d '%s', found %zu", file, line, col, text,
			hits);
	}
}

void tu_expect_findings(const json_t *findings, size_t n)
{
	if (json_array_size(findings) != n) {
		dump(findings);
		fail_msg("expected %zu findings, got %zu", n, json_array_size(findings));
	}
}
