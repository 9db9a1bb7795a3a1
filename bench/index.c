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

/* The changes an item history holds, over all its versions. */
static long long history_changes(const json_t *h)
{
	const json_t *v;
	long long n = 0;
	size_t i;

	json_array_foreach(json_object_get(h, "versions"), i, v) n +=
		(long long)json_array_size(json_object_get(v, "changes"));
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

/* The queries timed after show and history: what, target, and what n counts. */
static const struct {
	qkind kind;
	const char *what, *target, *unit;
} queries[] = {
	{Q_IMPACT, "impact host (downstream)", "<= 100", "items reached (last run)"},
	{Q_IMPACT_UP, "impact --upstream host", "<= 100", "items reached (last run)"},
	{Q_FIND, "find openssl.version<3.0.13", "<= 200", "hosts"},
	{Q_FIND_EQ, "find os.id=debian, owner~^team-1", "<= 200", "hosts"},
	{Q_FIND_WILD, "find packages.*.version>=1.0,rhel", "", "hosts"},
	{Q_DIFF, "diff main~10 (estate, 10 scans)", "", "items changed"},
};

/* The median wall time of g->runs runs of k on random hosts and times; *size (history:
 * size[0] versions, size[1] changes) tells how big the last answer was. */
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
		case Q_SHOW: /* what `gitcmdb show ID --at WHEN --json` prints */
			if (cmdb_index_item_at(&res, idx, id, when) < 0)
				die("show");
			break;
		case Q_HISTORY: /* what `gitcmdb history ID --json` prints */
			if (cmdb_index_item_history(&res, idx, id, NULL) < 0)
				die("history");
			size[0] = (long long)json_array_size(json_object_get(res, "versions"));
			size[1] = history_changes(res);
			break;
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
	cmdb_index_counts counts;
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

	if (cmdb_index_count(&counts, idx) < 0)
		die("count");
	printf("\n  estate: %lld items, %lld current relations, %lld attribute rows, %lld "
	       "commits\n",
		counts.items_ever, counts.relations, counts.attr_rows, counts.commits);
	printf("\n  %-34s %13s %13s   %-10s %s\n", "operation", "wall", "cpu", "target", "");
	last_cpu = cfull;
	row("full index", tfull, "<= 30000", NULL);
	last_cpu = median(cinc, 5);
	row("incremental index (1 scan commit)", median(tinc, 5), "<= 1000", "median of 5");
	row("show --at (host)", time_query(&g, idx, schema, Q_SHOW, &n), "<= 50", "median");
	{
		long long hn[2] = {0, 0};
		double h = time_query(&g, idx, schema, Q_HISTORY, hn);

		snprintf(note, sizeof(note), "median; last: %lld versions, %lld changes", hn[0],
			hn[1]);
		row("history (host, every version)", h, "<= 50", note);
	}
	for (size_t q = 0; q < sizeof(queries) / sizeof(*queries); q++) {
		double m = time_query(&g, idx, schema, queries[q].kind, &n);

		snprintf(note, sizeof(note), "median; %lld %s", n, queries[q].unit);
		row(queries[q].what, m, queries[q].target, note);
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
