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

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "index/index_int.h"

#define MAX_DEPTH 80

/*
 * One flatten call. The path is built in place in one buffer (a child appends
 * ".key", then cuts it off again) and the six vtype strings are shared by every
 * row: a host with 400 packages gives ~1,000 rows, and a full index flattens
 * thousands of such versions, so per-row allocations were a sixth of its time.
 */
typedef struct {
	json_t *rows;
	cmdb_buf path;
	json_t *vt[6];
} flat;

enum {
	VT_STRING,
	VT_INT,
	VT_REAL,
	VT_BOOL,
	VT_NULL,
	VT_LIST
};
static const char *const vt_name[6] = {"string", "int", "real", "bool", "null", "list"};

/* Append [path, value, vtype]; takes the reference to value (NULL = json null). */
static int add_row(flat *f, json_t *value, int vt)
{
	json_t *row = json_array(), *p = json_stringn(f->path.ptr ? f->path.ptr : "", f->path.len);
	int ok;

	if (!value)
		value = json_null();
	if (!row || !p || !value) {
		json_decref(row);
		json_decref(p);
		json_decref(value);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	/* each *_new call takes its reference even when it fails */
	ok = json_array_append_new(row, p) == 0;
	ok = json_array_append_new(row, value) == 0 && ok;
	ok = json_array_append(row, f->vt[vt]) == 0 && ok;
	if (!ok) {
		json_decref(row);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (json_array_append_new(f->rows, row) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int flatten_value(flat *f, const json_t *v, int depth);

static int flatten_child(flat *f, const char *key, const json_t *v, int depth)
{
	size_t keep = f->path.len;
	int error;

	if ((keep && cmdb__buf_put(&f->path, ".", 1) < 0) || cmdb__buf_puts(&f->path, key) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	error = flatten_value(f, v, depth + 1);
	f->path.len = keep;
	if (f->path.ptr)
		f->path.ptr[keep] = '\0';
	return error;
}

static int flatten_list(flat *f, const json_t *v, int depth)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY), key[24];
	size_t i;
	json_t *el;
	int error;

	if (!s)
		return cmdb__error(CMDB_ERROR, "out of memory");
	error = add_row(f, json_string(s), VT_LIST);
	free(s);
	json_array_foreach(v, i, el)
	{
		if (error || (!json_is_object(el) && !json_is_array(el)))
			continue;
		snprintf(key, sizeof(key), "%zu", i);
		error = flatten_child(f, key, el, depth);
	}
	return error;
}

static int flatten_value(flat *f, const json_t *v, int depth)
{
	char num[40];

	if (depth > MAX_DEPTH)
		return cmdb__error(CMDB_EINVALID, "%s: nested too deeply to index",
			f->path.ptr ? f->path.ptr : "");
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *child;
		int error = 0;

		json_object_foreach((json_t *)v, key, child)
		{
			if ((error = flatten_child(f, key, child, depth)) < 0)
				break;
		}
		return error;
	}
	case JSON_ARRAY: return flatten_list(f, v, depth);
	case JSON_STRING: /* the document outlives the rows' use: share its string */
		return add_row(f, json_incref((json_t *)v), VT_STRING);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return add_row(f, json_string(num), VT_INT);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return add_row(f, json_string(num), VT_REAL);
	case JSON_TRUE: return add_row(f, json_string("true"), VT_BOOL);
	case JSON_FALSE: return add_row(f, json_string("false"), VT_BOOL);
	default: return add_row(f, NULL, VT_NULL);
	}
}

typedef struct {
	const char *k0, *k1; /* the row's first and (for relations) second string */
	json_t *row;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int c = strcmp(x->k0, y->k0);

	if (c == 0 && x->k1 && y->k1)
		c = strcmp(x->k1, y->k1);
	return c;
}

/* Sort rows by their first (and second) string and drop rows whose first string repeats. */
static int sort_unique(json_t **out, json_t *rows, int key_cols)
{
	size_t n = json_array_size(rows), i;
	keyed *v = cmdb__calloc(n ? n : 1, sizeof(*v));
	json_t *res = json_array();
	int error = 0;

	if (!v || !res) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		v[i].row = json_array_get(rows, i);
		v[i].k0 = json_string_value(json_array_get(v[i].row, 0));
		v[i].k1 = json_string_value(json_array_get(v[i].row, 1)); /* NULL unless a string */
	}
	qsort(v, n, sizeof(*v), cmp_keyed);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i].k0, v[i - 1].k0) == 0 &&
			(key_cols == 1 || strcmp(v[i].k1, v[i - 1].k1) == 0))
			continue;
		if (json_array_append(res, v[i].row) < 0) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
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
	flat f = {json_array(), CMDB_BUF_INIT(1u << 20), {NULL}};
	const char *key;
	json_t *child;
	int error = 0;

	for (int i = 0; i < 6; i++)
		if (!(f.vt[i] = json_string(vt_name[i])))
			error = cmdb__error(CMDB_ERROR, "out of memory");
	if (!f.rows && !error)
		error = cmdb__error(CMDB_ERROR, "out of memory");
	if (!error && json_is_object(doc)) {
		json_object_foreach((json_t *)doc, key, child)
		{
			if (strcmp(key, "relations") == 0)
				continue;
			if ((error = flatten_child(&f, key, child, 0)) < 0)
				break;
		}
	}
	if (!error)
		error = sort_unique(out, f.rows, 1);
	json_decref(f.rows);
	for (int i = 0; i < 6; i++)
		json_decref(f.vt[i]);
	cmdb__buf_dispose(&f.path);
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
		json_object_foreach(rel, type, targets)
		{
			if (json_is_string(targets) &&
				json_array_append_new(rows,
					json_pack("[ss]", type, json_string_value(targets))) < 0)
				error = cmdb__error(CMDB_ERROR, "out of memory");
			json_array_foreach(json_is_array(targets) ? targets : NULL, i, t)
			{
				if (json_is_string(t) &&
					json_array_append_new(rows,
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
