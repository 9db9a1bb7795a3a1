/*
 * The schema language: loading schemas/<type>.yaml and schemas/relations.yaml
 * into compiled specs (see docs/schemas.md). Schema files are trusted
 * configuration, so loading stops at the first problem with file:line:col.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/schema.h"

#include "util/alloc.h"
#include "util/error.h"
#include "item/schema_int.h"

static const char *const type_names[] = {
	"any", "string", "int", "number", "bool", "map", "list", "scalar", NULL};

const char *cmdb__spec_type_name(cmdb__spec_type t)
{
	return type_names[t];
}

static void mark_of(const json_t *marks, const char *ptr, int *line, int *col)
{
	json_t *m = marks ? json_object_get(marks, ptr) : NULL;

	*line = (int)json_integer_value(json_array_get(m, 0));
	*col = (int)json_integer_value(json_array_get(m, 1));
}

/* CMDB_EINVALID with "origin:line:col: message", the location taken from marks[ptr]. */
static int load_error(const json_t *marks, const char *ptr, const char *origin, const char *fmt,
	...) __attribute__((format(printf, 4, 5)));
static int load_error(
	const json_t *marks, const char *ptr, const char *origin, const char *fmt, ...)
{
	char msg[1024];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mark_of(marks, ptr, &line, &col);
	return cmdb__error(CMDB_EINVALID, "%s:%d:%d: %s", origin, line, col, msg);
}

/* parent + "/" + key with JSON-pointer escaping (~ -> ~0, / -> ~1); NULL on OOM. */
static char *ptr_child(const char *parent, const char *key)
{
	size_t plen = strlen(parent), klen = strlen(key), o;
	char *p = cmdb__malloc(plen + 2 * klen + 2);

	if (!p)
		return NULL;
	memcpy(p, parent, plen);
	o = plen;
	p[o++] = '/';
	for (size_t i = 0; i < klen; i++) {
		if (key[i] == '~' || key[i] == '/') {
			p[o++] = '~';
			p[o++] = key[i] == '~' ? '0' : '1';
		} else {
			p[o++] = key[i];
		}
	}
	p[o] = '\0';
	return p;
}

void cmdb__spec_free(cmdb__spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->nfields; i++) {
		cmdb_free(spec->fields[i].name);
		cmdb__spec_free(spec->fields[i].spec);
	}
	cmdb_free(spec->fields);
	cmdb__spec_free(spec->values);
	json_decref(spec->enumv);
	json_decref(spec->requires);
	cmdb_free(spec->after);
	if (spec->pattern)
		regfree(&spec->re);
	cmdb_free(spec->pattern);
	cmdb_free(spec);
}

static int field_cmp(const void *a, const void *b)
{
	return strcmp(((const cmdb__field *)a)->name, ((const cmdb__field *)b)->name);
}

const cmdb__spec *cmdb__spec_field(const cmdb__spec *spec, const char *name)
{
	cmdb__field key = {(char *)name, NULL}, *f;

	if (!spec || !spec->nfields)
		return NULL;
	f = bsearch(&key, spec->fields, spec->nfields, sizeof(*f), field_cmp);
	return f ? f->spec : NULL;
}

static int is_known_keyword(const char *k)
{
	static const char *const kw[] = {"type", "required", "enum", "pattern", "fields", "values",
		"additional", "min", "max", "description", "requires", "after", "not_before", NULL};

	for (size_t i = 0; kw[i]; i++)
		if (strcmp(k, kw[i]) == 0)
			return 1;
	return 0;
}

/* Compile "fields" (a map of name -> spec) into spec->fields, sorted. */
static int compile_fields(cmdb__spec *spec, const json_t *fields, const json_t *marks,
	const char *ptr, const char *origin)
{
	const char *key;
	json_t *val;
	char *child = NULL;
	int error = 0;

	if (!json_is_object(fields))
		return load_error(marks, ptr, origin, "'fields' must be a map of field specs");
	if (!(spec->fields = cmdb__calloc(json_object_size(fields), sizeof(*spec->fields))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)fields, key, val)
	{
		cmdb__field *f = &spec->fields[spec->nfields];

		if (!(child = ptr_child(ptr, key)) || !(f->name = cmdb__strdup(key))) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		spec->nfields++;
		if ((error = cmdb__spec_compile(&f->spec, val, marks, child, origin)) < 0)
			goto done;
		cmdb_free(child);
		child = NULL;
	}
	qsort(spec->fields, spec->nfields, sizeof(*spec->fields), field_cmp);
done:
	cmdb_free(child);
	return error;
}

static int compile_pattern(cmdb__spec *spec, const json_t *pat, const json_t *marks,
	const char *ptr, const char *origin)
{
	char *anchored = NULL, msg[256];
	int rc, error = 0;

	if (!json_is_string(pat) || spec->type != CMDB__T_STRING)
		return load_error(
			marks, ptr, origin, "'pattern' must be a string on a string field");
	if (!(anchored = cmdb__sprintf("^(%s)$", json_string_value(pat))) ||
		!(spec->pattern = cmdb__strdup(json_string_value(pat)))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = regcomp(&spec->re, anchored, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &spec->re, msg, sizeof(msg));
		cmdb_free(spec->pattern);
		spec->pattern = NULL;
		error = load_error(marks, ptr, origin, "bad pattern: %s", msg);
	}
done:
	cmdb_free(anchored);
	return error;
}

/* requires: {VALUE: [field, ...]}: when this field has VALUE, those sibling fields must exist. */
static int compile_requires(cmdb__spec *spec, const json_t *val, const json_t *marks,
	const char *ptr, const char *origin)
{
	const char *key;
	json_t *list, *e;
	size_t i;

	if (!json_is_object(val) || json_object_size(val) == 0)
		return load_error(
			marks, ptr, origin, "'requires' must be a map of value: [fields]");
	json_object_foreach((json_t *)val, key, list)
	{
		if (!json_is_array(list) || json_array_size(list) == 0)
			return load_error(marks, ptr, origin,
				"'requires' must map each value to a non-empty list of field "
				"names");
		json_array_foreach(list, i, e) if (!json_is_string(e)) return load_error(
			marks, ptr, origin, "'requires' lists field names (strings)");
	}
	spec->requires = json_incref((json_t *)val);
	return 0;
}

/* One keyword of a spec; the type has already been set. */
static int compile_keyword(cmdb__spec *spec, const char *key, const json_t *val,
	const json_t *marks, const char *ptr, const char *origin)
{
	int is_container = spec->type == CMDB__T_MAP || spec->type == CMDB__T_LIST;

	if (strcmp(key, "required") == 0 || strcmp(key, "additional") == 0) {
		if (!json_is_boolean(val))
			return load_error(marks, ptr, origin, "'%s' must be true or false", key);
		*(key[0] == 'r' ? &spec->required : &spec->additional) = json_is_true(val);
		return 0;
	}
	if (strcmp(key, "description") == 0)
		return json_is_string(val)
			? 0
			: load_error(marks, ptr, origin, "'description' must be a string");
	if (strcmp(key, "enum") == 0) {
		size_t i;
		json_t *e;

		if (!json_is_array(val) || json_array_size(val) == 0)
			return load_error(marks, ptr, origin, "'enum' must be a non-empty list");
		json_array_foreach(val, i,
			e) if (json_is_object(e) || json_is_array(e)) return load_error(marks, ptr,
			origin, "'enum' values must be scalars");
		spec->enumv = json_incref((json_t *)val);
		return 0;
	}
	if (strcmp(key, "pattern") == 0)
		return compile_pattern(spec, val, marks, ptr, origin);
	if (strcmp(key, "requires") == 0)
		return compile_requires(spec, val, marks, ptr, origin);
	if (strcmp(key, "after") == 0 || strcmp(key, "not_before") == 0) {
		if (!json_is_string(val) || spec->type != CMDB__T_STRING || spec->after)
			return load_error(marks, ptr, origin,
				"'%s' names one sibling field, on a string field", key);
		if (!(spec->after = cmdb__strdup(json_string_value(val))))
			return cmdb__error(CMDB_ERROR, "out of memory");
		spec->after_strict = key[0] == 'a';
		return 0;
	}
	if (strcmp(key, "min") == 0 || strcmp(key, "max") == 0) {
		if (!json_is_number(val) || spec->type == CMDB__T_ANY ||
			spec->type == CMDB__T_BOOL || spec->type == CMDB__T_SCALAR)
			return load_error(marks, ptr, origin,
				"'%s' must be a number, on an int, number, string, list or map "
				"field",
				key);
		if (key[1] == 'i') {
			spec->has_min = 1;
			spec->min = json_number_value(val);
		} else {
			spec->has_max = 1;
			spec->max = json_number_value(val);
		}
		return 0;
	}
	if (strcmp(key, "fields") == 0) {
		if (spec->type != CMDB__T_MAP)
			return load_error(marks, ptr, origin, "'fields' needs type: map");
		return compile_fields(spec, val, marks, ptr, origin);
	}
	/* values */
	if (!is_container)
		return load_error(marks, ptr, origin, "'values' needs type: map or list");
	return cmdb__spec_compile(&spec->values, val, marks, ptr, origin);
}

static int parse_type(cmdb__spec_type *out, const json_t *t)
{
	for (int i = 0; type_names[i]; i++) {
		if (json_is_string(t) && strcmp(json_string_value(t), type_names[i]) == 0) {
			*out = (cmdb__spec_type)i;
			return 0;
		}
	}
	return -1;
}

int cmdb__spec_compile(cmdb__spec **out, const json_t *value, const json_t *marks, const char *ptr,
	const char *origin)
{
	cmdb__spec *spec = NULL;
	const char *key;
	json_t *val, *t;
	char *child = NULL;
	int error = 0;

	*out = NULL;
	if (!json_is_object(value))
		return load_error(
			marks, ptr, origin, "a field spec must be a map (e.g. {type: string})");
	if (!(spec = cmdb__calloc(1, sizeof(*spec))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	spec->type = CMDB__T_ANY;
	if ((t = json_object_get(value, "type")) && parse_type(&spec->type, t) < 0) {
		error = load_error(marks, ptr, origin,
			"unknown field type (use string, int, number, bool, map, list, scalar or "
			"any)");
		goto done;
	}
	json_object_foreach((json_t *)value, key, val)
	{
		if (!(child = ptr_child(ptr, key))) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		if (!is_known_keyword(key))
			error = load_error(
				marks, child, origin, "unknown schema keyword '%s'", key);
		else if (strcmp(key, "type") != 0)
			error = compile_keyword(spec, key, val, marks, child, origin);
		if (error < 0)
			goto done;
		cmdb_free(child);
		child = NULL;
	}
	*out = spec;
	spec = NULL;
done:
	cmdb_free(child);
	cmdb__spec_free(spec);
	return error;
}
