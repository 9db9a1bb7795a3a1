/*
 * The authorisation pass (drift.h): at the end of a build, every pending drift is
 * checked against the change records as they are at the indexed head.
 *
 * A drift of item X at time t (commit C) is authorised when a change whose status
 * authorises (cmdb__change_authorises) affects X, X's host (service/H/..., file/H/...),
 * or a group X or its host is member_of at C, and t lies in the change's window widened
 * by changes.grace_minutes (how = window); else when C carries a "Change: CHG-..."
 * trailer naming such a change that affects one of those (how = trailer). Otherwise a
 * modification whose every path matches changes.exempt_paths is exempt; anything else
 * is unauthorised, with the nearest candidate changes and why each did not match.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/glob.h"
#include "util/time.h"
#include "index/drift_int.h"
#include "index/drift_explain.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")
#define MAX_CANDIDATES 5 /* kept per unauthorised drift */
#define CAND_POOL 64 /* considered per drift */

const char *cmdb__drift_name_of(const char *change_id)
{
	return !strncmp(change_id, "change/", 7) ? change_id + 7 : change_id;
}

/* Every value of the first column of st (bound by the caller) appended to list as copies. */
static int column_list(auth *a, sqlite3_stmt *st, char ***list, size_t *n)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		char **g = cmdb__realloc(*list, (*n + 1) * sizeof(**list));

		if (!g || !v || !(g[*n] = cmdb__strdup(v))) {
			if (g)
				*list = g;
			sqlite3_reset(st);
			return OOM();
		}
		*list = g;
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : cmdb__index_sqlerr(a->b->idx, "cannot read the index");
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int has(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

static int add_target(drift *d, const char *t)
{
	char **g;

	if (has(d->targets, d->ntargets, t))
		return 0;
	if (!(g = cmdb__realloc(d->targets, (d->ntargets + 1) * sizeof(*g))))
		return OOM();
	d->targets = g;
	return (g[d->ntargets] = cmdb__strdup(t)) ? (d->ntargets++, 0) : OOM();
}

/* The groups id was member_of at seq, added to d's targets. */
static int add_groups(auth *a, drift *d, const char *id, long long seq)
{
	sqlite3_stmt *st = a->st[A_GROUPS];
	char **g = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, seq);
	rc = column_list(a, st, &g, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_target(d, g[i]);
	free_list(g, n);
	return rc;
}

/* What the drift's item stands for: itself, its host, and the groups of both then. */
static int targets_of(auth *a, drift *d)
{
	/* a deleted item's relations closed at its seq: its groups are those just before */
	long long at = !strcmp(d->kind, "deleted") ? d->seq - 1 : d->seq;
	char *host = cmdb__drift_host_of(d->id);
	int rc;

	if ((rc = add_target(d, d->id)) == 0 && host)
		rc = add_target(d, host);
	if (rc == 0)
		rc = add_groups(a, d, d->id, at);
	if (rc == 0 && host)
		rc = add_groups(a, d, host, d->seq);
	free(host);
	return rc;
}

static void fmt_duration(char *buf, size_t n, long long s)
{
	if (s < 60)
		snprintf(buf, n, "%lld s", s);
	else if (s < 3600)
		snprintf(buf, n, "%lld min", s / 60);
	else if (s < 86400)
		snprintf(buf, n, "%lld h %lld min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%lld d %lld h", s / 86400, s % 86400 / 3600);
}

static int add_cand(drift *d, const char *change, int rank, long long dist, char *reason)
{
	if (!reason)
		return OOM();
	if (d->ncands == CAND_POOL) {
		free(reason); /* enough to pick the nearest from */
		return 0;
	}
	d->cands[d->ncands].change = cmdb__strdup(cmdb__drift_name_of(change));
	d->cands[d->ncands].reason = reason;
	d->cands[d->ncands].rank = rank;
	d->cands[d->ncands].dist = dist;
	return d->cands[d->ncands++].change ? 0 : OOM();
}

static char *not_approved(const cmdb__change *c)
{
	if (c->status &&
		(!strcmp(c->status, "approved") || !strcmp(c->status, "implemented") ||
			!strcmp(c->status, "closed")))
		return cmdb__sprintf("not approved: status %s but no approved_by", c->status);
	return cmdb__sprintf("not approved (status %s)", c->status ? c->status : "missing");
}

/* A change that covers the drift's item: a window match, or a candidate saying why not. */
static int judge_covering(auth *a, drift *d, size_t k)
{
	const cmdb__change *c = &a->chg[k];
	char ws[CMDB__TIME_BUF], we[CMDB__TIME_BUF], dur[48];
	long long lo = c->win_start - a->grace, hi = c->win_end + a->grace, off;

	/* covering changes are ordered by how far the drift is from their window */
	off = !c->have_window  ? LLONG_MAX / 2
		: d->time < lo ? lo - d->time
		: d->time > hi ? d->time - hi
			       : 0;
	if (!cmdb__change_authorises(c))
		return add_cand(d, c->id, 1, off, not_approved(c));
	if (!c->have_window)
		return add_cand(
			d, c->id, 1, off, cmdb__strdup("approved, but it has no valid window"));
	if (d->time >= lo && d->time <= hi) {
		if (d->win_idx < 0)
			d->win_idx = (long long)k;
		if (a->explain)
			return 0;
		return cmdb__index_run_stmt(a->b, a->st[A_MATCH], "ssis",
			       cmdb__drift_name_of(c->id), d->id, d->seq, "window") < 0
			? CMDB_ERROR
			: 0;
	}
	cmdb__time_format(ws, c->win_start);
	cmdb__time_format(we, c->win_end);
	fmt_duration(dur, sizeof(dur), off);
	return add_cand(d, c->id, 1, off,
		cmdb__sprintf("outside its window %s..%s (grace %lld min) by %s (%s)", ws, we,
			a->grace / 60, dur, d->time < lo ? "before it opened" : "after it closed"));
}

/* The change's affects targets as "a, b" (at most a few), for "not covered" reasons. */
static char *affects_text(auth *a, size_t k)
{
	const json_t *l = json_array_get(a->affects, k);
	size_t n = json_array_size(l), len = 0;
	char *out;

	for (size_t i = 0; i < n && i < 4; i++)
		len += strlen(json_string_value(json_array_get(l, i))) + 2;
	if (!(out = cmdb__malloc(len + 16)))
		return NULL;
	*out = '\0';
	for (size_t i = 0; i < n && i < 4; i++)
		strcat(strcat(out, i ? ", " : ""), json_string_value(json_array_get(l, i)));
	if (n > 4)
		strcat(out, ", ...");
	if (n == 0)
		strcpy(out, "nothing");
	return out;
}

static long long find_change(auth *a, const char *value)
{
	char *id = cmdb__sprintf("change/%s", cmdb__drift_name_of(value));
	json_t *k = id ? json_object_get(a->by_id, id) : NULL;

	free(id);
	return k ? (long long)json_integer_value(k) : -1;
}

static int covers(auth *a, drift *d, size_t k)
{
	const json_t *l = json_array_get(a->affects, k);

	for (size_t i = 0; i < json_array_size(l); i++)
		if (has(d->targets, d->ntargets, json_string_value(json_array_get(l, i))))
			return 1;
	return 0;
}

static int judge_trailer(auth *a, drift *d, const char *value)
{
	long long k = find_change(a, value);
	int rc;

	if (k < 0)
		return add_cand(d, value, 0, 0,
			cmdb__sprintf(
				"named by the commit's Change: trailer, but there is no change "
				"record change/%s",
				cmdb__drift_name_of(value)));
	if (!cmdb__change_authorises(&a->chg[k])) {
		char *why = not_approved(&a->chg[k]);
		char *r = why ? cmdb__sprintf("named by the commit's Change: trailer, but %s", why)
			      : NULL;

		free(why);
		return add_cand(d, value, 0, 0, r);
	}
	if ((rc = covers(a, d, (size_t)k)) < 0)
		return rc;
	if (!rc) {
		char *aff = affects_text(a, (size_t)k);
		char *r = aff
			? cmdb__sprintf("named by the commit's Change: trailer, but it affects "
					"%s, not %s, its host or its groups",
				  aff, d->id)
			: NULL;

		free(aff);
		return add_cand(d, value, 0, 0, r);
	}
	if (d->trl_idx < 0)
		d->trl_idx = k;
	if (a->explain)
		return 0;
	return cmdb__index_run_stmt(a->b, a->st[A_MATCH], "ssis", cmdb__drift_name_of(a->chg[k].id),
		       d->id, d->seq, "trailer") < 0
		? CMDB_ERROR
		: 0;
}

static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return (a > b) - (a < b);
}

/* The first of a->win whose window starts at or after t. */
static size_t first_starting(const auth *a, long long t)
{
	size_t lo = 0, hi = a->nwin;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->chg[a->win[mid]].win_start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Changes whose window holds the drift but that do not cover its item, in id order.
 * Only the authorising changes with a window can (a->win, by start): those that start
 * after the drift (+ grace) or end before it, the longest window being win_maxlen, are
 * not looked at.
 */
static int judge_uncovered(auth *a, drift *d)
{
	size_t nhit = 0;
	int rc = 0;

	for (size_t i = first_starting(a, d->time - a->grace - a->win_maxlen);
		i < a->nwin && a->chg[a->win[i]].win_start - a->grace <= d->time; i++) {
		size_t k = a->win[i];

		if (!d->seen[k] && d->time <= a->chg[k].win_end + a->grace)
			a->hits[nhit++] = k;
	}
	qsort(a->hits, nhit, sizeof(*a->hits), cmp_size);
	for (size_t h = 0; h < nhit && rc == 0; h++) {
		size_t k = a->hits[h];
		const cmdb__change *c = &a->chg[k];
		char *aff, *r;

		if (!(aff = affects_text(a, k)))
			return OOM();
		r = cmdb__sprintf("in its window, but the item is not covered: it affects %s", aff);
		free(aff);
		rc = add_cand(d, c->id, 3,
			d->time > c->win_start ? d->time - c->win_start : c->win_start - d->time,
			r);
	}
	return rc;
}

static int exempt(auth *a, const drift *d)
{
	json_t *paths = NULL, *p, *g;
	size_t i, j;
	int all = 1;

	if (strcmp(d->kind, "modified") || !json_array_size(a->exempt) ||
		!(paths = json_loads(d->paths, 0, NULL)) || !json_array_size(paths)) {
		json_decref(paths);
		return 0;
	}
	json_array_foreach(paths, i, p)
	{
		int any = 0;

		json_array_foreach(a->exempt, j, g) if (!any) any =
			cmdb__glob_match(json_string_value(g), json_string_value(p), 0);
		all = all && any;
	}
	json_decref(paths);
	return all;
}

static int cmp_cand(const void *x, const void *y)
{
	const cand *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return strcmp(a->change, b->change);
}

/* The nearest candidates, best first, as [{"change", "reason"}] into a->result. */
static int candidates(auth *a, drift *d)
{
	json_t *cands = json_array();
	int rc = 0;

	if (!cands)
		return OOM();
	qsort(d->cands, d->ncands, sizeof(*d->cands), cmp_cand);
	for (size_t i = 0; i < d->ncands && json_array_size(cands) < MAX_CANDIDATES && rc == 0;
		i++) {
		size_t j = 0;

		while (j < i && strcmp(d->cands[j].change, d->cands[i].change))
			j++;
		if (j < i) /* named by a trailer and covering: the first reason says it */
			continue;
		if (json_array_append_new(cands,
			    json_pack("{ssss}", "change", d->cands[i].change, "reason",
				    d->cands[i].reason)) < 0)
			rc = OOM();
	}
	json_decref(a->result);
	a->result = cands;
	return rc;
}

static int write_verdict(auth *a, drift *d)
{
	const char *status = "unauthorised", *how = NULL, *change = NULL;
	int rc;

	if (d->win_idx >= 0)
		status = "authorised", how = "window",
		change = cmdb__drift_name_of(a->chg[d->win_idx].id);
	else if (d->trl_idx >= 0)
		status = "authorised", how = "trailer",
		change = cmdb__drift_name_of(a->chg[d->trl_idx].id);
	else if (exempt(a, d))
		status = "exempt", how = "exempt";
	rc = cmdb__index_run_stmt(
		a->b, a->st[A_UPDATE], "sisss", d->id, d->seq, status, change, how);
	return rc < 0 ? rc : 0;
}

int cmdb__drift_judge(auth *a, drift *d)
{
	const json_t *tl;
	char key[32];
	int rc;

	d->win_idx = d->trl_idx = -1;
	if (!(d->seen = cmdb__calloc(a->nchg + 1, sizeof(*d->seen))) ||
		!(d->cands = cmdb__calloc(CAND_POOL, sizeof(*d->cands)))) {
		free(d->seen);
		return OOM();
	}
	if ((rc = targets_of(a, d)) < 0)
		goto done;
	for (size_t t = 0; t < d->ntargets && rc == 0; t++) {
		const json_t *ks = json_object_get(a->covering, d->targets[t]);

		for (size_t i = 0; i < json_array_size(ks) && rc == 0; i++) {
			long long k = json_integer_value(json_array_get(ks, i));

			if (!d->seen[k]) {
				d->seen[k] = 1;
				rc = judge_covering(a, d, (size_t)k);
			}
		}
	}
	snprintf(key, sizeof(key), "%lld", d->seq);
	tl = json_object_get(a->trailers, key);
	for (size_t i = 0; i < json_array_size(tl) && rc == 0; i++)
		rc = judge_trailer(a, d, json_string_value(json_array_get(tl, i)));
	if (a->explain) {
		if (rc == 0 && d->win_idx < 0 && d->trl_idx < 0 && !exempt(a, d))
			rc = judge_uncovered(a, d);
		if (rc == 0)
			rc = candidates(a, d);
	} else if (rc == 0) {
		rc = write_verdict(a, d);
	}
done:
	free_list(d->targets, d->ntargets);
	for (size_t i = 0; i < d->ncands; i++) {
		free(d->cands[i].change);
		free(d->cands[i].reason);
	}
	free(d->cands);
	free(d->seen);
	return rc;
}
