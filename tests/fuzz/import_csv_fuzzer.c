/*
 * Fuzz the import's readers (cmdb__import_csv, cmdb__import_json) and its mapping
 * (cmdb__import_map, every kind, both column sets). Invariants: a reader answers 0 or
 * CMDB_EINVALID and sets *out only on 0; every row is numbered 1, 2, ... with
 * non-decreasing lines and holds either an error or exactly one string per column;
 * a CSV table written back (every field quoted, CRLF) reads back to the same table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"
#include "import/import_int.h"

static void check_table(const json_t *t, int csv)
{
	json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows"), *r;
	json_int_t line = 0;
	size_t i;

	if (!json_is_array(cols) || !json_is_array(rows))
		abort();
	json_array_foreach(rows, i, r)
	{
		json_t *f = json_object_get(r, "fields");

		if (json_integer_value(json_object_get(r, "row")) != (json_int_t)i + 1)
			abort();
		if (json_integer_value(json_object_get(r, "line")) < line)
			abort();
		line = json_integer_value(json_object_get(r, "line"));
		if (!f && !json_is_string(json_object_get(r, "error")))
			abort();
		if (f && csv && json_object_size(f) != json_array_size(cols))
			abort();
		for (cmdb_record_kind k = CMDB_RECORD_CHANGE; f && k <= CMDB_RECORD_PROBLEM; k++)
			for (int from = 0; from < 2; from++) {
				json_t *m = NULL;

				if (cmdb__import_map(&m, f, k, (cmdb_import_from)from, NULL) != 0 ||
					!json_is_array(json_object_get(m, "errors")))
					abort();
				json_decref(m);
			}
	}
}

/* Every field quoted, quotes doubled, CRLF; NULL when a row is an error. */
static char *write_back(const json_t *t, size_t *len)
{
	json_t *cols = json_object_get(t, "columns"), *r, *c;
	size_t i, j, cap = 64, n = 0;
	char *out = malloc(cap);

	for (i = 0; out && i <= json_array_size(json_object_get(t, "rows")); i++) {
		r = i ? json_array_get(json_object_get(t, "rows"), i - 1) : NULL;
		if (r && !json_object_get(r, "fields")) {
			free(out);
			return NULL;
		}
		json_array_foreach(cols, j, c)
		{
			const char *v = r
				? json_string_value(json_object_get(
					  json_object_get(r, "fields"), json_string_value(c)))
				: json_string_value(c);

			for (size_t k = 0; k <= strlen(v) + 1; k++) {
				if (n + 8 >= cap && !(out = realloc(out, cap *= 2)))
					return NULL;
				if (k == 0)
					out[n++] = '"';
				if (k < strlen(v)) {
					if (v[k] == '"')
						out[n++] = '"';
					out[n++] = v[k];
				} else if (k == strlen(v)) {
					out[n++] = '"';
					out[n++] = j + 1 < json_array_size(cols) ? ',' : '\r';
					if (j + 1 == json_array_size(cols))
						out[n++] = '\n';
				}
			}
		}
	}
	*len = n;
	return out;
}

static void check_csv(const uint8_t *data, size_t size)
{
	json_t *t = (json_t *)1, *back = NULL;
	char *again;
	size_t len = 0;
	int rc = cmdb__import_csv(&t, (const char *)data, size, "fuzz.csv");

	if (rc != 0 && (rc != CMDB_EINVALID || t))
		abort();
	if (rc != 0)
		return;
	check_table(t, 1);
	if ((again = write_back(t, &len))) {
		json_t *rows = json_object_get(t, "rows");
		int same;

		if (cmdb__import_csv(&back, again, len, "again.csv") != 0)
			abort();
		same = json_equal(
			       json_object_get(t, "columns"), json_object_get(back, "columns")) &&
			json_array_size(rows) == json_array_size(json_object_get(back, "rows"));
		for (size_t i = 0; same && i < json_array_size(rows); i++)
			same = json_equal(json_object_get(json_array_get(rows, i), "fields"),
				json_object_get(json_array_get(json_object_get(back, "rows"), i),
					"fields"));
		if (!same)
			abort();
		json_decref(back);
		free(again);
	}
	json_decref(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *t = (json_t *)1;
	int rc;

	check_csv(data, size);
	rc = cmdb__import_json(&t, (const char *)data, size, "fuzz.json");
	if (rc != 0 && (rc != CMDB_EINVALID || t))
		abort();
	if (rc == 0) {
		check_table(t, 0);
		json_decref(t);
	}
	cmdb_error_clear();
	return 0;
}
