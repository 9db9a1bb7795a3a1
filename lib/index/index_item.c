/*
 * One changed item file → rows: a new item_versions row, and the item's open
 * attribute and relation rows diffed against its new flattened rows, so an
 * attribute that did not change keeps its interval. Part of the build
 * (index_build.c), inside its transaction.
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/yaml.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift.h"

/* Item files are "<type>/<name...>.yaml" outside file/ (raw captured files) and dot-dirs. */
int cmdb__index_item_id(char **id, char **type, const char *path)
{
	size_t n = strlen(path);
	const char *slash = strchr(path, '/');

	if (!slash || n <= 5 || strcmp(path + n - 5, ".yaml") != 0 ||
		strncmp(path, "file/", 5) == 0 || path[0] == '.' || strstr(path, "/."))
		return 0;
	*id = cmdb__strndup(path, n - 5);
	*type = cmdb__strndup(path, (size_t)(slash - path));
	if (!*id || !*type)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 1;
}

int cmdb__index_close_item(build *b, const char *id, const char *type, long long seq)
{
	int error, existed;

	if ((error = cmdb__index_run(b, S_VER_CLOSE, "si", id, seq)) < 0)
		return error;
	existed = sqlite3_changes(b->idx->db) > 0;
	if ((error = cmdb__index_run(b, S_ATTR_CLOSE_ALL, "si", id, seq)) < 0 ||
		(error = cmdb__index_run(b, S_REL_CLOSE_ALL, "si", id, seq)) < 0)
		return error;
	if (existed && !strcmp(type, "change") &&
		(error = cmdb__drift_change_record(b, id, NULL, seq)) < 0)
		return error;
	if (existed && cmdb__drift_is_ci(b, type))
		return cmdb__drift_note(b, id, "deleted", NULL, seq);
	return 0;
}

/* Rows currently open for id (relations: [type, dst]; attrs are streamed by diff_attrs). */
static int load_open(json_t **out, build *b, int which, const char *id)
{
	sqlite3_stmt *st = b->st[which];
	json_t *rows = json_array();
	int rc, ncol = which == S_ATTR_OPEN ? 3 : 2;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_array();

		for (int i = 0; i < ncol; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			json_array_append_new(row, v ? json_string(v) : json_null());
		}
		json_array_append_new(rows, row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(rows);
		return cmdb__index_sqlerr(b->idx, "cannot read the index");
	}
	*out = rows;
	return 0;
}

static const char *col(const json_t *row, size_t i)
{
	return json_string_value(json_array_get(row, i)); /* NULL for json null */
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What diff_attrs found: paths whose open row is closed, and new rows to add. */
typedef struct {
	char **close; /* copies: the cursor's text dies with the next step */
	size_t nclose, cclose;
	size_t *add; /* indexes into the new rows */
	size_t nadd, cadd;
} attr_changes;

static int push(void *arr, size_t *n, size_t *cap, size_t sz)
{
	void **p = arr, *g;

	if (*n < *cap)
		return 0;
	if (!(g = cmdb__realloc(*p, (*cap = *cap ? *cap * 2 : 16) * sz)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	*p = g;
	return 0;
}

static int want_close(attr_changes *ch, const char *path)
{
	if (push(&ch->close, &ch->nclose, &ch->cclose, sizeof(*ch->close)) < 0 ||
		!(ch->close[ch->nclose] = cmdb__strdup(path)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	ch->nclose++;
	return 0;
}

static int want_add(attr_changes *ch, size_t j)
{
	if (push(&ch->add, &ch->nadd, &ch->cadd, sizeof(*ch->add)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	ch->add[ch->nadd++] = j;
	return 0;
}

/*
 * Merge-walk the item's open attr rows (straight off the cursor, sorted by path;
 * a host has ~1,000 and usually none changed, so they are not copied) with the
 * sorted new rows, collecting what went or changed and what came or changed.
 */
static int collect_attr_changes(attr_changes *ch, build *b, const char *id, const json_t *new)
{
	sqlite3_stmt *st = b->st[S_ATTR_OPEN];
	size_t j = 0, nn = json_array_size(new);
	int rc, error = 0;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	while (!error && (rc == SQLITE_ROW || j < nn)) {
		const char *op = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		const json_t *n = json_array_get(new, j);
		int c = rc != SQLITE_ROW ? 1 : j >= nn ? -1 : strcmp(op, col(n, 0));

		if (c == 0 && same_str((const char *)sqlite3_column_text(st, 1), col(n, 1)) &&
			same_str((const char *)sqlite3_column_text(st, 2), col(n, 2))) {
			rc = sqlite3_step(st), j++;
			continue;
		}
		if (c <= 0 && !(error = want_close(ch, op)))
			rc = sqlite3_step(st);
		if (c >= 0 && !error && !(error = want_add(ch, j)))
			j++;
	}
	if (!error && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = cmdb__index_sqlerr(b->idx, "cannot read the index");
	sqlite3_reset(st);
	return error;
}

/* Close before adding: a changed path's new row must not be closed with its old one. */
static int diff_attrs(build *b, const char *id, const json_t *new, long long seq, json_t *paths)
{
	attr_changes ch;
	size_t i;
	int error;

	memset(&ch, 0, sizeof(ch));
	error = collect_attr_changes(&ch, b, id, new);
	for (i = 0; i < ch.nclose && !error; i++) {
		error = cmdb__index_run(b, S_ATTR_CLOSE, "ssi", id, ch.close[i], seq);
		if (error >= 0 && paths &&
			json_array_append_new(paths, json_string(ch.close[i])) < 0)
			error = cmdb__error(CMDB_ERROR, "out of memory");
	}
	for (i = 0; i < ch.nadd && error >= 0; i++) {
		const json_t *n = json_array_get(new, ch.add[i]);

		error = cmdb__index_run(
			b, S_ATTR_ADD, "ssssi", id, col(n, 0), col(n, 1), col(n, 2), seq);
		if (error >= 0 && paths && json_array_append_new(paths, json_string(col(n, 0))) < 0)
			error = cmdb__error(CMDB_ERROR, "out of memory");
	}
	for (i = 0; i < ch.nclose; i++)
		free(ch.close[i]);
	free(ch.close);
	free(ch.add);
	return error < 0 ? error : 0;
}

/* A changed relation's drift path: relations.TYPE. */
static int rel_path(json_t *paths, const char *type)
{
	char *p;
	int rc = 0;

	if (!paths)
		return 0;
	if (!(p = cmdb__sprintf("relations.%s", type)) ||
		json_array_append_new(paths, json_string(p)) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	free(p);
	return rc;
}

static int diff_relations(build *b, const char *id, const json_t *old, const json_t *new,
	long long seq, json_t *paths)
{
	size_t i = 0, j = 0, no = json_array_size(old), nn = json_array_size(new);
	int error = 0;

	while ((i < no || j < nn) && !error) {
		const json_t *o = json_array_get(old, i), *n = json_array_get(new, j);
		int c = i >= no ? 1 : j >= nn ? -1 : strcmp(col(o, 0), col(n, 0));

		if (c == 0)
			c = strcmp(col(o, 1), col(n, 1));
		if (c == 0) {
			i++, j++;
			continue;
		}
		if (c < 0) {
			error = cmdb__index_run(
				b, S_REL_CLOSE, "sssi", id, col(o, 0), col(o, 1), seq);
			if (error >= 0)
				error = rel_path(paths, col(o, 0));
			i++;
		} else {
			error = cmdb__index_run(
				b, S_REL_ADD, "sssi", id, col(n, 0), col(n, 1), seq);
			if (error >= 0)
				error = rel_path(paths, col(n, 0));
			j++;
		}
	}
	return error < 0 ? error : 0;
}

/* A created item's drift paths: its attribute groups and relation types (not every leaf). */
static int created_paths(json_t *paths, const json_t *doc)
{
	static const char *const top[] = {"attributes", "relations"};
	const char *key;
	json_t *v;

	for (int i = 0; i < 2; i++)
		json_object_foreach(json_object_get(doc, top[i]), key, v)
		{
			char *p = cmdb__sprintf("%s.%s", top[i], key);

			if (!p || json_array_append_new(paths, json_string(p)) < 0) {
				free(p);
				return cmdb__error(CMDB_ERROR, "out of memory");
			}
			free(p);
		}
	return 0;
}

/* A new version of item id from blob at seq. A blob that does not parse is recorded with its error.
 */
int cmdb__index_put_item(build *b, const char *id, const char *type, const char *path,
	const git_oid *blob_id, long long seq)
{
	git_blob *blob = NULL;
	json_t *doc = NULL, *attrs = NULL, *rels = NULL, *old_rels = NULL, *paths = NULL;
	char hex[GIT_OID_HEXSZ + 1], *doc_s = NULL, *perr = NULL;
	int error = 0, gerr, existed, ci = cmdb__drift_is_ci(b, type);

	cmdb__index_oid_hex(hex, blob_id);
	if ((gerr = git_blob_lookup(&blob, b->idx->git, blob_id)) < 0) {
		error = cmdb__error_git(CMDB_ERROR, gerr, "cannot read blob %s (%s)", hex, path);
		goto done;
	}
	if ((gerr = cmdb_yaml_parse(
		     &doc, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), path)) < 0) {
		/* A bad file is recorded; running out of memory is our failure, not the file's. */
		if (gerr != CMDB_EINVALID && gerr != CMDB_ETOOBIG) {
			error = gerr;
			goto done;
		}
		if (!(perr = cmdb__strdup(cmdb_error_last()))) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		cmdb_error_clear();
	} else if (!(doc_s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = cmdb__index_run(b, S_ITEM, "ss", id, type)) < 0 ||
		(error = cmdb__index_run(b, S_VER_CLOSE, "si", id, seq)) < 0)
		goto done;
	existed = sqlite3_changes(b->idx->db) > 0;
	if ((error = cmdb__index_run(b, S_VER_ADD, "sisss", id, seq, hex, doc_s, perr)) < 0)
		goto done;
	if (ci && !(paths = json_array())) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = cmdb__flatten(&attrs, doc)) < 0 ||
		(error = cmdb__flatten_relations(&rels, doc)) < 0 ||
		(error = load_open(&old_rels, b, S_REL_OPEN, id)) < 0 ||
		(error = diff_attrs(b, id, attrs, seq, existed ? paths : NULL)) < 0 ||
		(error = diff_relations(b, id, old_rels, rels, seq, existed ? paths : NULL)) < 0 ||
		(ci && !existed && (error = created_paths(paths, doc)) < 0))
		goto done;
	if (!strcmp(type, "change") && (error = cmdb__drift_change_record(b, id, doc, seq)) < 0)
		goto done;
	if (ci)
		error = cmdb__drift_note(b, id, existed ? "modified" : "created", paths, seq);
done:
	json_decref(paths);
	json_decref(doc);
	json_decref(attrs);
	json_decref(rels);
	json_decref(old_rels);
	free(doc_s);
	free(perr);
	git_blob_free(blob);
	return error;
}
