/* JSON exports: an array of objects, or ServiceNow's {"records": [...]} / {"result": [...]}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "import/import_int.h"

/* A cell as text into *out (a new reference); 1 with *why when it cannot be one. */
static int cell(json_t **out, json_t *v, const char **why)
{
	char *s;

	*out = NULL;
	if (json_is_object(v) && json_object_get(v, "display_value"))
		v = json_object_get(v, "display_value");
	if (json_is_string(v)) {
		*out = json_incref(v);
		return 0;
	}
	if (json_is_null(v)) {
		*out = json_string("");
	} else if (json_is_number(v) || json_is_boolean(v)) {
		if (!(s = json_dumps(v, JSON_ENCODE_ANY)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		*out = json_string(s);
		free(s);
	} else {
		*why = "not a string, number or {\"display_value\": ...}";
		return 1;
	}
	return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

static int row(json_t *rows, json_t *cols, json_t *rec, size_t n)
{
	json_t *fields = json_object(), *v, *e = NULL;
	const char *k, *why = NULL, *bad = NULL;
	char msg[300];
	int rc = 0;

	if (!fields)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!json_is_object(rec)) {
		e = json_pack("{s:I, s:i, s:s}", "row", (json_int_t)n, "line", 0, "error",
			"not an object");
		goto add;
	}
	json_object_foreach(rec, k, v)
	{
		json_t *c = NULL;

		if ((rc = cell(&c, v, &why)) < 0)
			goto done;
		if (rc == 1) {
			bad = k;
			break;
		}
		if (json_object_set_new(fields, k, c) < 0 ||
			(!json_object_get(cols, k) &&
				json_object_set_new(cols, k, json_true()) < 0)) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	if (bad) {
		snprintf(msg, sizeof(msg), "column %.100s: %s", bad, why);
		e = json_pack("{s:I, s:i, s:s}", "row", (json_int_t)n, "line", 0, "error", msg);
	} else {
		e = json_pack("{s:I, s:i, s:O}", "row", (json_int_t)n, "line", 0, "fields", fields);
	}
add:
	rc = (!e || json_array_append_new(rows, e) < 0) ? cmdb__error(CMDB_ERROR, "out of memory")
							: 0;
done:
	json_decref(fields);
	return rc;
}

int cmdb__import_json(json_t **out, const char *buf, size_t len, const char *file)
{
	json_error_t err;
	json_t *doc, *list, *cols = json_object(), *rows = json_array(), *names = json_array(), *e;
	const char *k;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		buf += 3, len -= 3;
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!cols || !rows || !names) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (!doc) {
		rc = cmdb__error(CMDB_EINVALID, "%s:%d:%d: not JSON: %s", file, err.line,
			err.column, err.text);
		goto done;
	}
	list = doc;
	if (json_is_object(doc))
		list = json_object_get(doc, "records") ? json_object_get(doc, "records")
						       : json_object_get(doc, "result");
	if (!json_is_array(list)) {
		rc = cmdb__error(CMDB_EINVALID,
			"%s: not a list of records: give an array of objects, or {\"records\": "
			"[...]} or {\"result\": [...]}",
			file);
		goto done;
	}
	json_array_foreach(list, i, e) if ((rc = row(rows, cols, e, i + 1)) < 0) goto done;
	json_object_foreach(cols, k, e)
	{
		if (json_array_append_new(names, json_string(k)) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	if (!(*out = json_pack("{s:O, s:O}", "columns", names, "rows", rows)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	json_decref(doc);
	json_decref(cols);
	json_decref(rows);
	json_decref(names);
	return rc;
}
