/*
 * The impact walk engine: breadth-first over whatever graph a neighbour function
 * describes. Ids and relation types are interned once; the walk keeps, per item,
 * its depth and the one relation it was first reached by, so a path is rebuilt by
 * following those back to the root and no per-item copies are made. JSON is built
 * once at the end, each relation object shared by every path that uses it. This is
 * what keeps a walk over a whole 10,000-item estate cheap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "query/query_int.h"

#define OOM() cmdb__error(CMDB_ERROR, "out of memory")
#define NONE UINT32_MAX

typedef struct {
	uint32_t src, type, dst;
} rel;

struct cmdb__impact_edges {
	char **name; /* interned ids and relation types */
	uint32_t nname, cname;
	uint32_t *nslot; /* open addressing over name: index + 1, 0 = empty */
	uint32_t cnslot;
	rel *pend; /* relations handed over by the current neighbour call */
	size_t npend, cpend;
	rel *edge; /* every relation recorded, each once, in walk order */
	uint32_t nedge, cedge;
	uint32_t *eslot; /* open addressing over edge */
	uint32_t ceslot;
	int32_t *depth; /* per name: -1 unreached */
	uint32_t *via; /* per name: the edge that first reached it (NONE for the root) */
	uint32_t *queue; /* reached items in breadth-first order, root first */
	uint32_t nqueue;
	uint32_t cur; /* the node being expanded */
	int upstream;
};

static uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* Grow *arr (elements of size sz) to hold at least want; new bytes zeroed. */
static int grow(void *arr, uint32_t *cap, uint32_t want, size_t sz)
{
	void **p = arr, *n;
	uint32_t c = *cap ? *cap : 64;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	if (!(n = cmdb__realloc(*p, (size_t)c * sz)))
		return OOM();
	memset((char *)n + (size_t)*cap * sz, 0, (size_t)(c - *cap) * sz);
	*p = n;
	*cap = c;
	return 0;
}

static int rehash_names(cmdb__impact_edges *w)
{
	uint32_t c = w->cnslot ? w->cnslot * 2 : 1024, *s = cmdb__calloc(c, sizeof(*s));

	if (!s)
		return OOM();
	for (uint32_t i = 0; i < w->nname; i++) {
		uint32_t h = hash_bytes(w->name[i], strlen(w->name[i]), 2166136261u) & (c - 1);

		while (s[h])
			h = (h + 1) & (c - 1);
		s[h] = i + 1;
	}
	free(w->nslot);
	w->nslot = s;
	w->cnslot = c;
	return 0;
}

/* The index of s, adding it (and room in the per-name arrays) when new. */
static int intern(cmdb__impact_edges *w, const char *s, uint32_t *out)
{
	size_t len = strlen(s);
	uint32_t h, cap = w->cname;
	int rc;

	if ((w->nname + 1) * 2 > w->cnslot && (rc = rehash_names(w)) < 0)
		return rc;
	for (h = hash_bytes(s, len, 2166136261u) & (w->cnslot - 1); w->nslot[h];
		h = (h + 1) & (w->cnslot - 1)) {
		if (!strcmp(w->name[w->nslot[h] - 1], s)) {
			*out = w->nslot[h] - 1;
			return 0;
		}
	}
	if ((rc = grow(&w->name, &w->cname, w->nname + 1, sizeof(*w->name))) < 0)
		return rc;
	if (w->cname != cap) { /* keep the per-name arrays as long as name */
		uint32_t c1 = cap, c2 = cap, c3 = cap;

		if ((rc = grow(&w->depth, &c1, w->cname, sizeof(*w->depth))) < 0 ||
			(rc = grow(&w->via, &c2, w->cname, sizeof(*w->via))) < 0 ||
			(rc = grow(&w->queue, &c3, w->cname, sizeof(*w->queue))) < 0)
			return rc;
		for (uint32_t i = cap; i < w->cname; i++)
			w->depth[i] = -1;
	}
	if (!(w->name[w->nname] = cmdb__strndup(s, len)))
		return OOM();
	w->nslot[h] = w->nname + 1;
	*out = w->nname++;
	return 0;
}

int cmdb__impact_add(cmdb__impact_edges *w, const char *src, const char *type, const char *dst)
{
	rel r;
	uint32_t c = (uint32_t)w->cpend;
	int rc;

	if (!src || !type || !dst)
		return 0;
	if ((rc = intern(w, src, &r.src)) < 0 || (rc = intern(w, type, &r.type)) < 0 ||
		(rc = intern(w, dst, &r.dst)) < 0 ||
		(rc = grow(&w->pend, &c, (uint32_t)w->npend + 1, sizeof(*w->pend))) < 0)
		return rc;
	w->cpend = c;
	w->pend[w->npend++] = r;
	return 0;
}

int cmdb__impact_intern(cmdb__impact_edges *w, const char *name, uint32_t *id)
{
	return intern(w, name, id);
}

uint32_t cmdb__impact_names(const cmdb__impact_edges *w)
{
	return w->nname;
}

uint32_t cmdb__impact_node(const cmdb__impact_edges *w)
{
	return w->cur;
}

int cmdb__impact_add_ids(cmdb__impact_edges *w, uint32_t src, uint32_t type, uint32_t dst)
{
	uint32_t c = (uint32_t)w->cpend;
	int rc;

	if (src >= w->nname || type >= w->nname || dst >= w->nname)
		return cmdb__error(CMDB_ERROR, "impact walk: relation names an unknown id");
	if ((rc = grow(&w->pend, &c, (uint32_t)w->npend + 1, sizeof(*w->pend))) < 0)
		return rc;
	w->cpend = c;
	w->pend[w->npend++] = (rel){src, type, dst};
	return 0;
}

static int rehash_edges(cmdb__impact_edges *w)
{
	uint32_t c = w->ceslot ? w->ceslot * 2 : 1024, *s = cmdb__calloc(c, sizeof(*s));

	if (!s)
		return OOM();
	for (uint32_t i = 0; i < w->nedge; i++) {
		uint32_t h = hash_bytes(&w->edge[i], sizeof(rel), 2166136261u) & (c - 1);

		while (s[h])
			h = (h + 1) & (c - 1);
		s[h] = i + 1;
	}
	free(w->eslot);
	w->eslot = s;
	w->ceslot = c;
	return 0;
}

/* Record r once; *idx is its edge index either way. */
static int record(cmdb__impact_edges *w, const rel *r, uint32_t *idx)
{
	uint32_t h;
	int rc;

	if ((w->nedge + 1) * 2 > w->ceslot && (rc = rehash_edges(w)) < 0)
		return rc;
	for (h = hash_bytes(r, sizeof(*r), 2166136261u) & (w->ceslot - 1); w->eslot[h];
		h = (h + 1) & (w->ceslot - 1)) {
		if (!memcmp(&w->edge[w->eslot[h] - 1], r, sizeof(*r))) {
			*idx = w->eslot[h] - 1;
			return 0;
		}
	}
	if ((rc = grow(&w->edge, &w->cedge, w->nedge + 1, sizeof(*w->edge))) < 0)
		return rc;
	w->edge[w->nedge] = *r;
	w->eslot[h] = w->nedge + 1;
	*idx = w->nedge++;
	return 0;
}

static _Thread_local const cmdb__impact_edges *cmp_ctx;

/* Ties broken by relation type, then the far end's id (the documented order). */
static int rel_cmp(const void *a, const void *b)
{
	const rel *x = a, *y = b;
	const cmdb__impact_edges *w = cmp_ctx;
	int c = strcmp(w->name[x->type], w->name[y->type]);

	if (c)
		return c;
	return strcmp(w->name[x->src == w->cur ? x->dst : x->src],
		w->name[y->src == w->cur ? y->dst : y->src]);
}

static int expand(cmdb__impact_edges *w, uint32_t node, cmdb__impact_next_fn next, void *payload)
{
	char *name = w->name[node];
	int rc;

	w->npend = 0;
	w->cur = node;
	if ((rc = next(w, name, payload)) < 0)
		return rc;
	cmp_ctx = w;
	if (w->npend > 1)
		qsort(w->pend, w->npend, sizeof(*w->pend), rel_cmp);
	for (size_t i = 0; i < w->npend; i++) {
		rel r = w->pend[i];
		/* the end that is not node: relation types differ in direction (part_of) */
		uint32_t far = r.src == node ? r.dst : r.src, idx;

		if ((rc = record(w, &r, &idx)) < 0)
			return rc;
		if (w->depth[far] < 0) {
			w->depth[far] = w->depth[node] + 1;
			w->via[far] = idx;
			w->queue[w->nqueue++] = far;
		}
	}
	return 0;
}

/* One json string per interned name, shared by every object that mentions it. */
static json_t *name_json(const cmdb__impact_edges *w, json_t **names, uint32_t i)
{
	if (!names[i])
		names[i] = json_string(w->name[i]);
	return names[i];
}

static json_t *edge_json(const cmdb__impact_edges *w, json_t **cache, json_t **names, uint32_t i)
{
	if (!cache[i]) {
		json_t *o = json_object(), *s = name_json(w, names, w->edge[i].src);
		json_t *t = name_json(w, names, w->edge[i].type),
		       *d = name_json(w, names, w->edge[i].dst);

		if (!o || !s || !t || !d || json_object_set_nocheck(o, "src", s) ||
			json_object_set_nocheck(o, "type", t) ||
			json_object_set_nocheck(o, "dst", d)) {
			json_decref(o);
			return NULL;
		}
		cache[i] = o;
	}
	return cache[i];
}

static json_t *item_json(const cmdb__impact_edges *w, json_t **cache, json_t **names, uint32_t node)
{
	json_t *o = json_object(), *path = json_array();
	const char *id = w->name[node], *slash = strchr(id, '/');
	int32_t d = w->depth[node];

	if (!o || !path)
		goto fail;
	/* follow the reaching relations back to the root, filling the path from its end */
	for (int32_t k = 0; k < d; k++)
		json_array_append(path, json_null());
	for (uint32_t n = node, k = (uint32_t)d; k > 0; k--) {
		uint32_t e = w->via[n];
		json_t *ej = edge_json(w, cache, names, e);

		if (!ej || json_array_set(path, k - 1, ej) < 0)
			goto fail;
		n = w->edge[e].src == n ? w->edge[e].dst : w->edge[e].src;
	}
	if (!name_json(w, names, node) || json_object_set_nocheck(o, "id", names[node]) ||
		json_object_set_new_nocheck(
			o, "type", json_stringn(id, slash ? (size_t)(slash - id) : strlen(id))) ||
		json_object_set_new_nocheck(o, "depth", json_integer(d)) ||
		json_object_set_new_nocheck(o, "path", path))
		goto fail_o;
	return o;
fail:
	json_decref(path);
fail_o:
	json_decref(o);
	return NULL;
}

static int build(json_t **out, cmdb__impact_edges *w, const char *root)
{
	json_t **cache = cmdb__calloc(w->nedge ? w->nedge : 1, sizeof(*cache));
	json_t **names = cmdb__calloc(w->nname ? w->nname : 1, sizeof(*names));
	json_t *items = json_array(), *edges = json_array(), *res = NULL;
	int rc = 0;

	if (!cache || !names || !items || !edges)
		goto oom;
	for (uint32_t q = 1; q < w->nqueue; q++)
		if (json_array_append_new(items, item_json(w, cache, names, w->queue[q])) < 0)
			goto oom;
	for (uint32_t e = 0; e < w->nedge; e++)
		if (json_array_append(edges, edge_json(w, cache, names, e)) < 0)
			goto oom;
	if (!(res = json_pack("{sssssOsO}", "id", root, "direction",
		      w->upstream ? "upstream" : "downstream", "items", items, "edges", edges)))
		goto oom;
	*out = res;
	goto done;
oom:
	rc = OOM();
done:
	for (uint32_t e = 0; cache && e < w->nedge; e++)
		json_decref(cache[e]);
	for (uint32_t n = 0; names && n < w->nname; n++)
		json_decref(names[n]);
	free(cache);
	free(names);
	json_decref(items);
	json_decref(edges);
	return rc;
}

static void dispose(cmdb__impact_edges *w)
{
	for (uint32_t i = 0; i < w->nname; i++)
		free(w->name[i]);
	free(w->name);
	free(w->nslot);
	free(w->pend);
	free(w->edge);
	free(w->eslot);
	free(w->depth);
	free(w->via);
	free(w->queue);
}

int cmdb__impact_walk(json_t **out, const char *root, int upstream, int depth,
	cmdb__impact_next_fn next, void *payload)
{
	cmdb__impact_edges w;
	uint32_t r;
	int rc;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.upstream = upstream;
	if ((rc = intern(&w, root, &r)) < 0)
		goto done;
	w.depth[r] = 0;
	w.via[r] = NONE;
	w.queue[w.nqueue++] = r;
	for (uint32_t q = 0; q < w.nqueue; q++) {
		if (depth > 0 && w.depth[w.queue[q]] >= depth)
			continue;
		if ((rc = expand(&w, w.queue[q], next, payload)) < 0)
			goto done;
	}
	rc = build(out, &w, root);
done:
	dispose(&w);
	return rc;
}
