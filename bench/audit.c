/*
 * bench_audit: the index benchmark's estate (bench/gen_repo.h: N hosts x M scans x
 * D % drift) plus change records and incidents, then the cost of the drift
 * bookkeeping (a full index build with it and without it), a whole-history audit,
 * and the incident and change drift queries. Prints figures; it is not a test.
 *
 *   bench_audit [--hosts 1000] [--scans 200] [--drift 2] [--changes 2000]
 *               [--incidents 500] [--runs 21] [--dir DIR] [--reuse]
 *
 * --reuse (with --dir): the DIR of an earlier run (its repo.git and index.db kept):
 * no generation and no full builds, only the audit and the queries, timed.
 * --dump FILE: the last audit's result as JSON (to compare two builds' findings).
 *
 * Changes: one per drift, in order, until --changes are written (committed with
 * the scan that drifts, like a change recorded as it is implemented): 70 % approved
 * with a window around the scan, 10 % approved for a window a day off (they do not
 * match), 10 % requested, 10 % rejected. Incidents: spread over the history, each
 * on one service of a drifting host, opened an hour after that scan.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/index.h"
#include "gitcmdb/query.h"
#include "index/drift.h"

#include "gen_repo.h"

typedef struct {
	int changes, incidents, reuse;
	const char *dump;
	git_oid *chg, *inc; /* blobs written so far */
	int nchg, ninc;
} records;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this process: the machine is shared, so wall time alone overstates. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void iso(char *buf, size_t n, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_change(gen *g, records *r, int host, long long t)
{
	static const char *const status[] = {"approved", "approved", "approved", "approved",
		"approved", "approved", "approved", "approved", "requested", "rejected"};
	int k = r->nchg, s = (int)(rnd(g) % 10);
	long long start = t - 1800 + (s == 7 ? 86400 : 0);
	char text[1024], ws[32], we[32];

	iso(ws, sizeof(ws), start);
	iso(we, sizeof(we), start + 7200);
	snprintf(text, sizeof(text),
		"type: change\nname: CHG-%04d\nattributes:\n  summary: patch h%04d\n  type: "
		"normal\n  status: %s\n%s  window: {start: \"%s\", end: \"%s\"}\nrelations:\n  "
		"affects: [host/h%04d]\n",
		k + 1, host, status[s], strcmp(status[s], "approved") ? "" : "  approved_by: cab\n",
		ws, we, host);
	r->chg[r->nchg++] = blob_of(g, text, strlen(text));
}

static void write_incident(gen *g, records *r, int host, long long t)
{
	char text[1024], op[32];

	iso(op, sizeof(op), t + 3600);
	snprintf(text, sizeof(text),
		"type: incident\nname: INC-%04d\nattributes:\n  summary: svc down\n  status: "
		"open\n  severity: high\n  opened: \"%s\"\nrelations:\n  affects: "
		"[service/h%04d/svc%d]\n",
		r->ninc + 1, op, host, (int)(rnd(g) % SVCS_PER_HOST));
	r->inc[r->ninc++] = blob_of(g, text, strlen(text));
}

static git_oid record_tree(gen *g, const git_oid *blobs, int n, const char *prefix)
{
	git_treebuilder *tb = tb_new(g);
	char name[32];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%04d.yaml", prefix, i + 1);
		tb_put(tb, name, &blobs[i], 0);
	}
	return tb_done(tb);
}

/* scan_commit of gen_repo.h plus the records of its drifts. */
static void scan_with_records(gen *g, records *r, int n, int incident_every)
{
	git_treebuilder *root = NULL;
	git_tree *prev = NULL;
	int changed = g->hosts * g->drift / 100;
	long long t = g->now + 3600; /* commit() adds the hour */
	char msg[128];
	git_oid tr;

	if (changed < 1)
		changed = 1;
	for (int c = 0; c < changed; c++) {
		int i = (int)(rnd(g) % (uint64_t)g->hosts), ups = 1 + (int)(rnd(g) % 3);

		for (int u = 0; u < ups; u++)
			g->h[i].gen[rnd(g) % PKGS_PER_HOST]++;
		write_host(g, i);
		if (r->nchg < r->changes)
			write_change(g, r, i, t);
		if (c == 0 && r->ninc < r->incidents && n % incident_every == 0)
			write_incident(g, r, i, t);
	}
	if (git_tree_lookup(&prev, g->repo, &g->root_tree) < 0 ||
		git_treebuilder_new(&root, g->repo, prev) < 0)
		die("root tree");
	tr = host_tree(g);
	tb_put(root, "host", &tr, 1);
	if (r->nchg) {
		tr = record_tree(g, r->chg, r->nchg, "CHG");
		tb_put(root, "change", &tr, 1);
	}
	if (r->ninc) {
		tr = record_tree(g, r->inc, r->ninc, "INC");
		tb_put(root, "incident", &tr, 1);
	}
	g->root_tree = tb_done(root);
	git_tree_free(prev);
	snprintf(msg, sizeof(msg), "scan: %d hosts, %d changed\n\nScan-Id: bench-%04d\n", g->hosts,
		changed, n);
	commit(g, &g->root_tree, msg);
}

static double last_cpu; /* CPU ms of the last measured step */

static double full_build(cmdb_repo *repo, const char *path, int off)
{
	cmdb_index *idx = NULL;
	double t0, c0;

	remove(path);
	cmdb__drift_off = off;
	t0 = now_ms();
	c0 = cpu_ms();
	if (cmdb_index_open(&idx, repo, path, CMDB_INDEX_REFRESH) < 0)
		die(cmdb_error_last());
	t0 = now_ms() - t0;
	last_cpu = cpu_ms() - c0;
	cmdb_index_free(idx);
	cmdb__drift_off = 0;
	return t0;
}

static void parse(gen *g, records *r, int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) { /* --flag VALUE pairs, and --reuse */
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--reuse")) {
			r->reuse = 1;
			i--;
			continue;
		}
		if (!v)
			die("usage: bench_audit [--hosts N] [--scans N] [--drift PCT] [--changes "
			    "N] "
			    "[--incidents N] [--runs N] [--dir DIR] [--reuse]");
		if (!strcmp(argv[i], "--hosts"))
			g->hosts = atoi(v);
		else if (!strcmp(argv[i], "--scans"))
			g->scans = atoi(v);
		else if (!strcmp(argv[i], "--drift"))
			g->drift = atoi(v);
		else if (!strcmp(argv[i], "--changes"))
			r->changes = atoi(v);
		else if (!strcmp(argv[i], "--incidents"))
			r->incidents = atoi(v);
		else if (!strcmp(argv[i], "--runs"))
			g->runs = atoi(v);
		else if (!strcmp(argv[i], "--dir"))
			g->dir = v;
		else if (!strcmp(argv[i], "--dump"))
			r->dump = v;
		else
			die(argv[i]);
	}
}

int main(int argc, char **argv)
{
	gen g = {1000, 200, 2, 21, NULL, {{NULL, 0}, {NULL, 0}}, NULL, NULL, {{0}}, {{0}},
		BASE_TIME, 0x9e3779b97f4a7c15ull, 0};
	records r = {2000, 500, 0, NULL, NULL, NULL, 0, 0};
	char *tmp = NULL, path[4200], src[4096], cmd[4400], *slash, id[32];
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	json_t *res = NULL;
	double off, on, coff, con, t[64], cpu[64];
	int runs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(&g, &r, argc, argv);
	runs = g.runs > 64 ? 64 : g.runs < 1 ? 1 : g.runs;
	if (cmdb_init() < 0)
		die("init");
	snprintf(src, sizeof(src) - 64, "%s", __FILE__);
	if ((slash = strrchr(src, '/')))
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/data/dpkg-packages.tsv", src);
	load_list(&g.lists[0], path);
	snprintf(path, sizeof(path), "%s/data/rpm-packages.tsv", src);
	load_list(&g.lists[1], path);
	if (!g.dir) {
		tmp = strdup("/tmp/gitcmdb-bench-XXXXXX");
		if (!mkdtemp(tmp))
			die("mkdtemp");
		g.dir = tmp;
	}
	g.h = calloc((size_t)g.hosts, sizeof(*g.h));
	r.chg = calloc((size_t)r.changes + 1, sizeof(*r.chg));
	r.inc = calloc((size_t)r.incidents + 1, sizeof(*r.inc));
	snprintf(path, sizeof(path), "%s/repo.git", g.dir);
	if (r.reuse) {
		if (tmp)
			die("--reuse needs --dir DIR of an earlier run");
		if (cmdb_repo_open(&repo, path) < 0)
			die(cmdb_error_last());
		r.nchg = r.changes;
		r.ninc = r.incidents;
		snprintf(path, sizeof(path), "%s/index.db", g.dir);
		printf("bench_audit: reusing %s (no generation, no full builds)\n", g.dir);
		goto queries;
	}
	if (git_repository_init(&g.repo, path, 1) < 0)
		die(path);
	printf("bench_audit: %d hosts x %d scans x %d %% drift, %d changes, %d incidents\n",
		g.hosts, g.scans, g.drift, r.changes, r.incidents);
	initial_commit(&g);
	for (int s = 1; s <= g.scans; s++)
		scan_with_records(&g, &r, s,
			g.scans / (r.incidents ? r.incidents : 1) > 0
				? g.scans / (r.incidents ? r.incidents : 1)
				: 1);
	/* more incidents than scans: the rest on the last scan's hosts, spread in time */
	while (r.ninc < r.incidents)
		write_incident(&g, &r, (int)(rnd(&g) % (uint64_t)g.hosts),
			BASE_TIME + 3600 * (long long)(rnd(&g) % (uint64_t)(g.scans + 1)));
	scan_with_records(&g, &r, g.scans + 1, 1);
	scan_commit(&g, g.scans + 2); /* one plain scan on top */
	printf("  generated %d commits, %d changes, %d incidents\n", g.commits, r.nchg, r.ninc);
	if (cmdb_repo_open(&repo, path) < 0)
		die("open repo");
	snprintf(path, sizeof(path), "%s/index.db", g.dir);
	/* off, on, off, on: the first build pays for cold caches; the best of each counts */
	off = on = coff = con = 1e30;
	for (int k = 0; k < 4; k++) {
		double w = full_build(repo, path, !(k % 2));

		if (k % 2)
			on = w < on ? w : on, con = last_cpu < con ? last_cpu : con;
		else
			off = w < off ? w : off, coff = last_cpu < coff ? last_cpu : coff;
	}
	printf("\n  %-44s %10s %10s   %s\n", "operation", "wall", "cpu", "target");
	printf("  %-44s %8.1f ms %8.1f ms   (best of 2, alternating)\n",
		"full index, drift bookkeeping off", off, coff);
	printf("  %-44s %8.1f ms %8.1f ms   overhead %+.1f %% cpu, %+.1f %% wall (target <= "
	       "25 %%)\n",
		"full index, drift bookkeeping on", on, con, (con / coff - 1) * 100,
		(on / off - 1) * 100);
queries:
	if (cmdb_index_open(&idx, repo, path, CMDB_INDEX_REFRESH) < 0)
		die(cmdb_error_last());
	for (int i = 0; i < 3; i++) {
		double t0 = now_ms(), c0 = cpu_ms();

		if (cmdb_audit(&res, idx, NULL) < 0)
			die(cmdb_error_last());
		t[i] = now_ms() - t0;
		cpu[i] = cpu_ms() - c0;
		printf("  audit run %d: %.1f ms wall, %.1f ms cpu\n", i + 1, t[i], cpu[i]);
		if (i < 2)
			json_decref(res);
	}
	{
		json_t *c = json_object_get(res, "counts");

		printf("  %-44s %8.1f ms %8.1f ms   <= 2000 ms (median of 3; %lld findings: %lld "
		       "unauthorised_drift, %lld change_without_drift, %lld stale_scan)\n",
			"audit, whole history", median(t, 3), median(cpu, 3),
			(long long)json_integer_value(json_object_get(c, "total")),
			(long long)json_integer_value(json_object_get(c, "unauthorised_drift")),
			(long long)json_integer_value(json_object_get(c, "change_without_drift")),
			(long long)json_integer_value(json_object_get(c, "stale_scan")));
		printf("  %-44s (%lld schema_violation, %lld dangling_relation, %lld "
		       "duplicate_identity, %lld emergency_change)\n",
			"", (long long)json_integer_value(json_object_get(c, "schema_violation")),
			(long long)json_integer_value(json_object_get(c, "dangling_relation")),
			(long long)json_integer_value(json_object_get(c, "duplicate_identity")),
			(long long)json_integer_value(json_object_get(c, "emergency_change")));
		if (r.dump && json_dump_file(res, r.dump, JSON_INDENT(1) | JSON_SORT_KEYS) < 0)
			die(r.dump);
		json_decref(res);
	}
	for (int i = 0; i < runs; i++) {
		double t0;

		double c0;

		snprintf(id, sizeof(id), "INC-%04d", 1 + (int)(rnd(&g) % (uint64_t)r.ninc));
		t0 = now_ms();
		c0 = cpu_ms();
		if (cmdb_query_incident_drifts(&res, idx, id, 0) < 0)
			die(cmdb_error_last());
		t[i] = now_ms() - t0;
		cpu[i] = cpu_ms() - c0;
		if (i == runs - 1)
			printf("  %-44s %8.1f ms %8.1f ms   <= 200 ms (median of %d; last: %zu "
			       "items "
			       "in the graph, %zu drifts)\n",
				"incident drifts (72 h look-back)", median(t, runs),
				median(cpu, runs), runs,
				json_array_size(
					json_object_get(json_object_get(res, "impact"), "items")),
				json_array_size(json_object_get(res, "drifts")));
		json_decref(res);
	}
	for (int i = 0; i < runs; i++) {
		double t0;

		snprintf(id, sizeof(id), "CHG-%04d", 1 + (int)(rnd(&g) % (uint64_t)r.nchg));
		t0 = now_ms();
		if (cmdb_query_change_drifts(&res, idx, id) < 0)
			die(cmdb_error_last());
		t[i] = now_ms() - t0;
		if (i == runs - 1)
			printf("  %-44s %8.1f ms   (median of %d; last: %zu drifts, %zu items "
			       "hit)\n",
				"change drifts + downstream impact", median(t, runs), runs,
				json_array_size(json_object_get(res, "drifts")),
				json_array_size(
					json_object_get(json_object_get(res, "impact"), "items")));
		json_decref(res);
	}
	cmdb_index_free(idx);
	cmdb_repo_free(repo);
	if (g.repo)
		git_repository_free(g.repo);
	if (tmp) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_audit: could not remove %s\n", tmp);
		free(tmp);
	}
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < g.lists[l].n; i++) {
			free(g.lists[l].p[i].name);
			free(g.lists[l].p[i].version);
		}
		free(g.lists[l].p);
	}
	free(g.h);
	free(r.chg);
	free(r.inc);
	cmdb_shutdown();
	return 0;
}
