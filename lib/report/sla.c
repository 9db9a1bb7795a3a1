/*
 * Service levels: the outage of each business service is the union of the spans of
 * the incidents that hit it (on it, or on anything it depends on at the incident's
 * opened time), clipped to the period (docs/report.md).
 */
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/schema.h"
#include "report/report_int.h"
#include "report/sla_graph.h"
#include "report/sla_hours.h"

typedef struct {
	long long a, b;
} span;

static int span_cmp(const void *x, const void *y)
{
	const span *p = x, *q = y;

	return p->a < q->a ? -1 : p->a > q->a ? 1 : (p->b > q->b) - (p->b < q->b);
}

/* The service seconds (h) of the union of n spans (sorted here). */
static long long union_len(span *s, size_t n, const cmdb__sla_hours *h)
{
	long long total = 0, a, b;

	if (!n)
		return 0;
	qsort(s, n, sizeof(*s), span_cmp);
	a = s[0].a, b = s[0].b;
	for (size_t i = 1; i < n; i++) {
		if (s[i].a > b) {
			total += cmdb__sla_hours_in(h, a, b);
			a = s[i].a;
		}
		if (s[i].b > b)
			b = s[i].b;
	}
	return total + cmdb__sla_hours_in(h, a, b);
}

static double round_to(double v, double scale)
{
	return (double)(long long)(v * scale + 0.5) / scale; /* v >= 0 */
}

/* A string field of the SLA map (NULL when absent), or CMDB_EINVALID. */
static int sla_string(const char **out, const json_t *sla, const char *id, const char *field)
{
	const json_t *v = json_object_get(sla, field);

	*out = json_string_value(v);
	if (v && !json_is_null(v) && !json_is_string(v))
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.sla.%s: expected a string (docs/report.md)", id, field);
	return 0;
}

/* The target and service hours of business service id: 0 and *target (0 when it states
 * none) and *h (24x7 when it states none), or CMDB_EINVALID naming the item and field. */
static int sla_target(
	double *target, const char **hours, cmdb__sla_hours *h, const char *id, const json_t *doc)
{
	const json_t *sla = json_object_get(json_object_get(doc, "attributes"), "sla");
	const json_t *av = json_object_get(sla, "availability");
	const char *tz = NULL;
	double v;
	int rc;

	*target = 0, *hours = NULL;
	cmdb__sla_hours_parse(h, id, NULL, NULL);
	if (!sla || json_is_null(sla))
		return 0;
	if (!json_is_object(sla))
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.sla: expected a map {availability: PERCENT, hours: "
			"\"24x7\"}",
			id);
	if ((rc = sla_string(hours, sla, id, "hours")) < 0 ||
		(rc = sla_string(&tz, sla, id, "timezone")) < 0 ||
		(rc = cmdb__sla_hours_parse(h, id, *hours, tz)) < 0)
		return rc;
	if (!av)
		return 0;
	if (!json_is_number(av))
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.sla.availability: expected a percentage in (0, 100]", id);
	v = json_number_value(av);
	if (!(v > 0 && v <= 100))
		return cmdb__error(CMDB_EINVALID,
			"%s: attributes.sla.availability: %g is not in (0, 100] (a percentage)", id,
			v);
	*target = v;
	return 0;
}

typedef struct {
	cmdb_index *idx;
	const cmdb_schema *schema;
	const cmdb__report_period *p;
	json_t *services; /* id -> {"spans": [[a,b]...], "incidents": [...]} */
	cmdb__sla_graph *graph;
} sla_ctx;

static int mark(json_t *hit, const char *sid, const char *ci)
{
	json_t *via = json_object_get(hit, sid);

	if (!via && json_object_set_new(hit, sid, via = json_array()) < 0)
		return OOM();
	return json_array_append_new(via, json_string(ci)) < 0 ? OOM() : 0;
}

typedef struct {
	json_t *hit;
	sla_ctx *c;
	const char *ci;
} hit_ctx;

static int on_hit(const char *id, void *payload)
{
	hit_ctx *h = payload;

	return json_object_get(h->c->services, id) ? mark(h->hit, id, h->ci) : 0;
}

/* The business services hit when ci fails at seq (ci itself included). */
static int services_hit(json_t *hit, sla_ctx *c, const char *ci, long long seq)
{
	hit_ctx h = {hit, c, ci};
	int rc;

	if (json_object_get(c->services, ci) && (rc = mark(hit, ci, ci)) < 0)
		return rc;
	return cmdb__sla_graph_hits(c->graph, ci, seq, on_hit, &h);
}

/* The seq in force at the incident's opened time (the period's end when it opened
 * before the first commit). */
static int seq_at(long long *seq, sla_ctx *c, const char *opened)
{
	int rc = cmdb_index_resolve_when(seq, c->idx, opened);

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		*seq = c->p->until_seq;
		return 0;
	}
	return rc;
}

static int add_incident(sla_ctx *c, const char *id, const json_t *doc)
{
	const json_t *attrs = json_object_get(doc, "attributes");
	const char *opened = json_string_value(json_object_get(attrs, "opened"));
	const char *resolved = json_string_value(json_object_get(attrs, "resolved"));
	const json_t *aff = json_object_get(json_object_get(doc, "relations"), "affects");
	long long o, r, a, b, seq;
	json_t *hit = json_object(), *v, *base = NULL;
	const char *sid;
	size_t i;
	int rc;

	if (!hit)
		return OOM();
	if ((rc = cmdb__report_field_time(&o, id, "attributes.opened", opened)) < 0 ||
		(resolved &&
			(rc = cmdb__report_field_time(&r, id, "attributes.resolved", resolved)) <
				0))
		goto done;
	if (resolved && r < o) {
		rc = cmdb__error(CMDB_EINVALID,
			"%s: attributes.resolved %s is before attributes.opened %s: correct the "
			"record",
			id, resolved, opened);
		goto done;
	}
	if (!resolved)
		r = c->p->until_t;
	a = o > c->p->since_t ? o : c->p->since_t;
	b = r < c->p->until_t ? r : c->p->until_t;
	if (b <= a || o > c->p->until_t)
		goto done;
	if ((rc = seq_at(&seq, c, opened)) < 0)
		goto done;
	if (json_is_string(aff))
		rc = services_hit(hit, c, json_string_value(aff), seq);
	json_array_foreach(aff, i, v)
	{
		if (rc == 0 && json_is_string(v))
			rc = services_hit(hit, c, json_string_value(v), seq);
	}
	if (rc < 0)
		goto done;
	/* one base entry per incident, its values shared by every service's copy */
	if (json_object_size(hit) &&
		!(base = json_pack("{s:s,s:s?,s:s,s:s?,s:[II]}", "id", strchr(id, '/') + 1,
			  "summary", json_string_value(json_object_get(attrs, "summary")), "opened",
			  opened, "resolved", resolved, "_span", a, b))) {
		rc = OOM();
		goto done;
	}
	json_object_foreach(hit, sid, v)
	{
		json_t *svc = json_object_get(c->services, sid), *inc = json_copy(base);

		if (!inc || json_object_set(inc, "via", v) < 0 ||
			json_array_append(
				json_object_get(svc, "spans"), json_object_get(inc, "_span")) < 0 ||
			json_array_append(json_object_get(svc, "incidents"), inc) < 0)
			rc = OOM();
		json_decref(inc);
		if (rc < 0)
			goto done;
	}
done:
	json_decref(base);
	json_decref(hit);
	return rc;
}

/* Each incident's minutes inside the service hours (its clipped span was in _span). */
static void incident_minutes(json_t *incs, const cmdb__sla_hours *h)
{
	json_t *inc;
	size_t i;

	json_array_foreach(incs, i, inc)
	{
		json_t *sp = json_object_get(inc, "_span");
		long long in = cmdb__sla_hours_in(h, json_integer_value(json_array_get(sp, 0)),
			json_integer_value(json_array_get(sp, 1)));

		json_object_set_new(inc, "minutes", json_real(round_to((double)in / 60.0, 100)));
		json_object_del(inc, "_span");
	}
}

/* One business service's row from its spans and incidents. */
static int service_row(
	json_t *rows, const char *id, const json_t *doc, json_t *acc, const cmdb__report_period *p)
{
	json_t *spans = json_object_get(acc, "spans"), *v, *row;
	size_t n = json_array_size(spans), i;
	span *s = n ? calloc(n, sizeof(*s)) : NULL;
	long long out, period;
	const char *hours, *name = json_string_value(json_object_get(doc, "name"));
	cmdb__sla_hours h;
	double target, avail;
	int rc;

	if (n && !s)
		return OOM();
	if ((rc = sla_target(&target, &hours, &h, id, doc)) < 0)
		goto done;
	period = cmdb__sla_hours_in(&h, p->since_t, p->until_t);
	incident_minutes(json_object_get(acc, "incidents"), &h);
	json_array_foreach(spans, i, v)
	{
		s[i].a = json_integer_value(json_array_get(v, 0));
		s[i].b = json_integer_value(json_array_get(v, 1));
	}
	out = union_len(s, n, &h);
	avail = period > 0 ? 100.0 * (1.0 - (double)out / (double)period) : 100.0;
	row = json_pack("{s:s,s:s?,s:o,s:s?,s:f,s:f,s:f,s:o,s:O}", "id", id, "name", name, "target",
		target > 0 ? json_real(target) : json_null(), "hours", hours, "service_minutes",
		round_to((double)period / 60.0, 100), "outage_minutes",
		round_to((double)out / 60.0, 100), "availability", round_to(avail, 10000), "met",
		target > 0 ? json_boolean(avail >= target) : json_null(), "incidents",
		json_object_get(acc, "incidents"));
	rc = row && json_array_append_new(rows, row) == 0 ? 0 : OOM();
done:
	free(s);
	return rc;
}

static int id_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of obj, sorted (borrowed strings; free the array). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys)), *k;
	json_t *v;

	*n = 0;
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v) keys[(*n)++] = k;
	qsort(keys, *n, sizeof(*keys), id_cmp);
	return keys;
}

/* Incidents in id order (a deterministic order of each service's incident list). */
static int sla_rows(json_t *rows, sla_ctx *c, const json_t *svcs, const json_t *incs)
{
	const char **ids = NULL, *id;
	json_t *v;
	size_t n, i;
	int rc = 0;

	json_object_foreach((json_t *)svcs, id, v)
	{
		if (json_object_set_new(
			    c->services, id, json_pack("{s:[],s:[]}", "spans", "incidents")) < 0)
			return OOM();
	}
	if (!(ids = sorted_keys(incs, &n)))
		return OOM();
	for (i = 0; rc == 0 && i < n; i++)
		rc = add_incident(c, ids[i], json_object_get(incs, ids[i]));
	free(ids);
	if (rc < 0 || !(ids = sorted_keys(svcs, &n)))
		return rc < 0 ? rc : OOM();
	for (i = 0; rc == 0 && i < n; i++)
		rc = service_row(rows, ids[i], json_object_get(svcs, ids[i]),
			json_object_get(c->services, ids[i]), c->p);
	free(ids);
	return rc;
}

int cmdb_sla(json_t **out, cmdb_index *idx, const cmdb_sla_opts *opts)
{
	cmdb_sla_opts none = CMDB_SLA_OPTS_INIT;
	cmdb__report_period p;
	cmdb_schema *schema = NULL;
	json_t *svcs = NULL, *incs = NULL, *rows = json_array(), *res = NULL;
	sla_ctx c = {idx, NULL, &p, json_object(), NULL};
	char a[CMDB__TIME_BUF], b[CMDB__TIME_BUF];
	const char *k;
	json_t *v;
	int rc;

	*out = NULL;
	opts = opts ? opts : &none;
	if ((rc = cmdb__report_period_init(&p, idx, opts->since, opts->until)) < 0)
		goto done;
	if (!rows || !c.services) {
		rc = OOM();
		goto done;
	}
	if ((rc = cmdb_schema_load_builtin(&schema)) < 0 ||
		(rc = cmdb__report_items_of_type(&svcs, idx, "business_service", p.until_seq)) <
			0 ||
		(rc = cmdb__report_items_of_type(&incs, idx, "incident", p.until_seq)) < 0)
		goto done;
	c.schema = schema;
	if ((rc = cmdb__sla_graph_load(&c.graph, idx, schema, p.until_seq)) < 0)
		goto done;
	json_object_foreach(svcs, k, v) cmdb__sla_graph_want(c.graph, k);
	if ((rc = sla_rows(rows, &c, svcs, incs)) < 0)
		goto done;
	cmdb__time_format(a, p.since_t);
	cmdb__time_format(b, p.until_t);
	res = json_pack("{s:s,s:s,s:O,s:f,s:O}", "since", a, "until", b, "commit",
		json_object_get(p.until_point, "commit"), "period_minutes",
		round_to((double)(p.until_t - p.since_t) / 60.0, 100), "services", rows);
	if (!res) {
		rc = OOM();
		goto done;
	}
	*out = res;
done:
	cmdb__report_period_dispose(&p);
	cmdb_schema_free(schema);
	json_decref(svcs);
	json_decref(incs);
	json_decref(rows);
	json_decref(c.services);
	cmdb__sla_graph_free(c.graph);
	return rc;
}

static int put_row(cmdb_buf *b, const json_t *s)
{
	const json_t *t = json_object_get(s, "target"), *inc;
	char target[32] = "-";
	const char *met = json_is_true(json_object_get(s, "met")) ? "yes"
		: json_is_false(json_object_get(s, "met"))        ? "no"
								  : "-";
	size_t i;
	int rc;

	if (json_is_number(t))
		snprintf(target, sizeof(target), "%.3f", json_number_value(t));
	rc = cmdb__buf_printf(b, "%-32s %8s %9.4f %11.2f %4s ",
		json_string_value(json_object_get(s, "id")), target,
		json_number_value(json_object_get(s, "availability")),
		json_number_value(json_object_get(s, "outage_minutes")), met);
	json_array_foreach(json_object_get(s, "incidents"), i, inc)
	{
		if (rc == 0)
			rc = cmdb__buf_printf(b, "%s%s", i ? "," : "",
				json_string_value(json_object_get(inc, "id")));
	}
	if (rc == 0 && !json_array_size(json_object_get(s, "incidents")))
		rc = cmdb__buf_puts(b, "-");
	return rc == 0 ? cmdb__buf_puts(b, "\n") : rc;
}

int cmdb_sla_format_text(char **out, const json_t *sla)
{
	cmdb_buf b;
	const json_t *s;
	size_t i;
	int rc;

	*out = NULL;
	cmdb__buf_init(&b, 0);
	rc = cmdb__buf_printf(&b, "period %s .. %s (%.2f min)\n%-32s %8s %9s %11s %4s %s\n",
		json_string_value(json_object_get(sla, "since")),
		json_string_value(json_object_get(sla, "until")),
		json_number_value(json_object_get(sla, "period_minutes")), "SERVICE", "TARGET",
		"ACHIEVED", "OUTAGE_MIN", "MET", "INCIDENTS");
	json_array_foreach(json_object_get(sla, "services"), i, s)
	{
		if (rc == 0)
			rc = put_row(&b, s);
	}
	if (rc == 0 && !json_array_size(json_object_get(sla, "services")))
		rc = cmdb__buf_puts(&b, "no business services\n");
	if (rc < 0) {
		cmdb__buf_dispose(&b);
		return OOM();
	}
	*out = cmdb__buf_detach(&b, NULL);
	return *out ? 0 : OOM();
}
