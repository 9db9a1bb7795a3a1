/*
 * Drift rows and the changes table, written while the build applies commits
 * (index_item.c calls in here); see drift.h. What is a CI comes from the schemas:
 * the built-in ones plus the repository's own schemas/ at main.
 */
#include <stdlib.h>
#include <string.h>

#include <gitcmdb/schema.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift.h"
#include "index/drift_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

static const char *const rec_sql[R_N] = {
	"INSERT OR REPLACE INTO drifts(seq, id, time, kind, paths) VALUES(?1, ?2, ?3, ?4, ?5)",
	"SELECT win_start, win_end FROM changes WHERE id = ?1",
	"DELETE FROM changes WHERE id = ?1",
	("INSERT INTO changes(id, status, type, approved_by, approved_at, win_start, win_end,"
	 " from_seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
};

/* The repository's own schemas/ at main over the built-in ones; a bad file is ignored
 * here (validate reports it). */
static void add_repo_schemas(cmdb_schema *s, cmdb_repo *repo)
{
	json_t *paths = NULL, *p;
	size_t i;

	if (cmdb_repo_list(&paths, repo, NULL, "schemas/") < 0) {
		cmdb_error_clear();
		return;
	}
	json_array_foreach(paths, i, p)
	{
		char *buf = NULL;
		size_t len = 0;

		if (cmdb_repo_read(&buf, &len, repo, NULL, json_string_value(p)) == 0 &&
			cmdb_schema_add(s, json_string_value(p), buf, len) == 0) {
			free(buf);
			continue;
		}
		cmdb_error_clear();
		free(buf);
	}
	json_decref(paths);
}

int cmdb__drift_off;

int cmdb__drift_begin(build *b)
{
	cmdb__drift_rec *r = cmdb__calloc(1, sizeof(*r));
	int error;

	if (!r || !(r->ci = json_object()) || !(r->touched = json_object())) {
		if (r)
			json_decref(r->ci);
		free(r);
		return OOM();
	}
	b->drift = r;
	if ((error = cmdb_schema_load_builtin(&r->schema)) < 0)
		return error;
	add_repo_schemas(r->schema, cmdb_index_repo(b->idx));
	for (int i = 0; i < R_N; i++)
		if (sqlite3_prepare_v2(b->idx->db, rec_sql[i], -1, &r->st[i], NULL) != SQLITE_OK)
			return cmdb__index_sqlerr(b->idx, "cannot prepare the drift bookkeeping");
	return 0;
}

void cmdb__drift_end(build *b)
{
	cmdb__drift_rec *r = b->drift;

	if (!r)
		return;
	for (int i = 0; i < R_N; i++)
		sqlite3_finalize(r->st[i]);
	cmdb_schema_free(r->schema);
	json_decref(r->ci);
	json_decref(r->touched);
	free(r->ranges);
	free(r);
	b->drift = NULL;
}

int cmdb__drift_is_ci(build *b, const char *type)
{
	cmdb__drift_rec *r = b->drift;
	json_t *v = json_object_get(r->ci, type);

	if (cmdb__drift_off)
		return 0;
	if (!v) {
		int ci = cmdb_schema_has_type(r->schema, type) &&
			!cmdb_schema_type_is_record(r->schema, type);

		if (json_object_set_new(r->ci, type, json_boolean(ci)) < 0)
			return ci;
		return ci;
	}
	return json_is_true(v);
}

char *cmdb__drift_host_of(const char *id)
{
	const char *rest = !strncmp(id, "service/", 8) ? id + 8
		: !strncmp(id, "file/", 5)             ? id + 5
						       : NULL;
	const char *slash = rest ? strchr(rest, '/') : NULL;

	if (!slash || slash == rest)
		return NULL;
	return cmdb__sprintf("host/%.*s", (int)(slash - rest), rest);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* attributes.os.kernel → attributes.os (a created item lists what it has, not every leaf). */
static char *top_path(const char *p)
{
	const char *dot = strchr(p, '.');

	dot = dot ? strchr(dot + 1, '.') : NULL;
	return dot ? cmdb__strndup(p, (size_t)(dot - p)) : cmdb__strdup(p);
}

/* The drift's paths as compact JSON: attributes.* and relations.* only, sorted, unique. */
static int paths_json(char **out, const json_t *paths, int created)
{
	size_t n = json_array_size(paths), k = 0;
	char **v = cmdb__calloc(n ? n : 1, sizeof(*v));
	json_t *arr = json_array();
	int error = 0;

	*out = NULL;
	if (!v || !arr) {
		error = OOM();
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(json_array_get(paths, i));

		if (!p || (strncmp(p, "attributes.", 11) && strncmp(p, "relations.", 10)))
			continue;
		if (!(v[k++] = created ? top_path(p) : cmdb__strdup(p))) {
			error = OOM();
			goto done;
		}
	}
	qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 0; i < k; i++)
		if ((i == 0 || strcmp(v[i], v[i - 1])) &&
			json_array_append_new(arr, json_string(v[i])) < 0) {
			error = OOM();
			goto done;
		}
	if (!(*out = json_dumps(arr, JSON_COMPACT)))
		error = OOM();
done:
	for (size_t i = 0; v && i < k; i++)
		free(v[i]);
	free(v);
	json_decref(arr);
	return error;
}

int cmdb__drift_note(build *b, const char *id, const char *kind, json_t *paths, long long seq)
{
	char *text = NULL;
	int error;

	if ((error = paths_json(&text, paths, !strcmp(kind, "created"))) < 0)
		return error;
	if (!strcmp(kind, "modified") && !strcmp(text, "[]"))
		goto done; /* annotations only: not a change of the CI's configuration */
	error = cmdb__drift_run(b, R_INSERT, "isiss", seq, id, b->time, kind, text);
done:
	free(text);
	return error < 0 ? error : 0;
}

/* Keep [lo, hi] to mark pending at the end of the run. */
static int add_range(cmdb__drift_rec *r, long long lo, long long hi)
{
	if (r->nranges == r->cranges) {
		size_t c = r->cranges ? r->cranges * 2 : 16;
		long long *g = cmdb__realloc(r->ranges, c * 2 * sizeof(*g));

		if (!g)
			return OOM();
		r->ranges = g;
		r->cranges = c;
	}
	r->ranges[2 * r->nranges] = lo;
	r->ranges[2 * r->nranges + 1] = hi;
	r->nranges++;
	return 0;
}

int cmdb__drift_change_record(build *b, const char *id, const json_t *doc, long long seq)
{
	cmdb__drift_rec *r = b->drift;
	cmdb__change c;
	sqlite3_stmt *st;
	int error = 0, rc;

	memset(&c, 0, sizeof(c));
	if (cmdb__drift_off)
		return 0;
	if (!b->full) { /* a full build authorises everything anyway */
		if ((rc = cmdb__drift_run(b, R_CHG_GET, "s", id)) < 0)
			return rc;
		st = r->st[R_CHG_GET];
		if (rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL &&
			sqlite3_column_type(st, 1) != SQLITE_NULL)
			error = add_range(
				r, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
		sqlite3_reset(st);
		if (error < 0 || json_object_set_new(r->touched, id, json_true()) < 0)
			return error < 0 ? error : OOM();
	}
	if ((error = cmdb__drift_run(b, R_CHG_DEL, "s", id)) < 0 || !doc)
		return error < 0 ? error : 0;
	if ((error = cmdb__change_parse(&c, id, doc)) < 0)
		goto done;
	if (!b->full && c.have_window && (error = add_range(r, c.win_start, c.win_end)) < 0)
		goto done;
	error = cmdb__drift_put_change(b, &c, seq);
done:
	cmdb__change_dispose(&c);
	return error < 0 ? error : 0;
}

void cmdb__drift_settings_changed(build *b)
{
	if (b->drift)
		b->drift->settings_changed = 1;
}
