/*
 * One import run: read the file, map each row, resolve its names, put it into one
 * record batch on main's tip, and commit the batch once (docs/import.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "import/import_int.h"

#define ATTEMPTS 3 /* main moved under the run: plan it again on the new tip */
#define LISTED 20 /* records named in the commit message per section */

typedef struct {
	const cmdb_import_opts *o;
	const char *file;
	cmdb_repo *repo;
	cmdb_record_batch *batch;
	cmdb__import_cis *cis;
	json_t *refs; /* external_ref → our id, records of kind */
	json_t *changes, *incidents; /* the same for caused_by / incidents */
	json_t *problems; /* the same, and each problem's id → itself, for problem_id */
	json_t *seen; /* external_ref → row, in this file */
	json_t *res; /* the result */
} run;

static const char *const kinds[] = {"changes", "incidents", "problems"};

static int skip(run *r, const json_t *row, const char *ref, const char *field, const char *msg)
{
	json_int_t n = json_integer_value(json_object_get(row, "row"));
	json_int_t line = json_integer_value(json_object_get(row, "line"));
	char where[120];
	char *full;
	json_t *e;

	if (line)
		snprintf(where, sizeof(where), "row %lld (line %lld)", (long long)n,
			(long long)line);
	else
		snprintf(where, sizeof(where), "row %lld", (long long)n);
	full = field ? cmdb__sprintf("%s: %s, column %s: %s", r->file, where, field, msg)
		     : cmdb__sprintf("%s: %s: %s", r->file, where, msg);
	e = json_pack("{s:I, s:I, s:s?, s:s?, s:s}", "row", n, "line", line, "external_ref", ref,
		"field", field, "message", full ? full : msg);
	cmdb_free(full);
	if (!e || json_array_append_new(json_object_get(r->res, "skipped"), e) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* external_ref → id of the records of kind at main, and each id → itself. */
static int refs_of(json_t **out, cmdb_repo *repo, cmdb_record_kind kind)
{
	json_t *list = NULL, *e;
	size_t i;
	int rc;

	if (!(*out = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb_records_list(&list, repo, kind, NULL)) < 0)
		return rc;
	json_array_foreach(list, i, e)
	{
		const char *ref = json_string_value(json_object_get(e, "external_ref"));

		if (ref && !json_object_get(*out, ref))
			json_object_set(*out, ref, json_object_get(e, "id"));
	}
	json_array_foreach(list, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));

		if (id && json_object_set(*out, id, json_object_get(e, "id")) < 0) {
			json_decref(list);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
	}
	json_decref(list);
	return 0;
}

/* Resolve the names of mapped[key] into rels[rel]; 1 when one failed (skipped). */
static int resolve(run *r, const json_t *row, const char *ref, json_t *mapped, const char *key,
	const char *rel, const char *field, json_t *records, json_t *rels)
{
	json_t *names = json_object_get(mapped, key), *ids = json_array(), *e;
	int failed = 0, rc = 0;
	size_t i;

	if (!ids || json_object_set_new(rels, rel, ids) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_array_foreach(names, i, e)
	{
		const char *name = json_string_value(e), *rec;
		char *id = NULL;
		cmdb_record_kind k;

		rec = records ? json_string_value(json_object_get(records, name)) : NULL;
		if (!rec && records && cmdb_record_id_parse(&k, name) == 0)
			rec = name;
		cmdb_error_clear();
		if (rec)
			rc = json_array_append_new(ids, json_string(rec)) < 0 ? CMDB_ERROR : 0;
		else if (!strcmp(rel, "resolved_by")) { /* a fixing change is never a CI */
			rc = cmdb__error(CMDB_ENOTFOUND,
				"no change numbered '%s' (nor with that id) on main: import "
				"changes first",
				name);
			rc = skip(r, row, ref, field, cmdb_error_last());
			failed = 1;
		} else if ((rc = cmdb__import_ci_resolve(&id, r->cis, name)) == 0)
			rc = json_array_append_new(ids, json_string(id)) < 0 ? CMDB_ERROR : 0;
		else if (rc == CMDB_ENOTFOUND || rc == CMDB_EINVALID) {
			rc = skip(r, row, ref, field, cmdb_error_last());
			failed = 1;
		}
		cmdb_free(id);
		if (rc < 0)
			return rc;
	}
	return failed;
}

static const char *column_of(const run *r, const char *what)
{
	int sn = r->o->from == CMDB_IMPORT_SERVICENOW;

	if (!strcmp(what, "ref"))
		return sn ? "number" : "external_ref";
	if (!strcmp(what, "cis"))
		return sn ? "cmdb_ci" : "affects";
	if (!strcmp(what, "problem"))
		return sn ? "problem_id" : "problem";
	if (!strcmp(what, "resolved_by"))
		return sn ? "rfc" : "resolved_by";
	return what;
}

static int add_done(run *r, const char *section, const json_t *row, const char *id, const char *ref)
{
	json_t *e = json_pack("{s:O, s:s, s:s}", "row", json_object_get(row, "row"), "id", id,
		"external_ref", ref);

	if (!e || json_array_append_new(json_object_get(r->res, section), e) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* The problems mapped names (number or id) into *ids; 1 when one is unknown (skipped). */
static int problems_of(json_t **ids, run *r, const json_t *row, const char *ref, json_t *mapped)
{
	json_t *e;
	size_t i;
	int failed = 0, rc;
	char msg[200];

	if (!(*ids = json_array()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_array_foreach(json_object_get(mapped, "problem"), i, e)
	{
		const json_t *id = json_object_get(r->problems, json_string_value(e));

		if (id) {
			if (json_array_append(*ids, (json_t *)id) < 0)
				return cmdb__error(CMDB_ERROR, "out of memory");
			continue;
		}
		snprintf(msg, sizeof(msg),
			"no problem numbered '%s' (nor with that id) on main: import problems "
			"first",
			json_string_value(e));
		if ((rc = skip(r, row, ref, column_of(r, "problem"), msg)) < 0)
			return rc;
		failed = 1;
	}
	return failed;
}

/* List incident id in its problems (the incident is in the batch already). */
static int link_problems(run *r, const json_t *row, const char *ref, const char *id, json_t *pids)
{
	json_t *e, *l;
	size_t i;
	int rc = 0;

	json_array_foreach(pids, i, e)
	{
		rc = cmdb_record_batch_link(
			r->batch, CMDB_RECORD_PROBLEM, json_string_value(e), "incidents", id);
		if (rc == CMDB_EINVALID || rc == CMDB_ENOTFOUND) {
			char *msg = cmdb__sprintf("%s: incident %s is imported without this link",
				cmdb_error_last(), id);

			cmdb_error_clear();
			rc = skip(
				r, row, ref, column_of(r, "problem"), msg ? msg : "out of memory");
			cmdb_free(msg);
		} else if (rc == 0) {
			l = json_pack("{s:O, s:O, s:s}", "row", json_object_get(row, "row"),
				"problem", e, "incident", id);
			if (!l || json_array_append_new(json_object_get(r->res, "linked"), l) < 0)
				rc = cmdb__error(CMDB_ERROR, "out of memory");
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Put the record of mapped row into the batch (or skip it, said). */
static int put(run *r, const json_t *row, json_t *mapped)
{
	const char *ref = json_string_value(json_object_get(mapped, "external_ref"));
	const char *id = ref ? json_string_value(json_object_get(r->refs, ref)) : NULL;
	json_t *rels = json_object(), *attrs = json_object_get(mapped, "attributes"), *pids = NULL;
	char *out_id = NULL;
	int rc = 0, failed = 0;

	if (!rels)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = problems_of(&pids, r, row, ref, mapped)) != 0)
		failed |= rc > 0;
	if (rc >= 0 && json_object_get(mapped, "cis") &&
		(rc = resolve(r, row, ref, mapped, "cis", "affects", column_of(r, "cis"), NULL,
			 rels)) != 0)
		failed |= rc > 0;
	if (rc >= 0 && json_object_get(mapped, "caused_by") &&
		(rc = resolve(r, row, ref, mapped, "caused_by", "caused_by", "caused_by",
			 r->changes, rels)) != 0)
		failed |= rc > 0;
	if (rc >= 0 && json_object_get(mapped, "resolved_by") &&
		(rc = resolve(r, row, ref, mapped, "resolved_by", "resolved_by",
			 column_of(r, "resolved_by"), r->changes, rels)) != 0)
		failed |= rc > 0;
	if (rc >= 0 && json_object_get(mapped, "incidents") &&
		(rc = resolve(r, row, ref, mapped, "incidents", "incidents", "incidents",
			 r->incidents, rels)) != 0)
		failed |= rc > 0;
	if (rc < 0 || failed)
		goto done;
	rc = cmdb_record_batch_put(&out_id, r->batch, id, attrs, rels, "import");
	if (rc == CMDB_EINVALID || rc == CMDB_ENOTFOUND) {
		rc = skip(r, row, ref, NULL, cmdb_error_last());
		cmdb_error_clear();
	} else if (rc >= 0) {
		rc = add_done(r,
			rc == 1      ? "unchanged"
				: id ? "updated"
				     : "created",
			row, out_id, ref);
		if (rc >= 0)
			rc = link_problems(r, row, ref, out_id, pids);
	}
done:
	cmdb_free(out_id);
	json_decref(pids);
	json_decref(rels);
	return rc < 0 ? rc : 0;
}

static int one_row(run *r, const json_t *row)
{
	const json_t *fields = json_object_get(row, "fields");
	json_t *mapped = NULL, *e, *prev;
	const char *ref;
	size_t i;
	int rc;

	if (!fields)
		return skip(r, row, NULL, NULL, json_string_value(json_object_get(row, "error")));
	if ((rc = cmdb__import_map(&mapped, fields, r->o->kind, r->o->from, r->o->timezone)) < 0)
		return rc;
	ref = json_string_value(json_object_get(mapped, "external_ref"));
	if (json_array_size(json_object_get(mapped, "errors"))) {
		json_array_foreach(json_object_get(mapped, "errors"), i,
			e) if ((rc = skip(r, row, ref,
					json_string_value(json_object_get(e, "field")),
					json_string_value(json_object_get(e, "message")))) <
			0) break;
	} else if (!ref) {
		rc = skip(r, row, NULL, column_of(r, "ref"),
			"missing: every record needs its number");
	} else if ((prev = json_object_get(r->seen, ref))) {
		char msg[120];

		snprintf(msg, sizeof(msg), "%s is given twice in this file (row %lld first)", ref,
			(long long)json_integer_value(prev));
		rc = skip(r, row, ref, column_of(r, "ref"), msg);
	} else {
		json_object_set(r->seen, ref, json_object_get(row, "row"));
		rc = put(r, row, mapped);
	}
	json_decref(mapped);
	return rc;
}

/* Every required column present; generic files hold no column we do not know. */
static int check_columns(const run *r, const json_t *table)
{
	const char *const *req = cmdb__import_required(r->o->kind, r->o->from);
	json_t *cols = json_object_get(table, "columns"), *c;
	size_t i, j;

	for (i = 0; req[i]; i++) {
		int has = 0;

		json_array_foreach(cols, j, c) has |= !strcmp(json_string_value(c), req[i]);
		if (!has)
			return cmdb__error(CMDB_EINVALID,
				"%s: column %s: missing: a %s export needs the columns of "
				"docs/import.md",
				r->file, req[i], kinds[r->o->kind]);
	}
	if (r->o->from != CMDB_IMPORT_GENERIC)
		return 0;
	json_array_foreach(
		cols, j, c) if (!cmdb__import_known_column(r->o->kind, r->o->from,
					json_string_value(c))) return cmdb__error(CMDB_EINVALID,
		"%s: column %s: not a field of %s (docs/import.md lists them)", r->file,
		json_string_value(c), kinds[r->o->kind]);
	return 0;
}

static void list_ids(char *msg, size_t cap, size_t *o, const char *what, const json_t *list)
{
	json_t *e;
	size_t i;

	if (!json_array_size(list) || *o >= cap)
		return;
	*o += (size_t)snprintf(msg + *o, cap - *o, "\n%s:", what);
	json_array_foreach(list, i, e)
	{
		if (*o >= cap)
			return;
		if (i == LISTED) {
			*o += (size_t)snprintf(
				msg + *o, cap - *o, " and %zu more", json_array_size(list) - i);
			return;
		}
		*o += (size_t)snprintf(msg + *o, cap - *o, "%s %s (%s)", i ? "," : "",
			json_string_value(json_object_get(e, "id")),
			json_string_value(json_object_get(e, "external_ref")));
	}
}

static int commit(run *r)
{
	json_t *cr = json_object_get(r->res, "created"), *up = json_object_get(r->res, "updated");
	const char *base = strrchr(r->file, '/') ? strrchr(r->file, '/') + 1 : r->file;
	char msg[8192], oid[41];
	size_t o;
	int rc;

	o = (size_t)snprintf(msg, sizeof(msg),
		"import: %s from %s (%s): %zu created, %zu updated, %zu skipped\n",
		kinds[r->o->kind], base,
		r->o->from == CMDB_IMPORT_SERVICENOW ? "servicenow" : "generic",
		json_array_size(cr), json_array_size(up),
		json_array_size(json_object_get(r->res, "skipped")));
	list_ids(msg, sizeof(msg), &o, "created", cr);
	list_ids(msg, sizeof(msg), &o, "updated", up);
	if (json_array_size(json_object_get(r->res, "linked")) && o < sizeof(msg))
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
			"\nlinked: %zu incidents listed in their problems",
			json_array_size(json_object_get(r->res, "linked")));
	if ((rc = cmdb_record_batch_commit(oid, r->batch, msg)) == 0)
		json_object_set_new(r->res, "commit", json_string(oid));
	return rc;
}

static void run_dispose(run *r)
{
	cmdb_record_batch_free(r->batch);
	cmdb__import_cis_free(r->cis);
	json_decref(r->refs);
	json_decref(r->changes);
	json_decref(r->incidents);
	json_decref(r->problems);
	json_decref(r->seen);
	json_decref(r->res);
	r->batch = NULL, r->cis = NULL, r->res = NULL;
	r->refs = r->changes = r->incidents = r->problems = r->seen = NULL;
}

/* Plan every row on main's tip and commit: once, or CMDB_ELOCKED when main moved. */
static int attempt(run *r, const json_t *table)
{
	const json_t *row;
	size_t i;
	int rc;

	r->res = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:n, s:[], s:[], s:[], s:[], s:[]}",
		"file", r->file, "kind", kinds[r->o->kind], "from",
		r->o->from == CMDB_IMPORT_SERVICENOW ? "servicenow" : "generic", "rows",
		(json_int_t)json_array_size(json_object_get(table, "rows")), "dry_run",
		r->o->dry_run, "strict", r->o->strict, "commit", "created", "updated", "unchanged",
		"skipped", "linked");
	if (!r->res || !(r->seen = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb_record_batch_new(&r->batch, r->repo, r->o->kind)) < 0 ||
		(rc = cmdb__import_cis_new(&r->cis, r->repo, cmdb_record_batch_head(r->batch))) <
			0 ||
		(rc = refs_of(&r->refs, r->repo, r->o->kind)) < 0)
		return rc;
	/* the records other kinds name: caused_by, resolved_by, a problem's incidents */
	if (r->o->kind == CMDB_RECORD_INCIDENT &&
		((rc = refs_of(&r->changes, r->repo, CMDB_RECORD_CHANGE)) < 0 ||
			(rc = refs_of(&r->problems, r->repo, CMDB_RECORD_PROBLEM)) < 0))
		return rc;
	if (r->o->kind == CMDB_RECORD_PROBLEM &&
		((rc = refs_of(&r->incidents, r->repo, CMDB_RECORD_INCIDENT)) < 0 ||
			(rc = refs_of(&r->changes, r->repo, CMDB_RECORD_CHANGE)) < 0))
		return rc;
	json_array_foreach(
		json_object_get(table, "rows"), i, row) if ((rc = one_row(r, row)) < 0) return rc;
	if (r->o->dry_run || cmdb_record_batch_count(r->batch) == 0 ||
		(r->o->strict && json_array_size(json_object_get(r->res, "skipped"))))
		return 0;
	return commit(r);
}

static int read_table(
	json_t **out, const char *buf, size_t len, const char *name, const cmdb_import_opts *o)
{
	cmdb_import_format f = o->format;
	size_t nl = strlen(name), i = 0;

	if (f == CMDB_IMPORT_AUTO && nl > 5 && !strcmp(name + nl - 5, ".json"))
		f = CMDB_IMPORT_JSON;
	else if (f == CMDB_IMPORT_AUTO && nl > 4 && !strcmp(name + nl - 4, ".csv"))
		f = CMDB_IMPORT_CSV;
	if (f == CMDB_IMPORT_AUTO) {
		if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
			i = 3;
		while (i < len && strchr(" \t\r\n", buf[i]))
			i++;
		f = i < len && (buf[i] == '[' || buf[i] == '{') ? CMDB_IMPORT_JSON
								: CMDB_IMPORT_CSV;
	}
	if (f == CMDB_IMPORT_JSON)
		return cmdb__import_json(out, buf, len, name);
	return cmdb__import_csv(out, buf, len, name);
}

int cmdb_import_buffer(json_t **out, cmdb_repo *repo, const char *buf, size_t len, const char *name,
	const cmdb_import_opts *opts)
{
	json_t *table = NULL;
	run r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.o = opts, r.file = name, r.repo = repo;
	if (!cmdb_record_type(opts->kind))
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)opts->kind);
	if ((rc = cmdb__import_tz_check(opts->timezone)) < 0 ||
		(rc = read_table(&table, buf, len, name, opts)) < 0 ||
		(rc = check_columns(&r, table)) < 0)
		goto done;
	for (int i = 0; i < ATTEMPTS; i++) {
		run_dispose(&r);
		if ((rc = attempt(&r, table)) != CMDB_ELOCKED)
			break;
	}
	if (rc == 0) {
		*out = r.res;
		r.res = NULL;
	}
done:
	run_dispose(&r);
	json_decref(table);
	return rc;
}

int cmdb_import_file(json_t **out, cmdb_repo *repo, const char *path, const cmdb_import_opts *opts)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = cmdb__file_read(&buf, &len, path, CMDB__IMPORT_MAX_BYTES, 0)) == 0)
		rc = cmdb_import_buffer(out, repo, buf, len, path, opts);
	free(buf);
	return rc;
}
