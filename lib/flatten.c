/*
 * Item document → attribute rows and relation rows for the index. The paths
 * are what `find` and `history --path` match on ("attributes.packages.openssl.version").
 * Keys are joined with "." as they are: a key that itself holds a "." (rare:
 * "eth0.100") gives a path that reads like a deeper one; duplicates that this
 * could produce are dropped (first in sorted order wins) so a path is unique per item.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "index_int.h"

#define MAX_DEPTH 80

static int add_row(json_t *rows, const char *path, json_t *value, const char *vtype)
{
	json_t *row = json_pack("[sos]", path, value ? value : json_null(), vtype);

	if (!row || json_array_append_new(rows, row) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int flatten_value(json_t *rows, const char *path, const json_t *v, int depth);

static int flatten_child(json_t *rows, const char *path, const char *key, const json_t *v,
	int depth)
{
	char *sub = *path ? cmdb__sprintf("%s.%s", path, key) : cmdb__strdup(key);
	int error;

	if (!sub)
		return cmdb__error(CMDB_ERROR, "out of memory");
	error = flatten_value(rows, sub, v, depth + 1);
	free(sub);
	return error;
}

static int flatten_list(json_t *rows, const char *path, const json_t *v, int depth)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY), key[24];
	size_t i;
	json_t *el;
	int error;

	if (!s)
		return cmdb__error(CMDB_ERROR, "out of memory");
	error = add_row(rows, path, json_string(s), "list");
	free(s);
	json_array_foreach(v, i, el) {
		if (error || (!json_is_object(el) && !json_is_array(el)))
			continue;
		snprintf(key, sizeof(key), "%zu", i);
		error = flatten_child(rows, path, key, el, depth);
	}
	return error;
}

static int flatten_value(json_t *rows, const char *path, const json_t *v, int depth)
{
	char num[40];

	if (depth > MAX_DEPTH)
		return cmdb__error(CMDB_EINVALID, "%s: nested too deeply to index", path);
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *child;
		int error = 0;

		json_object_foreach((json_t *)v, key, child) {
			if ((error = flatten_child(rows, path, key, child, depth)) < 0)
				break;
		}
		return error;
	}
	case JSON_ARRAY:
		return flatten_list(rows, path, v, depth);
	case JSON_STRING:
		return add_row(rows, path, json_string(json_string_value(v)), "string");
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return add_row(rows, path, json_string(num), "int");
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return add_row(rows, path, json_string(num), "real");
	case JSON_TRUE:
		return add_row(rows, path, json_string("true"), "bool");
	case JSON_FALSE:
		return add_row(rows, path, json_string("false"), "bool");
	default:
		return add_row(rows, path, NULL, "null");
	}
}

static int cmp_first(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;
	int c = strcmp(json_string_value(json_array_get(*x, 0)),
		json_string_value(json_array_get(*y, 0)));

	if (c == 0 && json_array_size(*x) > 1 && json_is_string(json_array_get(*x, 1)) &&
		json_is_string(json_array_get(*y, 1)))
		c = strcmp(json_string_value(json_array_get(*x, 1)),
			json_string_value(json_array_get(*y, 1)));
	return c;
}

/* Sort rows by their first (and second) string and drop rows whose first string repeats. */
static int sort_unique(json_t **out, json_t *rows, int key_cols)
{
	size_t n = json_array_size(rows), i;
	json_t **v = cmdb__calloc(n ? n : 1, sizeof(*v)), *res = json_array();
	int error = 0;

	if (!v || !res) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof(*v), cmp_first);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(json_string_value(json_array_get(v[i], 0)),
				     json_string_value(json_array_get(v[i - 1], 0))) == 0 &&
			(key_cols == 1 || strcmp(json_string_value(json_array_get(v[i], 1)),
					  json_string_value(json_array_get(v[i - 1], 1))) == 0))
			continue;
		json_array_append(res, v[i]);
	}
	*out = res;
	res = NULL;
done:
	free(v);
	json_decref(res);
	return error;
}

int cmdb__flatten(json_t **out, const json_t *doc)
{
	json_t *rows = json_array();
	const char *key;
	json_t *child;
	int error = 0;

	if (!rows)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (json_is_object(doc)) {
		json_object_foreach((json_t *)doc, key, child) {
			if (strcmp(key, "relations") == 0)
				continue;
			if ((error = flatten_child(rows, "", key, child, 0)) < 0)
				break;
		}
	}
	if (!error)
		error = sort_unique(out, rows, 1);
	json_decref(rows);
	return error;
}

int cmdb__flatten_relations(json_t **out, const json_t *doc)
{
	json_t *rows = json_array(), *rel = json_object_get(doc, "relations"), *targets, *t;
	const char *type;
	size_t i;
	int error = 0;

	if (!rows)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (json_is_object(rel)) {
		json_object_foreach(rel, type, targets) {
			if (json_is_string(targets) &&
				json_array_append_new(rows, json_pack("[ss]", type, json_string_value(targets))) < 0)
				error = cmdb__error(CMDB_ERROR, "out of memory");
			json_array_foreach(json_is_array(targets) ? targets : NULL, i, t) {
				if (json_is_string(t) && json_array_append_new(rows,
						json_pack("[ss]", type, json_string_value(t))) < 0)
					error = cmdb__error(CMDB_ERROR, "out of memory");
			}
		}
	}
	if (!error)
		error = sort_unique(out, rows, 2);
	json_decref(rows);
	return error;
}
