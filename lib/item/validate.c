/*
 * The validator: checks item files against a schema set and reports every
 * problem as a finding with file:line:column (see docs/schemas.md). Bad input
 * never makes a function fail; only running out of memory does.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/id.h"
#include "gitcmdb/schema.h"
#include "gitcmdb/yaml.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/time.h"
#include "item/schema_int.h"

/* Node paths can't outgrow the (capped) input even when every byte is escaped. */
#define PTR_CAP (3 * (size_t)CMDB_YAML_MAX_BYTES)

struct cmdb_validator {
	const cmdb_schema *schema;
	json_t *findings; /* finding objects, unsorted until finish */
	json_t *known; /* id -> type of every item added or known */
	json_t *edges; /* [file, line, column, id, "relations.X", target] to check at finish */
};

/* One item being checked: where we are in it, for marks and messages. */
typedef struct {
	cmdb_validator *v;
	const char *file;
	const char *id; /* NULL when the path is not an item path */
	const json_t *marks;
	cmdb_buf ptr; /* JSON pointer of the current node */
	cmdb_buf disp; /* the same, for humans: attributes.os.version, relations.x[2] */
	int error; /* first internal failure (out of memory) */
} walk;

int cmdb_validator_new(cmdb_validator **out, const cmdb_schema *schema)
{
	cmdb_validator *v;

	*out = NULL;
	if (!(v = cmdb__calloc(1, sizeof(*v))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	v->schema = schema;
	if (!(v->findings = json_array()) || !(v->known = json_object()) ||
		!(v->edges = json_array())) {
		cmdb_validator_free(v);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	*out = v;
	return 0;
}

void cmdb_validator_free(cmdb_validator *v)
{
	if (!v)
		return;
	json_decref(v->findings);
	json_decref(v->known);
	json_decref(v->edges);
	cmdb_free(v);
}

static int add_finding(
	cmdb_validator *v, const char *file, int line, int col, const char *id, const char *msg)
{
	json_t *f = json_pack("{s:s, s:i, s:i, s:o, s:s}", "file", file, "line", line, "column",
		col, "id", id ? json_string(id) : json_null(), "message", msg);

	if (!f || json_array_append_new(v->findings, f) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* A finding at the current node (or at ptr when given); the message is prefixed with its path. */
static void report(walk *w, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(walk *w, const char *ptr, const char *fmt, ...)
{
	json_t *m = json_object_get(w->marks, ptr ? ptr : (w->ptr.ptr ? w->ptr.ptr : ""));
	char msg[1200], body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (w->disp.len)
		snprintf(msg, sizeof(msg), "%s: %s", w->disp.ptr, body);
	else
		snprintf(msg, sizeof(msg), "%s", body);
	if (!w->error)
		w->error = add_finding(w->v, w->file, (int)json_integer_value(json_array_get(m, 0)),
			(int)json_integer_value(json_array_get(m, 1)), w->id, msg);
}

/* Enter a child node: key (map) or index (list, key == NULL). Returns the lengths to restore. */
static void enter(walk *w, const char *key, size_t index, size_t saved[2])
{
	saved[0] = w->ptr.len;
	saved[1] = w->disp.len;
	if (w->error)
		return;
	if (cmdb__buf_puts(&w->ptr, "/") < 0)
		goto oom;
	if (key) {
		for (const char *k = key; *k;) {
			size_t run = strcspn(k, "~/"); /* copied as it is */

			if ((run && cmdb__buf_put(&w->ptr, k, run) < 0) ||
				(k[run] &&
					cmdb__buf_puts(&w->ptr, k[run] == '~' ? "~0" : "~1") < 0))
				goto oom;
			k += run + (k[run] != '\0');
		}
		if ((w->disp.len && cmdb__buf_puts(&w->disp, ".") < 0) ||
			cmdb__buf_puts(&w->disp, key) < 0)
			goto oom;
	} else if (cmdb__buf_printf(&w->ptr, "%zu", index) < 0 ||
		cmdb__buf_printf(&w->disp, "[%zu]", index) < 0) {
		goto oom;
	}
	return;
oom:
	w->error = cmdb__error(CMDB_ERROR, "out of memory");
}

static void leave(walk *w, const size_t saved[2])
{
	w->ptr.len = saved[0];
	w->disp.len = saved[1];
	if (w->ptr.ptr)
		w->ptr.ptr[saved[0]] = '\0';
	if (w->disp.ptr)
		w->disp.ptr[saved[1]] = '\0';
}

static const char *kind_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "map";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null";
	}
}

static int type_matches(cmdb__spec_type t, const json_t *v)
{
	switch (t) {
	case CMDB__T_STRING: return json_is_string(v);
	case CMDB__T_INT: return json_is_integer(v);
	case CMDB__T_NUMBER: return json_is_number(v);
	case CMDB__T_BOOL: return json_is_boolean(v);
	case CMDB__T_MAP: return json_is_object(v);
	case CMDB__T_LIST: return json_is_array(v);
	case CMDB__T_SCALAR: return !json_is_object(v) && !json_is_array(v);
	default: return 1;
	}
}

/* A short printable rendering of a scalar for messages (quotes, escapes, truncation). */
static const char *show(char *dst, size_t n, const json_t *v)
{
	char tmp[128];
	size_t o = 0;
	const char *s;

	if (!json_is_string(v)) {
		char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(dst, n, "%.100s", d ? d : "?");
		free(d);
		return dst;
	}
	s = json_string_value(v);
	for (size_t i = 0; s[i] && o + 5 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 80) {
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			tmp[o++] = (char)c;
		else
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "\\x%02X", c);
	}
	tmp[o < sizeof(tmp) ? o : sizeof(tmp) - 1] = '\0';
	snprintf(dst, n, "'%s'", tmp);
	return dst;
}

static void check_value(walk *w, const cmdb__spec *spec, const json_t *value);

static void check_enum(walk *w, const cmdb__spec *spec, const json_t *value)
{
	char shown[160], list[600];
	size_t i, o = 0;
	json_t *e;

	json_array_foreach(spec->enumv, i, e) if (json_equal(e, (json_t *)value)) return;
	list[0] = '\0';
	json_array_foreach(spec->enumv, i, e)
	{
		char one[160];

		show(one, sizeof(one), e);
		if (json_is_string(e)) /* list plain words without quotes */
			snprintf(one, sizeof(one), "%s", json_string_value(e));
		o += (size_t)snprintf(list + o, o < sizeof(list) ? sizeof(list) - o : 0, "%s%s",
			i ? ", " : "", one);
		if (o >= sizeof(list))
			break;
	}
	report(w, NULL, "%s is not one of: %s", show(shown, sizeof(shown), value), list);
}

static void check_bounds(walk *w, const cmdb__spec *spec, const json_t *value)
{
	const char *unit = "";
	double x;

	if (json_is_number(value)) {
		x = json_number_value(value);
	} else if (json_is_string(value)) {
		x = (double)strlen(json_string_value(value));
		unit = " bytes long";
	} else if (json_is_array(value) || json_is_object(value)) {
		x = (double)(json_is_array(value) ? json_array_size(value)
						  : json_object_size(value));
		unit = " entries";
	} else {
		return;
	}
	if (spec->has_min && x < spec->min)
		report(w, NULL, "must be at least %g%s (is %g)", spec->min, unit, x);
	if (spec->has_max && x > spec->max)
		report(w, NULL, "must be at most %g%s (is %g)", spec->max, unit, x);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void report_unknown(walk *w, const cmdb__spec *spec)
{
	char list[400];
	size_t o = 0;

	list[0] = '\0';
	for (size_t f = 0; f < spec->nfields && o < sizeof(list); f++)
		o += (size_t)snprintf(
			list + o, sizeof(list) - o, "%s%s", f ? ", " : "", spec->fields[f].name);
	if (spec->nfields)
		report(w, NULL, "unknown field (expected one of: %s)", list);
	else
		report(w, NULL, "unknown field (this map takes no fields)");
}

/* A field whose value (a string) appears in its `requires` needs the listed siblings. */
static void check_requires(walk *w, const cmdb__field *field, const json_t *map)
{
	const char *value = json_string_value(json_object_get(map, field->name));
	json_t *needs = value && field->spec->requires
		? json_object_get(field->spec->requires, value)
		: NULL;
	size_t i, saved[2];
	json_t *e;

	if (!needs)
		return;
	enter(w, field->name, 0, saved);
	json_array_foreach(needs, i, e) if (!json_object_get(map, json_string_value(e)))
		report(w, NULL, "'%s' requires the field '%s'", value, json_string_value(e));
	leave(w, saved);
}

/*
 * after / not_before: both times parse as ISO 8601 (a malformed one is the pattern's
 * finding), and this one must be later than (or, not_before, at least) the sibling's.
 */
static void check_after(walk *w, const cmdb__field *field, const json_t *map)
{
	const char *v = json_string_value(json_object_get(map, field->name));
	const char *o = field->spec->after
		? json_string_value(json_object_get(map, field->spec->after))
		: NULL;
	long long tv = 0, to = 0;
	size_t saved[2];

	/* only ISO dates (they start with the year); anything else is the pattern's finding */
	if (!v || !o || !isdigit((unsigned char)v[0]) || !isdigit((unsigned char)o[0]) ||
		cmdb__time_parse(&tv, v, 0) != 0 || cmdb__time_parse(&to, o, 0) != 0) {
		cmdb_error_clear();
		return;
	}
	if (field->spec->after_strict ? tv > to : tv >= to)
		return;
	enter(w, field->name, 0, saved);
	report(w, NULL, "'%s' is %s %s '%s'", v, field->spec->after_strict ? "not after" : "before",
		field->spec->after, o);
	leave(w, saved);
}

static void check_map(walk *w, const cmdb__spec *spec, const json_t *map)
{
	size_t n = json_object_size(map), i = 0, saved[2];
	const char **keys = NULL, *key;
	json_t *val;

	for (size_t f = 0; f < spec->nfields; f++)
		if (spec->fields[f].spec->required && !json_object_get(map, spec->fields[f].name))
			report(w, NULL, "missing required field '%s'", spec->fields[f].name);
	for (size_t f = 0; f < spec->nfields; f++) {
		check_requires(w, &spec->fields[f], map);
		check_after(w, &spec->fields[f], map);
	}
	if (n == 0)
		return;
	if (!(keys = cmdb__calloc(n, sizeof(*keys)))) {
		w->error = cmdb__error(CMDB_ERROR, "out of memory");
		return;
	}
	json_object_foreach((json_t *)map, key, val) keys[i++] = key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n && !w->error; i++) {
		const cmdb__spec *fs = cmdb__spec_field(spec, keys[i]);

		enter(w, keys[i], 0, saved);
		if (!fs)
			fs = spec->values;
		if (fs)
			check_value(w, fs, json_object_get(map, keys[i]));
		else if (!spec->additional)
			report_unknown(w, spec);
		leave(w, saved);
	}
	cmdb_free(keys);
}

static void check_value(walk *w, const cmdb__spec *spec, const json_t *value)
{
	size_t saved[2], i;
	json_t *e;
	char shown[160];

	if (!type_matches(spec->type, value)) {
		report(w, NULL, "expected %s, got %s", cmdb__spec_type_name(spec->type),
			kind_of(value));
		return;
	}
	if (spec->enumv)
		check_enum(w, spec, value);
	/* Defensive (the YAML reader refuses NUL): a NUL would hide the rest from regexec. */
	if (spec->pattern &&
		(strlen(json_string_value(value)) != json_string_length(value) ||
			regexec(&spec->re, json_string_value(value), 0, NULL, 0) != 0))
		report(w, NULL, "%s does not match the pattern %s",
			show(shown, sizeof(shown), value), spec->pattern);
	if (spec->has_min || spec->has_max)
		check_bounds(w, spec, value);
	if (json_is_object(value) && spec->type == CMDB__T_MAP) {
		check_map(w, spec, value);
	} else if (json_is_array(value) && spec->values) {
		json_array_foreach(value, i, e)
		{
			enter(w, NULL, i, saved);
			check_value(w, spec->values, e);
			leave(w, saved);
			if (w->error)
				return;
		}
	}
}

/* Remember a relation target to check for existence in cmdb_validator_finish. */
static int queue_edge(walk *w, const char *target)
{
	json_t *m = json_object_get(w->marks, w->ptr.ptr ? w->ptr.ptr : "");
	json_t *edge = json_pack("[s, I, I, s, s, s]", w->file,
		json_integer_value(json_array_get(m, 0)), json_integer_value(json_array_get(m, 1)),
		w->id, w->disp.ptr ? w->disp.ptr : "", target);

	if (!edge || json_array_append_new(w->v->edges, edge) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* One relation list: targets are valid ids, sorted and unique, of allowed types. */
static void check_relation(walk *w, const char *item_type, const char *rel, const json_t *list)
{
	const cmdb_schema *schema = w->v->schema;
	const cmdb__relation *def = cmdb__schema_relation(schema, rel);
	const char *prev = NULL;
	size_t i, saved[2];
	json_t *e, *seen = NULL;

	if (!def) {
		report(w, NULL, "unknown relation type '%s'", rel);
		return;
	}
	if (item_type && !cmdb__relation_allows(schema, def->sources, item_type))
		report(w, NULL, "a %s item cannot have '%s' relations", item_type, rel);
	if (!json_is_array(list))
		return; /* the item spec already reported it */
	if (!(seen = json_object())) {
		w->error = cmdb__error(CMDB_ERROR, "out of memory");
		return;
	}
	json_array_foreach(list, i, e)
	{
		const char *t = json_string_value(e);
		char ttype[80];

		if (!t)
			continue;
		enter(w, NULL, i, saved);
		if (cmdb_id_validate(t) < 0) {
			report(w, NULL, "%s", cmdb_error_last());
		} else {
			snprintf(ttype, sizeof(ttype), "%.*s", (int)strcspn(t, "/"), t);
			if (!cmdb__relation_allows(schema, def->targets, ttype))
				report(w, NULL, "'%s' cannot point at a %s (%s)", rel, ttype, t);
			if (w->id && strcmp(t, w->id) == 0)
				report(w, NULL, "an item cannot relate to itself");
			if (json_object_get(seen, t))
				report(w, NULL, "duplicate target %s", t);
			else if (json_object_set_new(seen, t, json_true()) < 0)
				w->error = cmdb__error(CMDB_ERROR, "out of memory");
			else if (prev && strcmp(prev, t) > 0)
				report(w, NULL, "targets must be sorted: %s comes before %s", t,
					prev);
			if (w->id && strcmp(t, w->id) != 0)
				w->error = w->error ? w->error : queue_edge(w, t);
			prev = t;
		}
		leave(w, saved);
	}
	json_decref(seen);
}

/* A change, incident or problem lives at change/CHG-0042.yaml: its name is a record id. */
static void check_record_id(walk *w, const char *type, const char *rest)
{
	static const struct {
		const char *type;
		cmdb_record_kind kind;
	} records[] = {{"change", CMDB_RECORD_CHANGE}, {"incident", CMDB_RECORD_INCIDENT},
		{"problem", CMDB_RECORD_PROBLEM}};

	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		const char *prefix = cmdb_record_id_prefix(records[i].kind);

		if (strcmp(type, records[i].type) != 0 || *rest != '/')
			continue;
		if (!cmdb_record_id_valid(records[i].kind, rest + 1))
			report(w, "/name",
				"%s records are named by their id: %s- and at least %d digits "
				"(%s/%s-0042.yaml)",
				type, prefix, CMDB_RECORD_ID_DIGITS, type, prefix);
	}
}

/* type and name against the path; returns the type to check the rest against (or NULL). */
static const char *check_identity(walk *w, const json_t *item)
{
	const char *type = json_string_value(json_object_get(item, "type"));
	const char *name = json_string_value(json_object_get(item, "name"));
	size_t plen = w->id ? strcspn(w->id, "/") : 0;
	char *raw = NULL;
	size_t rawlen = 0;

	if (type && !cmdb_schema_has_type(w->v->schema, type)) {
		report(w, "/type", "unknown type '%.64s' (no schema for it)", type);
		type = NULL;
	} else if (type && w->id && (strlen(type) != plen || strncmp(type, w->id, plen) != 0)) {
		report(w, "/type", "type '%s' does not match the path (%s)", type, w->file);
	}
	if (name && w->id) {
		if ((w->error = cmdb_id_name(&raw, &rawlen, w->id)) < 0)
			return NULL;
		if (strlen(name) != rawlen || memcmp(name, raw, rawlen) != 0) {
			char shown[160], want[160];
			json_t *rawj = json_stringn_nocheck(raw, rawlen);

			show(shown, sizeof(shown), json_object_get(item, "name"));
			show(want, sizeof(want), rawj);
			json_decref(rawj);
			report(w, "/name", "name %s does not match the id %s (expected %s)", shown,
				w->id, want);
		}
		cmdb_free(raw);
	}
	if (type && w->id)
		check_record_id(w, type, w->id + plen);
	return type;
}

static void check_item(walk *w, const json_t *item)
{
	const char *type, *rel;
	const cmdb__type_schema *ts;
	json_t *attrs = json_object_get(item, "attributes"),
	       *rels = json_object_get(item, "relations");
	json_t *list;
	size_t saved[2];

	if (!json_is_object(item)) {
		report(w, "", "an item must be a map (type, name, attributes, ...), got %s",
			kind_of(item));
		return;
	}
	check_value(w, w->v->schema->item, item);
	type = check_identity(w, item);
	ts = type ? cmdb__schema_type(w->v->schema, type) : NULL;
	if (ts && ts->attributes && json_is_object(attrs)) {
		enter(w, "attributes", 0, saved);
		check_value(w, ts->attributes, attrs);
		leave(w, saved);
	}
	if (!json_is_object(rels))
		return;
	json_object_foreach(rels, rel, list)
	{
		enter(w, "relations", 0, saved);
		{
			size_t inner[2];

			enter(w, rel, 0, inner);
			check_relation(w, type, rel, list);
			leave(w, inner);
		}
		leave(w, saved);
		if (w->error)
			return;
	}
}

/* "name:LINE:COL: problem" from the YAML reader -> a finding at LINE:COL. */
static int yaml_finding(cmdb_validator *v, const char *file, const char *id, const char *msg)
{
	size_t flen = strlen(file);
	int line = 0, col = 0, used = 0;

	if (strncmp(msg, file, flen) == 0 && msg[flen] == ':' &&
		sscanf(msg + flen + 1, "%d:%d: %n", &line, &col, &used) == 2 && used > 0)
		msg += flen + 1 + used;
	else
		line = col = 0;
	return add_finding(v, file, line, col, id, msg);
}

/* add with the YAML text (buf) or an already parsed document (doc; findings then have no
 * line and column). */
static int add_item(
	cmdb_validator *v, const char *path, const char *buf, size_t len, const json_t *doc)
{
	walk w = {v, path, NULL, NULL, CMDB_BUF_INIT(PTR_CAP), CMDB_BUF_INIT(PTR_CAP), 0};
	json_t *item = NULL, *marks = NULL;
	char *id = NULL, msg[1200];
	int rc;

	/* A file that is not at an item path is reported once; its content means nothing. */
	if ((rc = cmdb_id_from_path(&id, path)) < 0) {
		if (rc != CMDB_EINVALID) {
			w.error = rc;
			goto done;
		}
		snprintf(msg, sizeof(msg), "not an item path: %s", cmdb_error_last());
		w.error = add_finding(v, path, 0, 0, NULL, msg);
		goto done;
	}
	w.id = id;
	if (doc) {
		item = json_incref((json_t *)doc);
	} else if ((rc = cmdb_yaml_parse_marked(&item, &marks, buf, len, path)) < 0) {
		w.error = rc == CMDB_ERROR && strstr(cmdb_error_last(), "out of memory")
			? rc
			: yaml_finding(v, path, id, cmdb_error_last());
		goto done;
	}
	w.marks = marks;
	if ((w.error = cmdb__buf_puts(&w.ptr, "")) < 0 ||
		(w.error = cmdb__buf_puts(&w.disp, "")) < 0)
		goto done;
	check_item(&w, item);
	if (!w.error && id) {
		const char *type = json_string_value(json_object_get(item, "type"));
		char ptype[80];

		snprintf(ptype, sizeof(ptype), "%.*s", (int)strcspn(id, "/"), id);
		w.error = cmdb_validator_add_known(v, id, type ? type : ptype);
	}
done:
	cmdb__buf_dispose(&w.ptr);
	cmdb__buf_dispose(&w.disp);
	json_decref(item);
	json_decref(marks);
	cmdb_free(id);
	return w.error;
}

int cmdb_validator_add(cmdb_validator *v, const char *path, const char *buf, size_t len)
{
	return add_item(v, path, buf, len, NULL);
}

int cmdb_validator_add_doc(cmdb_validator *v, const char *path, const json_t *doc)
{
	return doc ? add_item(v, path, NULL, 0, doc)
		   : cmdb__error(CMDB_EINVALID, "cmdb_validator_add_doc: no document");
}

int cmdb_validator_add_known(cmdb_validator *v, const char *id, const char *type)
{
	if (json_object_set_new(v->known, id, json_string(type ? type : "")) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

typedef struct {
	const char *file, *message;
	json_int_t line, column;
	size_t at; /* position in v->findings: ties keep it */
	json_t *f;
} finding_key;

static int finding_cmp(const void *pa, const void *pb)
{
	const finding_key *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	if ((c = strcmp(a->message, b->message)))
		return c;
	return (a->at > b->at) - (a->at < b->at);
}

int cmdb_validator_finish(cmdb_validator *v, json_t *findings)
{
	size_t i, n;
	json_t *e;
	finding_key *sorted = NULL;
	int error = 0;

	json_array_foreach(v->edges, i, e)
	{
		const char *target = json_string_value(json_array_get(e, 5));
		char msg[1200];

		if (json_object_get(v->known, target))
			continue;
		snprintf(msg, sizeof(msg), "%s: relation to missing item %s",
			json_string_value(json_array_get(e, 4)), target);
		if ((error = add_finding(v, json_string_value(json_array_get(e, 0)),
			     (int)json_integer_value(json_array_get(e, 1)),
			     (int)json_integer_value(json_array_get(e, 2)),
			     json_string_value(json_array_get(e, 3)), msg)) < 0)
			goto done;
	}
	json_array_clear(v->edges);
	n = json_array_size(v->findings);
	if (!(sorted = cmdb__calloc(n ? n : 1, sizeof(*sorted)))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(v->findings, i, e) sorted[i] =
		(finding_key){json_string_value(json_object_get(e, "file")),
			json_string_value(json_object_get(e, "message")),
			json_integer_value(json_object_get(e, "line")),
			json_integer_value(json_object_get(e, "column")), i, e};
	qsort(sorted, n, sizeof(*sorted), finding_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append(findings, sorted[i].f) < 0) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	json_array_clear(v->findings);
done:
	cmdb_free(sorted);
	return error;
}
