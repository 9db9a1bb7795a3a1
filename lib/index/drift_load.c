/*
 * The authorisation rule's state (drift_int.h's auth), read once per pass: settings,
 * the change records, the authorising windows by start, who affects what and the
 * commits' Change: trailers. drift_auth.c judges the drifts against it.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/drift_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")

static const char *const auth_sql[A_N] = {
	("SELECT dst FROM relations WHERE src = ?1 AND type = 'member_of' AND from_seq <= ?2"
	 " AND (to_seq IS NULL OR to_seq > ?2) ORDER BY dst"),
	"UPDATE drifts SET status = ?3, change = ?4, how = ?5 WHERE id = ?1 AND seq = ?2",
	"INSERT OR IGNORE INTO drift_matches(change, id, seq, how) VALUES(?1, ?2, ?3, ?4)",
};

static int load_changes(auth *a)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (cmdb__index_prepare(&st, a->b->idx,
		    "SELECT id, status, type, approved_by, approved_at, win_start, win_end FROM "
		    "changes ORDER BY id",
		    "cannot read the change records") < 0)
		return CMDB_ERROR;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		cmdb__change *g = cmdb__realloc(a->chg, (a->nchg + 1) * sizeof(*g)), *c;
		const char *txt[4];

		if (!g) {
			rc = OOM();
			break;
		}
		a->chg = g;
		c = memset(&g[a->nchg], 0, sizeof(*c));
		for (int i = 0; i < 4; i++)
			txt[i] = (const char *)sqlite3_column_text(st, i);
		c->id = cmdb__strdup(txt[0]);
		c->status = txt[1] ? cmdb__strdup(txt[1]) : NULL;
		c->type = txt[2] ? cmdb__strdup(txt[2]) : NULL;
		c->approved_by = txt[3] ? cmdb__strdup(txt[3]) : NULL;
		c->have_approved_at = sqlite3_column_type(st, 4) != SQLITE_NULL;
		c->approved_at = sqlite3_column_int64(st, 4);
		c->have_window = sqlite3_column_type(st, 5) != SQLITE_NULL;
		c->win_start = sqlite3_column_int64(st, 5);
		c->win_end = sqlite3_column_int64(st, 6);
		a->nchg++;
		if (!c->id ||
			json_object_set_new(
				a->by_id, c->id, json_integer((json_int_t)a->nchg - 1)) < 0)
			rc = OOM();
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__index_sqlerr(a->b->idx, "cannot read the change records");
	sqlite3_finalize(st);
	return rc;
}

/* changes.grace_minutes and changes.exempt_paths of gitcmdb.yaml at main (defaults 0, none). */
void cmdb__drift_load_settings(auth *a)
{
	json_t *s = NULL, *changes, *g, *p;
	size_t i;

	if (cmdb_repo_settings(&s, cmdb_index_repo(a->b->idx)) < 0) {
		cmdb_error_clear(); /* validate reports a bad gitcmdb.yaml; here defaults apply */
		return;
	}
	changes = json_object_get(s, "changes");
	g = json_object_get(changes, "grace_minutes");
	if (json_is_integer(g) && json_integer_value(g) >= 0 && json_integer_value(g) <= 100000)
		a->grace = (long long)json_integer_value(g) * 60;
	json_array_foreach(json_object_get(changes, "exempt_paths"), i, p) if (json_is_string(p))
		json_array_append(a->exempt, p);
	json_decref(s);
}

void cmdb__drift_auth_dispose(auth *a)
{
	for (int i = 0; i < A_N; i++)
		sqlite3_finalize(a->st[i]);
	for (size_t i = 0; i < a->nchg; i++)
		cmdb__change_dispose(&a->chg[i]);
	free(a->chg);
	json_decref(a->by_id);
	json_decref(a->exempt);
	json_decref(a->result);
	json_decref(a->covering);
	json_decref(a->affects);
	json_decref(a->trailers);
	free(a->win);
	free(a->hits);
}

/* Run sql and hand every row to fn. */
static int each(auth *a, const char *sql, int (*fn)(auth *a, sqlite3_stmt *st))
{
	sqlite3_stmt *st = NULL;
	int rc, step = SQLITE_DONE;

	if ((rc = cmdb__index_prepare(&st, a->b->idx, sql, "cannot read the index")) < 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(a, st);
	if (rc == 0 && step != SQLITE_DONE)
		rc = cmdb__index_sqlerr(a->b->idx, "cannot read the index");
	sqlite3_finalize(st);
	return rc;
}

/* Append v to the array at key of obj (made when missing). */
static int push_at(json_t *obj, const char *key, json_t *v)
{
	json_t *l = json_object_get(obj, key);

	if (!v || (!l && json_object_set_new(obj, key, l = json_array()) < 0) || !l ||
		json_array_append_new(l, v) < 0)
		return OOM();
	return 0;
}

static int affects_row(auth *a, sqlite3_stmt *st)
{
	const char *src = (const char *)sqlite3_column_text(st, 0);
	const char *dst = (const char *)sqlite3_column_text(st, 1);
	json_t *k = src ? json_object_get(a->by_id, src) : NULL;

	if (!k || !dst)
		return 0; /* a change record the changes table does not hold: it did not parse */
	if (push_at(a->covering, dst, json_integer(json_integer_value(k))) < 0 ||
		json_array_append_new(json_array_get(a->affects, (size_t)json_integer_value(k)),
			json_string(dst)) < 0)
		return OOM();
	return 0;
}

static int trailer_row(auth *a, sqlite3_stmt *st)
{
	char key[32];

	snprintf(key, sizeof(key), "%lld", (long long)sqlite3_column_int64(st, 0));
	return sqlite3_column_text(st, 1)
		? push_at(a->trailers, key, json_string((const char *)sqlite3_column_text(st, 1)))
		: 0;
}

/* Who affects what, and the commits' Change: trailers, read once per pass. */
static int load_links(auth *a)
{
	int rc;

	if (!(a->covering = json_object()) || !(a->affects = json_array()) ||
		!(a->trailers = json_object()))
		return OOM();
	for (size_t k = 0; k < a->nchg; k++)
		if (json_array_append_new(a->affects, json_array()) < 0)
			return OOM();
	if ((rc = each(a,
		     "SELECT src, dst FROM relations WHERE type = 'affects' AND to_seq IS NULL AND "
		     "src LIKE 'change/%' ORDER BY src, dst",
		     affects_row)) < 0)
		return rc;
	return each(a,
		"SELECT seq, value FROM trailers WHERE key = 'Change' COLLATE NOCASE ORDER BY seq",
		trailer_row);
}

typedef struct {
	long long start;
	size_t k;
} win_key;

static int cmp_win_key(const void *x, const void *y)
{
	const win_key *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->k > b->k) - (a->k < b->k);
}

/* a->win: the authorising changes with a window, by start (for judge_uncovered). */
static int index_windows(auth *a)
{
	win_key *keys = cmdb__calloc(a->nchg + 1, sizeof(*keys));

	if (!keys || !(a->win = cmdb__calloc(a->nchg + 1, sizeof(*a->win))) ||
		!(a->hits = cmdb__calloc(a->nchg + 1, sizeof(*a->hits)))) {
		free(keys);
		return OOM();
	}
	for (size_t k = 0; k < a->nchg; k++) {
		const cmdb__change *c = &a->chg[k];

		if (!c->have_window || !cmdb__change_authorises(c))
			continue;
		keys[a->nwin].start = c->win_start;
		keys[a->nwin++].k = k;
		if (c->win_end - c->win_start > a->win_maxlen)
			a->win_maxlen = c->win_end - c->win_start;
	}
	qsort(keys, a->nwin, sizeof(*keys), cmp_win_key);
	for (size_t i = 0; i < a->nwin; i++)
		a->win[i] = keys[i].k;
	free(keys);
	return 0;
}

int cmdb__drift_auth_init(auth *a)
{
	int rc = 0;

	if (!(a->by_id = json_object()) || !(a->exempt = json_array()))
		return OOM();
	cmdb__drift_load_settings(a);
	for (int i = 0; i < A_N && rc == 0; i++)
		if (!a->explain || (i != A_UPDATE && i != A_MATCH))
			rc = cmdb__index_prepare(&a->st[i], a->b->idx, auth_sql[i],
				"cannot prepare the drift authorisation");
	if (rc < 0 || (rc = load_changes(a)) < 0 || (rc = index_windows(a)) < 0)
		return rc;
	return load_links(a);
}
