/*
 * bench_index: build a synthetic CMDB repository (N hosts with ~400 real package
 * names/versions each, services, applications, groups, ~5 relations per item),
 * M scan commits each drifting D % of the hosts, then time the history index
 * and the queries on top of it. Prints figures; it is not a test.
 *
 *   bench_index [--hosts 1000] [--scans 200] [--drift 2] [--runs 21] [--dir DIR]
 *
 * The repository is written straight with libgit2 (blobs, tree builders,
 * commits), as the scanner would produce it but without ssh. --dir keeps the
 * repository and index in DIR (default: a temp dir, removed afterwards).
 * Package data: bench/data/{dpkg,rpm}-packages.tsv (see PROVENANCE.tsv there).
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/index.h"
#include "gitcmdb/query.h"

#include "gen_repo.h"

/* ---- measurements ---- */

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

static double last_cpu; /* CPU median of the last time_query / timed step */

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

/* What `gitcmdb show ID --at WHEN` reads: resolve WHEN, fetch the version, parse it. */
static void show_at(cmdb_index *idx, const char *id, const char *when)
{
	sqlite3_stmt *st = NULL;
	long long seq;
	json_t *doc = NULL;

	if (cmdb_index_resolve_when(&seq, idx, when) < 0 ||
		sqlite3_prepare_v2(cmdb_index_db(idx),
			"SELECT doc FROM item_versions WHERE id = ?1 AND from_seq <= ?2 AND"
			" (to_seq IS NULL OR to_seq > ?2)",
			-1, &st, NULL) != SQLITE_OK)
		die("show");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if (sqlite3_step(st) != SQLITE_ROW ||
		!(doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL)))
		die("show: no version");
	json_decref(doc);
	sqlite3_finalize(st);
}

/* What `gitcmdb history ID` reads: every version with its commit, and the attribute rows. */
static int history(cmdb_index *idx, const char *id)
{
	static const char *const sql[] = {
		"SELECT v.from_seq, v.to_seq, c.oid, c.time, c.summary FROM item_versions v"
		" JOIN commits c ON c.seq = v.from_seq WHERE v.id = ?1 ORDER BY v.from_seq",
		"SELECT path, value, vtype, from_seq, to_seq FROM attrs WHERE id = ?1"
		" ORDER BY path, from_seq"};
	int rows = 0;

	for (int q = 0; q < 2; q++) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(cmdb_index_db(idx), sql[q], -1, &st, NULL) != SQLITE_OK)
			die("history");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			rows++;
		sqlite3_finalize(st);
	}
	return rows;
}

static long long count(cmdb_index *idx, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(cmdb_index_db(idx), sql, -1, &st, NULL) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

typedef enum {
	Q_SHOW,
	Q_HISTORY,
	Q_IMPACT,
	Q_IMPACT_UP,
	Q_FIND,
	Q_FIND_WILD,
	Q_FIND_EQ,
	Q_DIFF
} qkind;

static double time_query(gen *g, cmdb_index *idx, cmdb_schema *schema, qkind k, long long *size)
{
	double *t = calloc((size_t)g->runs, sizeof(*t)), *c = calloc((size_t)g->runs, sizeof(*c)),
	       m;
	char id[64], when[32];

	for (int r = 0; r < g->runs; r++) {
		int hnum = (int)(rnd(g) % (uint64_t)g->hosts);
		cmdb_impact_opts o = CMDB_IMPACT_OPTS_INIT;
		json_t *res = NULL;
		time_t w = (time_t)(BASE_TIME +
			3600 * (1 + (long long)(rnd(g) % (uint64_t)(g->scans + 1))));
		struct tm tm;
		double t0, c0;

		snprintf(id, sizeof(id), "host/h%04d", hnum);
		gmtime_r(&w, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		t0 = now_ms();
		c0 = cpu_ms();
		switch (k) {
		case Q_SHOW: show_at(idx, id, when); break;
		case Q_HISTORY: *size = history(idx, id); break;
		case Q_IMPACT:
		case Q_IMPACT_UP:
			o.upstream = k == Q_IMPACT_UP;
			if (cmdb_impact(&res, idx, schema, id, &o) < 0)
				die("impact");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_FIND:
			if (cmdb_find(&res, idx, "attributes.packages.openssl.version<3.0.13",
				    NULL) < 0)
				die("find");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_FIND_WILD:
			if (cmdb_find(&res, idx,
				    "attributes.packages.*.version>=1.0,attributes.os.id=rhel",
				    NULL) < 0)
				die("find");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_FIND_EQ:
			if (cmdb_find(&res, idx,
				    "attributes.os.id=debian, annotations.owner~^team-1", NULL) < 0)
				die("find");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_DIFF:
			snprintf(when, sizeof(when), "main~%d", g->scans < 10 ? g->scans : 10);
			if (cmdb_estate_diff(&res, idx, when, NULL) < 0)
				die("diff");
			*size = (long long)json_array_size(json_object_get(res, "changed"));
			break;
		}
		t[r] = now_ms() - t0;
		c[r] = cpu_ms() - c0;
		json_decref(res);
	}
	m = median(t, g->runs);
	last_cpu = median(c, g->runs);
	free(t);
	free(c);
	return m;
}

static void usage(void)
{
	fputs("usage: bench_index [--hosts N] [--scans M] [--drift PERCENT] [--runs R] [--dir "
	      "DIR]\n",
		stderr);
	exit(2);
}

static void parse_args(gen *g, int argc, char **argv)
{
	/* Every option takes a value: step over both. */
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(argv[i], "--hosts"))
			g->hosts = atoi(v);
		else if (!strcmp(argv[i], "--scans"))
			g->scans = atoi(v);
		else if (!strcmp(argv[i], "--drift"))
			g->drift = atoi(v);
		else if (!strcmp(argv[i], "--runs"))
			g->runs = atoi(v);
		else if (!strcmp(argv[i], "--dir"))
			g->dir = v;
		else
			usage();
	}
	if (g->hosts < 2 || g->hosts > 9999 || g->scans < 1 || g->drift < 0 || g->drift > 100 ||
		g->runs < 1)
		usage();
}

/* The machine is shared: say how busy it was, since wall times depend on it. */
static void print_load(const char *when)
{
	FILE *f = fopen("/proc/loadavg", "r");
	char buf[128] = "?";

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "?\n");
		fclose(f);
	}
	printf("  load average %s: %s", when, buf);
}

static void row(const char *what, double ms, const char *target, const char *note)
{
	printf("  %-34s %10.1f ms %10.1f ms   %-10s %s\n", what, ms, last_cpu, target,
		note ? note : "");
}

int main(int argc, char **argv)
{
	gen g = {1000, 200, 2, 21, NULL, {{NULL, 0}, {NULL, 0}}, NULL, NULL, {{0}}, {{0}},
		BASE_TIME, 0x9e3779b97f4a7c15ull, 0};
	char *tmp = NULL, path[4200], note[128], src[4096], cmd[4400], *slash;
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	cmdb_schema *schema = NULL;
	double t0, c0, tgen, tfull, cfull, tinc[5], cinc[5];
	long long n = 0;
	struct stat st;
	int added = 0;

	setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as they are measured */
	parse_args(&g, argc, argv);
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
	snprintf(path, sizeof(path), "%s/repo.git", g.dir);
	if (git_repository_init(&g.repo, path, 1) < 0)
		die(path);

	printf("bench_index: %d hosts x %d scans x %d %% drift, %d packages/host, %d runs/query\n",
		g.hosts, g.scans, g.drift, PKGS_PER_HOST, g.runs);
	print_load("before");
	t0 = now_ms();
	initial_commit(&g);
	for (int s = 1; s <= g.scans; s++)
		scan_commit(&g, s);
	tgen = now_ms() - t0;
	printf("  generated %d commits in %.1f s (%s)\n", g.commits, tgen / 1e3, path);

	if (cmdb_repo_open(&repo, path) < 0)
		die("open repo");
	snprintf(path, sizeof(path), "%s/index.db", g.dir);
	t0 = now_ms();
	c0 = cpu_ms();
	if (cmdb_index_open(&idx, repo, path, CMDB_INDEX_REFRESH) < 0)
		die("full index");
	tfull = now_ms() - t0;
	cfull = cpu_ms() - c0;
	for (int r = 0; r < 5; r++) {
		scan_commit(&g, g.scans + 1 + r);
		t0 = now_ms();
		c0 = cpu_ms();
		if (cmdb_index_refresh(idx, &added) < 0 || added != 1)
			die("incremental index");
		tinc[r] = now_ms() - t0;
		cinc[r] = cpu_ms() - c0;
	}
	g.scans += 5;
	if (cmdb_schema_load_builtin(&schema) < 0)
		die("schema");

	printf("\n  estate: %lld items, %lld current relations, %lld attribute rows, %lld "
	       "commits\n",
		count(idx, "SELECT count(*) FROM items"),
		count(idx, "SELECT count(*) FROM relations WHERE to_seq IS NULL"),
		count(idx, "SELECT count(*) FROM attrs"),
		count(idx, "SELECT count(*) FROM commits"));
	printf("\n  %-34s %13s %13s   %-10s %s\n", "operation", "wall", "cpu", "target", "");
	last_cpu = cfull;
	row("full index", tfull, "<= 30000", NULL);
	last_cpu = median(cinc, 5);
	row("incremental index (1 scan commit)", median(tinc, 5), "<= 1000", "median of 5");
	row("show --at (host)", time_query(&g, idx, schema, Q_SHOW, &n), "<= 50", "median");
	n = 0;
	{
		double h = time_query(&g, idx, schema, Q_HISTORY, &n);

		snprintf(note, sizeof(note), "median; %lld rows", n);
		row("history (host: versions + attrs)", h, "<= 50", note);
	}
	{
		double m = time_query(&g, idx, schema, Q_IMPACT, &n);

		snprintf(note, sizeof(note), "median; last run reached %lld items", n);
		row("impact host (downstream)", m, "<= 100", note);
		m = time_query(&g, idx, schema, Q_IMPACT_UP, &n);
		snprintf(note, sizeof(note), "median; last run reached %lld items", n);
		row("impact --upstream host", m, "<= 100", note);
	}
	{
		double m = time_query(&g, idx, schema, Q_FIND, &n);

		snprintf(note, sizeof(note), "median; %lld hosts", n);
		row("find openssl.version<3.0.13", m, "<= 200", note);
		m = time_query(&g, idx, schema, Q_FIND_EQ, &n);
		snprintf(note, sizeof(note), "median; %lld hosts", n);
		row("find os.id=debian, owner~^team-1", m, "<= 200", note);
		m = time_query(&g, idx, schema, Q_FIND_WILD, &n);
		snprintf(note, sizeof(note), "median; %lld hosts", n);
		row("find packages.*.version>=1.0,rhel", m, "", note);
		m = time_query(&g, idx, schema, Q_DIFF, &n);
		snprintf(note, sizeof(note), "median; %lld items changed", n);
		row("diff main~10 (estate, 10 scans)", m, "", note);
	}
	if (stat(path, &st) == 0) {
		double mib = st.st_size / 1048576.0;

		snprintf(cmd, sizeof(cmd), "%s-wal",
			path); /* not yet checkpointed pages count too */
		if (stat(cmd, &st) == 0)
			mib += st.st_size / 1048576.0;
		printf("  %-34s %10.1f MiB (with -wal)\n", "database size", mib);
	}
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s/repo.git' log --raw main >/dev/null", g.dir);
	t0 = now_ms();
	if (system(cmd) != 0)
		die("git log --raw");
	printf("  %-34s %10.1f ms %13s   %-10s %s\n", "git log --raw (floor)", now_ms() - t0, "-",
		"", "one walk of the history (child process)");
	print_load("after");

	cmdb_schema_free(schema);
	cmdb_index_free(idx);
	cmdb_repo_free(repo);
	git_repository_free(g.repo);
	if (tmp) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_index: could not remove %s\n", tmp);
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
	cmdb_shutdown();
	return 0;
}
