/*
 * cmdb_report_render: the sections of docs/report.md from a cmdb_report_build
 * document, through the escaping writer (render_fmt.c). Output depends only on the
 * document (and dot's drawing), so the same document gives the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/render_fmt.h"
#include "report/render_svg.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))

/* The strings of a list joined with sep (free). */
static char *joined(const json_t *list, const char *sep)
{
	cmdb_buf b;
	const json_t *v;
	size_t i;

	cmdb__buf_init(&b, 0);
	json_array_foreach(list, i, v)
	{
		cmdb__buf_printf(
			&b, "%s%s", i ? sep : "", json_is_string(v) ? json_string_value(v) : "?");
	}
	return cmdb__buf_detach(&b, NULL);
}

static void scope(rw *w, const json_t *m)
{
	const json_t *s = json_object_get(m, "scope");
	char period[128];

	snprintf(period, sizeof(period), "%s .. %s", S(s, "since") ? S(s, "since") : "",
		S(s, "until") ? S(s, "until") : "");
	cmdb__rw_h2(w, "scope", "Scope");
	cmdb__rw_kv(w, "Repository", S(s, "repository"));
	cmdb__rw_kv(w, "Built from commit", S(s, "commit"));
	cmdb__rw_kv(w, "Commit time", S(s, "commit_time"));
	cmdb__rw_kv(w, "Period", period);
	if (S(s, "at_when"))
		cmdb__rw_kv(w, "As of (--at)", S(s, "at_when"));
	if (S(s, "since_when"))
		cmdb__rw_kv(w, "Since (--since)", S(s, "since_when"));
}

static void ci_register(rw *w, const json_t *m)
{
	static const char *const h[] = {"Type", "ID", "Key attributes", "Last successful scan"};
	const json_t *reg = json_object_get(m, "register"), *r;
	char count[64];
	size_t i;

	cmdb__rw_h2(w, "register", "CI register");
	snprintf(count, sizeof(count), "%zu", json_array_size(reg));
	cmdb__rw_kv(w, "Configuration items", count);
	if (!json_array_size(reg))
		return;
	cmdb__rw_table(w, 4, h);
	json_array_foreach(reg, i, r)
	{
		const json_t *ls = json_object_get(r, "last_scan");
		const char *scan = json_is_object(ls)                       ? S(ls, "time")
			: S(r, "source") && !strcmp(S(r, "source"), "scan") ? "never"
									    : "-";
		const char *cells[] = {S(r, "type"), S(r, "id"), S(r, "attributes"), scan};

		cmdb__rw_row(w, cells);
	}
	cmdb__rw_table_end(w);
}

static void changes(rw *w, const json_t *m)
{
	static const char *const h[] = {"Change", "Summary", "Type", "Status", "Approval", "Window",
		"Affects", "Drifts authorised"};
	const json_t *list = json_object_get(m, "changes"), *c, *d;
	size_t i, j;

	cmdb__rw_h2(w, "changes", "Changes in the period");
	if (!json_array_size(list)) {
		cmdb__rw_note(w, "No change records in the period.");
		return;
	}
	cmdb__rw_table(w, 8, h);
	json_array_foreach(list, i, c)
	{
		cmdb_buf b;
		char *aff = joined(json_object_get(c, "affects"), ", "), *dr, *appr, *win;

		cmdb__buf_init(&b, 0);
		json_array_foreach(json_object_get(c, "drifts"), j, d)
		{
			cmdb__buf_printf(&b, "%s%s %s %s (%s)", j ? "; " : "", S(d, "time"),
				S(d, "item"), S(d, "drift"), S(d, "how") ? S(d, "how") : "");
		}
		dr = cmdb__buf_detach(&b, NULL);
		appr = S(c, "approved_by")
			? cmdb__sprintf("approved by %s%s%s", S(c, "approved_by"),
				  S(c, "approved_at") ? " at " : "",
				  S(c, "approved_at") ? S(c, "approved_at") : "")
			: cmdb__strdup("not approved");
		win = S(c, "start") ? cmdb__sprintf("%s .. %s", S(c, "start"), S(c, "end"))
				    : cmdb__strdup("-");
		{
			const char *cells[] = {S(c, "id"), S(c, "summary"), S(c, "type"),
				S(c, "status"), appr, win, aff, dr && *dr ? dr : "none"};

			cmdb__rw_row(w, cells);
		}
		free(aff), free(dr), free(appr), free(win);
	}
	cmdb__rw_table_end(w);
}

static void unauthorised(rw *w, const json_t *m)
{
	static const char *const h[] = {"Time", "CI", "Commit", "Drift", "Candidate changes"};
	const json_t *list = json_object_get(m, "unauthorised"), *f, *c;
	size_t i, j;

	cmdb__rw_h2(w, "unauthorised", "Unauthorised drift");
	if (!json_array_size(list)) {
		cmdb__rw_note(w, "No unauthorised drift in the period.");
		return;
	}
	cmdb__rw_table(w, 5, h);
	json_array_foreach(list, i, f)
	{
		cmdb_buf b;
		char *paths = joined(json_object_get(f, "paths"), ", "), *drift, *cand;

		cmdb__buf_init(&b, 0);
		json_array_foreach(json_object_get(f, "candidates"), j, c)
		{
			cmdb__buf_printf(
				&b, "%s%s: %s", j ? "; " : "", S(c, "change"), S(c, "reason"));
		}
		cand = cmdb__buf_detach(&b, NULL);
		drift = cmdb__sprintf(
			"%s (%s)", S(f, "drift") ? S(f, "drift") : "", paths ? paths : "");
		{
			const char *cells[] = {S(f, "time"), S(f, "item"), S(f, "commit"), drift,
				cand && *cand ? cand : "none"};

			cmdb__rw_row(w, cells);
		}
		free(paths), free(drift), free(cand);
	}
	cmdb__rw_table_end(w);
}

static void incidents(rw *w, const json_t *m)
{
	static const char *const h[] = {"Incident", "Summary", "Severity", "Status", "Opened",
		"Resolved", "Affected CIs", "Correlated drifts", "Problems"};
	const json_t *list = json_object_get(m, "incidents"), *n, *d;
	size_t i, j;

	cmdb__rw_h2(w, "incidents", "Incidents");
	if (!json_array_size(list)) {
		cmdb__rw_note(w, "No incidents in the period.");
		return;
	}
	cmdb__rw_table(w, 9, h);
	json_array_foreach(list, i, n)
	{
		cmdb_buf b;
		char *aff = joined(json_object_get(n, "affects"), ", ");
		char *prb = joined(json_object_get(n, "problems"), ", "), *dr;

		cmdb__buf_init(&b, 0);
		json_array_foreach(json_object_get(n, "drifts"), j, d)
		{
			cmdb__buf_printf(&b, "%s%s %s %s, %s", j ? "; " : "", S(d, "time"),
				S(d, "item"), S(d, "drift"), S(d, "status"));
		}
		dr = cmdb__buf_detach(&b, NULL);
		{
			const char *cells[] = {S(n, "id"), S(n, "summary"), S(n, "severity"),
				S(n, "status"), S(n, "opened"),
				S(n, "resolved") ? S(n, "resolved") : "-", aff,
				dr && *dr ? dr : "none", prb && *prb ? prb : "-"};

			cmdb__rw_row(w, cells);
		}
		free(aff), free(prb), free(dr);
	}
	cmdb__rw_table_end(w);
}

static void coverage(rw *w, const json_t *m)
{
	static const char *const h[] = {"Host", "Failed scans in the period"};
	const json_t *c = json_object_get(m, "coverage"), *f;
	char n[64];
	int stale = 0;
	size_t i;

	cmdb__rw_h2(w, "coverage", "Scan coverage");
	snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(c, "scans")));
	cmdb__rw_kv(w, "Scans in the period", n);
	snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(c, "hosts")));
	cmdb__rw_kv(w, "Scanned hosts in the register", n);
	snprintf(n, sizeof(n), "%zu", json_array_size(json_object_get(c, "scanned")));
	cmdb__rw_kv(w, "Hosts scanned successfully in the period", n);
	snprintf(n, sizeof(n), "%zu", json_array_size(json_object_get(c, "failed")));
	cmdb__rw_kv(w, "Hosts with failed scans", n);
	json_array_foreach(json_object_get(m, "findings"), i, f)
	{
		stale += S(f, "kind") && !strcmp(S(f, "kind"), "stale_scan");
	}
	snprintf(n, sizeof(n), "%d", stale);
	cmdb__rw_kv(w, "Stale hosts (see open findings)", n);
	if (!json_array_size(json_object_get(c, "failed")))
		return;
	cmdb__rw_table(w, 2, h);
	json_array_foreach(json_object_get(c, "failed"), i, f)
	{
		const char *cells[] = {S(f, "id"), n};

		snprintf(n, sizeof(n), "%lld",
			(long long)json_integer_value(json_object_get(f, "failures")));
		cmdb__rw_row(w, cells);
	}
	cmdb__rw_table_end(w);
}

static void graph(rw *w, const json_t *g, const cmdb_report_opts *o)
{
	char *svg = NULL, *items;

	if (w->fmt == CMDB_REPORT_HTML && o && o->dot && S(g, "dot") &&
		cmdb__report_svg(&svg, o->dot, S(g, "dot")) == 0) {
		cmdb__rw_raw(w, "<figure>");
		cmdb__rw_raw(w, svg);
		cmdb__rw_raw(w, "</figure>\n");
		free(svg);
		return;
	}
	cmdb_error_clear();
	items = joined(json_object_get(g, "items"), ", ");
	cmdb__rw_kv(w, "Depends on", items && *items ? items : "nothing");
	free(items);
}

static void service_levels(rw *w, const json_t *m, const cmdb_report_opts *o)
{
	static const char *const h[] = {"Business service", "Target %", "Hours", "Achieved %",
		"Outage (min)", "Met", "Contributing incidents"};
	const json_t *sla = json_object_get(m, "sla"), *s, *n, *g;
	char period[160], t[32], a[32], out[32];
	size_t i, j;

	cmdb__rw_h2(w, "sla", "Service levels");
	snprintf(period, sizeof(period), "%s .. %s (%.2f min)", S(sla, "since"), S(sla, "until"),
		json_number_value(json_object_get(sla, "period_minutes")));
	cmdb__rw_kv(w, "Period", period);
	if (!json_array_size(json_object_get(sla, "services"))) {
		cmdb__rw_note(w, "No business services.");
		return;
	}
	cmdb__rw_table(w, 7, h);
	json_array_foreach(json_object_get(sla, "services"), i, s)
	{
		const json_t *met = json_object_get(s, "met");
		cmdb_buf b;
		char *inc;

		cmdb__buf_init(&b, 0);
		json_array_foreach(json_object_get(s, "incidents"), j, n)
		{
			cmdb__buf_printf(&b, "%s%s (%.2f min)", j ? "; " : "", S(n, "id"),
				json_number_value(json_object_get(n, "minutes")));
		}
		inc = cmdb__buf_detach(&b, NULL);
		snprintf(t, sizeof(t), "%.3f", json_number_value(json_object_get(s, "target")));
		snprintf(a, sizeof(a), "%.4f",
			json_number_value(json_object_get(s, "availability")));
		snprintf(out, sizeof(out), "%.2f",
			json_number_value(json_object_get(s, "outage_minutes")));
		{
			const char *cells[] = {S(s, "id"),
				json_is_number(json_object_get(s, "target")) ? t : "-",
				S(s, "hours") ? S(s, "hours") : "-", a, out,
				json_is_true(met)            ? "yes"
					: json_is_false(met) ? "NO"
							     : "-",
				inc && *inc ? inc : "none"};

			cmdb__rw_row(w, cells);
		}
		free(inc);
	}
	cmdb__rw_table_end(w);
	json_array_foreach(json_object_get(m, "graphs"), i, g)
	{
		char *title = cmdb__sprintf("Dependencies of %s", S(g, "id"));

		cmdb__rw_h3(w, title);
		free(title);
		graph(w, g, o);
	}
}

static void findings(rw *w, const json_t *m)
{
	static const char *const h[] = {"Time", "Kind", "Item", "Explanation"};
	const json_t *list = json_object_get(m, "findings"), *f,
		     *counts = json_object_get(m, "counts");
	static const char *const kinds[] = {"unauthorised_drift", "stale_scan", "dangling_relation",
		"schema_violation", "duplicate_identity", "change_without_drift",
		"emergency_change", "total", NULL};
	char n[32];
	size_t i;

	cmdb__rw_h2(w, "findings", "Open audit findings");
	for (const char *const *k = kinds; *k; k++) {
		snprintf(n, sizeof(n), "%lld",
			(long long)json_integer_value(json_object_get(counts, *k)));
		cmdb__rw_kv(w, *k, n);
	}
	if (!json_array_size(list)) {
		cmdb__rw_note(w, "No other findings (unauthorised drift is listed above).");
		return;
	}
	cmdb__rw_table(w, 4, h);
	json_array_foreach(list, i, f)
	{
		const char *cells[] = {S(f, "time") ? S(f, "time") : "-", S(f, "kind"),
			S(f, "item"), S(f, "explanation")};

		cmdb__rw_row(w, cells);
	}
	cmdb__rw_table_end(w);
}

int cmdb_report_render(char **out, size_t *len, const json_t *m, cmdb_report_format format,
	const cmdb_report_opts *opts)
{
	rw w;

	*out = NULL;
	if (len)
		*len = 0;
	cmdb__rw_init(&w, format);
	cmdb__rw_begin(&w, "gitcmdb evidence report");
	scope(&w, m);
	ci_register(&w, m);
	changes(&w, m);
	unauthorised(&w, m);
	incidents(&w, m);
	coverage(&w, m);
	service_levels(&w, m, opts);
	findings(&w, m);
	cmdb__rw_end(&w);
	if (w.rc < 0) {
		cmdb__buf_dispose(&w.b);
		return w.rc;
	}
	*out = cmdb__buf_detach(&w.b, len);
	return *out ? 0 : OOM();
}
