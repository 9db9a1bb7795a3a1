/*
 * A schema set: one compiled schema per item type plus the relation types,
 * from the built-in assets, a directory, or buffers (a repository's schemas/
 * at some revision). A later file for the same type replaces the earlier one;
 * relations.yaml replaces the whole relation set.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/schema.h"
#include "gitcmdb/yaml.h"

#include "util/alloc.h"
#include "util/asset.h"
#include "util/error.h"
#include "util/file.h"
#include "item/schema_int.h"

/* The top-level shape every item shares; attributes and relations get more checks in validate.c. */
static const char item_spec_yaml[] =
	"type: map\n"
	"additional: false\n"
	"fields:\n"
	"  type: {type: string, required: true}\n"
	"  name: {type: string, required: true}\n"
	"  source: {type: string, enum: [scan, manual, import]}\n"
	"  attributes: {type: map, additional: true}\n"
	"  annotations: {type: map, values: {type: scalar}}\n"
	"  relations: {type: map, values: {type: list, values: {type: string}}}\n";

/* Words relations.yaml uses for groups of types; no schema may take these names. */
static int is_reserved_type(const char *t)
{
	return strcmp(t, "ci") == 0 || strcmp(t, "record") == 0 || strcmp(t, "any") == 0;
}

static int is_ident(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int at(const json_t *marks, const char *ptr, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int at(const json_t *marks, const char *ptr, const char *origin, const char *fmt, ...)
{
	json_t *m = json_object_get(marks, ptr);
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cmdb__error(CMDB_EINVALID, "%s:%d:%d: %s", origin,
		(int)json_integer_value(json_array_get(m, 0)),
		(int)json_integer_value(json_array_get(m, 1)), msg);
}

static void type_dispose(cmdb__type_schema *t)
{
	cmdb_free(t->type);
	cmdb_free(t->origin);
	cmdb__spec_free(t->attributes);
}

static void relations_dispose(cmdb__relation *rels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cmdb_free(rels[i].name);
		json_decref(rels[i].sources);
		json_decref(rels[i].targets);
	}
	cmdb_free(rels);
}

void cmdb_schema_free(cmdb_schema *schema)
{
	if (!schema)
		return;
	for (size_t i = 0; i < schema->ntypes; i++)
		type_dispose(&schema->types[i]);
	cmdb_free(schema->types);
	relations_dispose(schema->relations, schema->nrelations);
	cmdb_free(schema->relations_origin);
	cmdb__spec_free(schema->item);
	cmdb_free(schema);
}

int cmdb_schema_new(cmdb_schema **out)
{
	cmdb_schema *s = NULL;
	json_t *doc = NULL, *marks = NULL;
	int error;

	*out = NULL;
	if (!(s = cmdb__calloc(1, sizeof(*s)))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = cmdb_yaml_parse_marked(
		     &doc, &marks, item_spec_yaml, sizeof(item_spec_yaml) - 1, "<item>")) < 0 ||
		(error = cmdb__spec_compile(&s->item, doc, marks, "", "<item>")) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	json_decref(doc);
	json_decref(marks);
	cmdb_schema_free(s);
	return error;
}

static int type_cmp(const void *a, const void *b)
{
	return strcmp(((const cmdb__type_schema *)a)->type, ((const cmdb__type_schema *)b)->type);
}

static int relation_cmp(const void *a, const void *b)
{
	return strcmp(((const cmdb__relation *)a)->name, ((const cmdb__relation *)b)->name);
}

const cmdb__type_schema *cmdb__schema_type(const cmdb_schema *schema, const char *type)
{
	cmdb__type_schema key = {(char *)type, 0, NULL, NULL};

	if (!schema->ntypes)
		return NULL;
	return bsearch(&key, schema->types, schema->ntypes, sizeof(key), type_cmp);
}

const cmdb__relation *cmdb__schema_relation(const cmdb_schema *schema, const char *name)
{
	cmdb__relation key = {(char *)name, 0, 0, NULL, NULL};

	if (!schema->nrelations)
		return NULL;
	return bsearch(&key, schema->relations, schema->nrelations, sizeof(key), relation_cmp);
}

int cmdb__relation_allows(const cmdb_schema *schema, const json_t *list, const char *type)
{
	const cmdb__type_schema *ts = cmdb__schema_type(schema, type);
	size_t i;
	json_t *e;

	if (!list)
		return 1;
	json_array_foreach(list, i, e)
	{
		const char *w = json_string_value(e);

		if (strcmp(w, type) == 0 || (ts && strcmp(w, ts->is_record ? "record" : "ci") == 0))
			return 1;
	}
	return 0;
}

/* Check a sources/targets list: strings naming types or groups of types. */
static int check_type_list(json_t **out, const json_t *v, const json_t *marks, const char *ptr,
	const char *origin, const char *what)
{
	size_t i;
	json_t *e;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return at(marks, ptr, origin, "'%s' must be a non-empty list of types", what);
	json_array_foreach(
		v, i, e) if (!json_is_string(e) || !is_ident(json_string_value(e))) return at(marks,
		ptr, origin, "'%s' must list type names", what);
	*out = json_incref((json_t *)v);
	return 0;
}

/* impact: target|source|members|none, or the older impacts: true|false (true = target). */
static int impact_of(cmdb__relation *r, const json_t *def, const json_t *marks, const char *ptr,
	const char *origin, const char *name)
{
	static const char *const words[] = {"none", "target", "source", "members"};
	const json_t *dir = json_object_get(def, "impact"), *old = json_object_get(def, "impacts");
	char sub[600];

	if (dir && old)
		return at(marks, ptr, origin,
			"relation '%s': give 'impact' or the older 'impacts', "
			"not both",
			name);
	if (old) {
		if (!json_is_boolean(old))
			return at(marks, ptr, origin, "relation '%s' needs 'impacts: true|false'",
				name);
		r->impact = json_is_true(old) ? CMDB_IMPACT_TARGET : CMDB_IMPACT_NONE;
	} else {
		snprintf(sub, sizeof(sub), "%s/impact", ptr);
		r->impact = -1;
		for (int i = 0; i < 4 && json_is_string(dir); i++)
			if (!strcmp(json_string_value(dir), words[i]))
				r->impact = i;
		if (r->impact < 0)
			return at(marks, dir ? sub : ptr, origin,
				"relation '%s' needs 'impact: target|source|members|none' (which "
				"end's failure hits the other)",
				name);
	}
	r->impacts = r->impact != CMDB_IMPACT_NONE;
	return 0;
}

static int load_relation(cmdb__relation *r, const char *name, const json_t *def,
	const json_t *marks, const char *ptr, const char *origin)
{
	char sub[600];
	const char *key;
	json_t *val;
	int error;

	if (!is_ident(name))
		return at(
			marks, ptr, origin, "relation name '%s' must match [a-z][a-z0-9_]*", name);
	if (!json_is_object(def))
		return at(marks, ptr, origin, "relation '%s' must be a map", name);
	json_object_foreach((json_t *)def, key, val)
	{
		snprintf(sub, sizeof(sub), "%s/%s", ptr, key);
		if (strcmp(key, "description") && strcmp(key, "impacts") && strcmp(key, "impact") &&
			strcmp(key, "sources") && strcmp(key, "targets"))
			return at(marks, sub, origin, "unknown relation keyword '%s'", key);
	}
	if ((error = impact_of(r, def, marks, ptr, origin, name)) < 0)
		return error;
	snprintf(sub, sizeof(sub), "%s/sources", ptr);
	if ((error = check_type_list(&r->sources, json_object_get(def, "sources"), marks, sub,
		     origin, "sources")) < 0)
		return error;
	snprintf(sub, sizeof(sub), "%s/targets", ptr);
	return check_type_list(
		&r->targets, json_object_get(def, "targets"), marks, sub, origin, "targets");
}

static int load_relations(
	cmdb_schema *s, const json_t *doc, const json_t *marks, const char *origin)
{
	json_t *rels = json_object_get(doc, "relations"), *val;
	cmdb__relation *arr = NULL;
	size_t n = 0;
	const char *key;
	char *orig = NULL;
	int error = 0;

	json_object_foreach((json_t *)doc, key,
		val) if (strcmp(key, "relations") && strcmp(key, "description")) return at(marks,
		"", origin, "unknown key '%s' (expected relations)", key);
	if (!json_is_object(rels))
		return at(marks, "", origin, "expected 'relations:' with a map of relation types");
	if (!(arr = cmdb__calloc(json_object_size(rels), sizeof(*arr))) ||
		!(orig = cmdb__strdup(origin))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_object_foreach(rels, key, val)
	{
		char ptr[300];

		if (strlen(key) > 64 || !(arr[n].name = cmdb__strdup(key))) {
			error = strlen(key) > 64
				? at(marks, "/relations", origin, "relation name too long")
				: cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		n++;
		snprintf(ptr, sizeof(ptr), "/relations/%s", key);
		if ((error = load_relation(&arr[n - 1], key, val, marks, ptr, origin)) < 0)
			goto done;
	}
	qsort(arr, n, sizeof(*arr), relation_cmp);
	relations_dispose(s->relations, s->nrelations);
	cmdb_free(s->relations_origin);
	s->relations = arr;
	s->nrelations = n;
	s->relations_origin = orig;
	arr = NULL;
	n = 0;
	orig = NULL;
done:
	relations_dispose(arr, n);
	cmdb_free(orig);
	return error;
}

static int load_type(cmdb_schema *s, const char *base, const json_t *doc, const json_t *marks,
	const char *origin)
{
	cmdb__type_schema t = {NULL, 0, NULL, NULL};
	json_t *type = json_object_get(doc, "type"), *kind = json_object_get(doc, "kind"), *val;
	json_t *attrs = json_object_get(doc, "attributes");
	const cmdb__type_schema *old;
	const char *key;
	int error = 0;

	json_object_foreach((json_t *)doc, key, val)
	{
		char ptr[80];

		snprintf(ptr, sizeof(ptr), "/%.60s", key);
		if (strcmp(key, "type") && strcmp(key, "kind") && strcmp(key, "description") &&
			strcmp(key, "attributes"))
			return at(marks, ptr, origin,
				"unknown key '%s' (expected type, kind, description, attributes)",
				key);
	}
	if (!json_is_string(type) || !is_ident(json_string_value(type)) ||
		is_reserved_type(json_string_value(type)))
		return at(marks, json_is_string(type) ? "/type" : "", origin,
			"'type' must name the item type ([a-z][a-z0-9_]*, not ci, record or any)");
	if (strcmp(json_string_value(type), base) != 0)
		return at(marks, "/type", origin,
			"type '%s' does not match the file name '%s.yaml'", json_string_value(type),
			base);
	if (kind &&
		(!json_is_string(kind) ||
			(strcmp(json_string_value(kind), "ci") &&
				strcmp(json_string_value(kind), "record"))))
		return at(marks, "/kind", origin, "'kind' must be ci or record");
	if (attrs &&
		(error = cmdb__spec_compile(&t.attributes, attrs, marks, "/attributes", origin)) <
			0)
		return error;
	if (t.attributes && t.attributes->type != CMDB__T_MAP) {
		error = at(
			marks, "/attributes", origin, "'attributes' must be a spec of type: map");
		goto done;
	}
	t.is_record = kind && strcmp(json_string_value(kind), "record") == 0;
	if (!(t.type = cmdb__strdup(base)) || !(t.origin = cmdb__strdup(origin))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((old = cmdb__schema_type(s, base))) {
		cmdb__type_schema *slot = &s->types[old - s->types];

		type_dispose(slot);
		*slot = t;
	} else {
		cmdb__type_schema *grown =
			cmdb__realloc(s->types, (s->ntypes + 1) * sizeof(*grown));

		if (!grown) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		s->types = grown;
		s->types[s->ntypes++] = t;
		qsort(s->types, s->ntypes, sizeof(*s->types), type_cmp);
	}
	return 0;
done:
	type_dispose(&t);
	return error;
}

int cmdb_schema_add(cmdb_schema *schema, const char *name, const char *buf, size_t len)
{
	const char *slash = strrchr(name, '/'), *file = slash ? slash + 1 : name;
	size_t flen = strlen(file);
	json_t *doc = NULL, *marks = NULL;
	char *base = NULL;
	int error;

	if (flen <= 5 || strcmp(file + flen - 5, ".yaml") != 0)
		return cmdb__error(
			CMDB_EINVALID, "%s: a schema file must be named <type>.yaml", name);
	if (!(base = cmdb__strndup(file, flen - 5)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((error = cmdb_yaml_parse_marked(&doc, &marks, buf, len, name)) < 0)
		goto done;
	if (!json_is_object(doc)) {
		error = at(marks, "", name, "a schema file must be a map");
		goto done;
	}
	if (strcmp(base, "relations") == 0)
		error = load_relations(schema, doc, marks, name);
	else
		error = load_type(schema, base, doc, marks, name);
done:
	cmdb_free(base);
	json_decref(doc);
	json_decref(marks);
	return error;
}

int cmdb_schema_check(const cmdb_schema *schema)
{
	for (size_t i = 0; i < schema->nrelations; i++) {
		const cmdb__relation *r = &schema->relations[i];
		const json_t *lists[2] = {r->sources, r->targets};

		for (int l = 0; l < 2; l++) {
			size_t j;
			json_t *e;

			json_array_foreach(lists[l], j, e)
			{
				const char *t = json_string_value(e);

				if (strcmp(t, "ci") && strcmp(t, "record") &&
					!cmdb__schema_type(schema, t))
					return cmdb__error(CMDB_EINVALID,
						"%s: relation '%s' names type '%s' in %s, which "
						"has no schema",
						schema->relations_origin, r->name, t,
						l ? "targets" : "sources");
			}
		}
	}
	return 0;
}

int cmdb_schema_load_builtin(cmdb_schema **out)
{
	cmdb_schema *s = NULL;
	int error;

	*out = NULL;
	if ((error = cmdb_schema_new(&s)) < 0)
		return error;
	for (const cmdb__asset *a = cmdb__assets; a->name; a++) {
		if (strncmp(a->name, "schemas/", 8) != 0)
			continue;
		if ((error = cmdb_schema_add(s, a->name, (const char *)a->data, *a->len)) < 0)
			goto done;
	}
	if ((error = cmdb_schema_check(s)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	cmdb_schema_free(s);
	return error;
}

/* Read a whole schema file (capped like any YAML input) and add it. */
static int add_file(cmdb_schema *s, const char *dir, const char *file)
{
	char *path = cmdb__sprintf("%s/%s", dir, file), *buf = NULL;
	size_t len = 0;
	int error;

	if (!path)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((error = cmdb__file_read(&buf, &len, path, CMDB_YAML_MAX_BYTES, 0)) == 0)
		error = cmdb_schema_add(s, path, buf, len);
	free(buf);
	free(path);
	return error;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmdb_schema_load_dir(cmdb_schema **out, const char *dir)
{
	cmdb_schema *s = NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	DIR *d = NULL;
	struct dirent *e;
	int error;

	*out = NULL;
	if (!(d = opendir(dir)))
		return cmdb__error(CMDB_ENOTFOUND, "%s: cannot open schema directory", dir);
	if ((error = cmdb_schema_new(&s)) < 0)
		goto done;
	/* Sorted, so a broken set always reports the same first problem. */
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == alloc) {
			char **grown = cmdb__realloc(
				names, (alloc = alloc ? alloc * 2 : 16) * sizeof(*names));

			if (!grown) {
				error = cmdb__error(CMDB_ERROR, "out of memory");
				goto done;
			}
			names = grown;
		}
		if (!(names[n] = cmdb__strdup(e->d_name))) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++)
		if ((error = add_file(s, dir, names[i])) < 0)
			goto done;
	if ((error = cmdb_schema_check(s)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	for (size_t i = 0; i < n; i++)
		cmdb_free(names[i]);
	cmdb_free(names);
	closedir(d);
	cmdb_schema_free(s);
	return error;
}

int cmdb_schema_has_type(const cmdb_schema *schema, const char *type)
{
	return schema && type && cmdb__schema_type(schema, type) != NULL;
}

int cmdb_schema_type_is_record(const cmdb_schema *schema, const char *type)
{
	const cmdb__type_schema *t = schema && type ? cmdb__schema_type(schema, type) : NULL;

	return t && t->is_record;
}

int cmdb_schema_relation(const cmdb_schema *schema, const char *relation, int *impacts)
{
	const cmdb__relation *r = relation ? cmdb__schema_relation(schema, relation) : NULL;

	if (!r)
		return cmdb__error(
			CMDB_ENOTFOUND, "unknown relation type '%s'", relation ? relation : "");
	if (impacts)
		*impacts = r->impacts;
	return 0;
}

int cmdb_schema_relation_impact(
	const cmdb_schema *schema, const char *relation, cmdb_impact_dir *dir)
{
	const cmdb__relation *r = relation ? cmdb__schema_relation(schema, relation) : NULL;

	if (!r)
		return cmdb__error(
			CMDB_ENOTFOUND, "unknown relation type '%s'", relation ? relation : "");
	if (dir)
		*dir = (cmdb_impact_dir)r->impact;
	return 0;
}

static int names_array(json_t **out, size_t n, const char *(*get)(const cmdb_schema *, size_t),
	const cmdb_schema *schema)
{
	json_t *arr = json_array();

	*out = NULL;
	if (!arr)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_string(get(schema, i))) < 0) {
			json_decref(arr);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
	}
	*out = arr;
	return 0;
}

static const char *relation_at(const cmdb_schema *s, size_t i)
{
	return s->relations[i].name;
}

static const char *type_at(const cmdb_schema *s, size_t i)
{
	return s->types[i].type;
}

int cmdb_schema_relation_types(json_t **out, const cmdb_schema *schema)
{
	return names_array(out, schema->nrelations, relation_at, schema);
}

int cmdb_schema_types(json_t **out, const cmdb_schema *schema)
{
	return names_array(out, schema->ntypes, type_at, schema);
}
