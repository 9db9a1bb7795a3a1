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

#include "buf.h"
#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/index.h"
#include "gitcmdb/query.h"

#define PKGS_PER_HOST 400
#define SVCS_PER_HOST 8
#define BASE_TIME 1767225600LL /* 2026-01-01T00:00:00Z */

typedef struct {
	char *name, *version;
} pkg;

typedef struct {
	pkg *p;
	size_t n;
} pkg_list;

typedef struct {
	int rpm;                    /* 0: debian/ubuntu (dpkg list), 1: rhel (rpm list) */
	uint16_t idx[PKGS_PER_HOST]; /* which packages of its list, sorted by name */
	uint16_t gen[PKGS_PER_HOST]; /* how many times each was upgraded */
	git_oid blob;
} host_state;

typedef struct {
	int hosts, scans, drift, runs;
	const char *dir;
	pkg_list lists[2];
	host_state *h;
	git_repository *repo;
	git_oid root_tree, head;
	long long now;
	uint64_t rng;
	int commits;
} gen;

static uint64_t rnd(gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

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

static void die(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "bench_index: %s: %s\n", what,
		cmdb_error_last_code() ? cmdb_error_last() : e ? e->message : "failed");
	exit(1);
}

static int cmp_pkg(const void *a, const void *b)
{
	return strcmp(((const pkg *)a)->name, ((const pkg *)b)->name);
}

static void load_list(pkg_list *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n'), *colon;

		if (!tab)
			continue;
		*tab = '\0';
		if (nl)
			*nl = '\0';
		if ((colon = strchr(line, ':')))
			*colon = '\0'; /* "libc6:amd64" -> "libc6" */
		l->p = realloc(l->p, (l->n + 1) * sizeof(*l->p));
		l->p[l->n].name = strdup(line);
		l->p[l->n++].version = strdup(tab + 1);
	}
	fclose(f);
	qsort(l->p, l->n, sizeof(*l->p), cmp_pkg);
	/* one entry per name (rpm lists gpg-pubkey many times): YAML keys must be unique */
	for (size_t i = 1, k = 1; i <= l->n; i++) {
		if (i == l->n) {
			l->n = k;
			break;
		}
		if (!strcmp(l->p[i].name, l->p[k - 1].name)) {
			free(l->p[i].name);
			free(l->p[i].version);
		} else {
			l->p[k++] = l->p[i];
		}
	}
	if (l->n < PKGS_PER_HOST)
		die("package list shorter than PKGS_PER_HOST");
}

static git_oid blob_of(gen *g, const char *s, size_t len)
{
	git_oid oid;

	if (git_blob_create_from_buffer(&oid, g->repo, s, len) < 0)
		die("write blob");
	return oid;
}

/* The host item as the scanner writes it: canonical key order, versions quoted. */
static void write_host(gen *g, int i)
{
	host_state *h = &g->h[i];
	pkg_list *l = &g->lists[h->rpm];
	cmdb_buf b = CMDB_BUF_INIT(1u << 24);

	cmdb__buf_printf(&b, "type: host\nname: h%04d\nsource: scan\nattributes:\n  hardware:\n"
			     "    cpus: %d\n    memory_mb: %d\n  network:\n    interfaces:\n      eth0:\n"
			     "        addresses: [10.%d.%d.%d/16]\n        mtu: 1500\n  os:\n"
			     "    id: %s\n    version: \"%s\"\n  packages:\n",
		i, 2 << (i % 4), 4096 << (i % 3), i / 65536, (i / 256) % 256, i % 256,
		h->rpm ? "rhel" : (i % 3 ? "debian" : "ubuntu"), h->rpm ? "9.3" : "12");
	for (int k = 0; k < PKGS_PER_HOST; k++) {
		const pkg *p = &l->p[h->idx[k]];

		if (h->gen[k])
			cmdb__buf_printf(&b, "    %s:\n      arch: x86_64\n      version: \"%s+b%u\"\n",
				p->name, p->version, h->gen[k]);
		else
			cmdb__buf_printf(&b, "    %s:\n      arch: x86_64\n      version: \"%s\"\n",
				p->name, p->version);
	}
	cmdb__buf_printf(&b, "annotations:\n  environment: %s\n  owner: team-%d\nrelations:\n"
			     "  depends_on: [host/h%04d, host/h%04d]\n  member_of: [group/g%03d]\n",
		i % 5 ? "production" : "staging", i % 20, (i * 7 + 1) % g->hosts,
		(i * 13 + 2) % g->hosts, i % 100);
	h->blob = blob_of(g, b.ptr, b.len);
	cmdb__buf_dispose(&b);
}

static void tb_put(git_treebuilder *tb, const char *name, const git_oid *oid, int tree)
{
	if (git_treebuilder_insert(NULL, tb, name, oid, tree ? GIT_FILEMODE_TREE : GIT_FILEMODE_BLOB) < 0)
		die("tree insert");
}

static git_oid tb_done(git_treebuilder *tb)
{
	git_oid oid;

	if (git_treebuilder_write(&oid, tb) < 0)
		die("tree write");
	git_treebuilder_free(tb);
	return oid;
}

static git_treebuilder *tb_new(gen *g)
{
	git_treebuilder *tb = NULL;

	if (git_treebuilder_new(&tb, g->repo, NULL) < 0)
		die("tree builder");
	return tb;
}

static git_oid host_tree(gen *g)
{
	git_treebuilder *tb = tb_new(g);
	char name[32];

	for (int i = 0; i < g->hosts; i++) {
		snprintf(name, sizeof(name), "h%04d.yaml", i);
		tb_put(tb, name, &g->h[i].blob, 0);
	}
	return tb_done(tb);
}

/* service/h0001/svcN.yaml: runs on its host, connects to 3 others, depends on 1. */
static git_oid service_tree(gen *g)
{
	git_treebuilder *top = tb_new(g);
	char name[64], text[1024];
	int S = g->hosts * SVCS_PER_HOST;

	for (int i = 0; i < g->hosts; i++) {
		git_treebuilder *tb = tb_new(g);
		git_oid sub;

		for (int s = 0; s < SVCS_PER_HOST; s++) {
			int id = i * SVCS_PER_HOST + s, c[4];

			for (int k = 0; k < 4; k++)
				c[k] = (int)(rnd(g) % (uint64_t)S);
			snprintf(text, sizeof(text),
				"type: service\nname: svc%d\nsource: scan\nattributes:\n  state: running\n"
				"  unit: svc%d.service\nrelations:\n"
				"  connects_to: [service/h%04d/svc%d, service/h%04d/svc%d, service/h%04d/svc%d]\n"
				"  depends_on: [service/h%04d/svc%d]\n  runs_on: [host/h%04d]\n",
				s, s, c[0] / SVCS_PER_HOST, c[0] % SVCS_PER_HOST, c[1] / SVCS_PER_HOST,
				c[1] % SVCS_PER_HOST, c[2] / SVCS_PER_HOST, c[2] % SVCS_PER_HOST,
				c[3] / SVCS_PER_HOST, c[3] % SVCS_PER_HOST, i);
			snprintf(name, sizeof(name), "svc%d.yaml", s);
			git_oid oid = blob_of(g, text, strlen(text));
			tb_put(tb, name, &oid, 0);
			(void)id;
		}
		sub = tb_done(tb);
		snprintf(name, sizeof(name), "h%04d", i);
		tb_put(top, name, &sub, 1);
	}
	return tb_done(top);
}

/* Hand-written CIs: applications need 10 services, business services 10 applications. */
static git_oid simple_tree(gen *g, const char *type, int count, const char *rel, const char *dtype,
	int dcount, int fanout)
{
	git_treebuilder *tb = tb_new(g);
	cmdb_buf b = CMDB_BUF_INIT(1u << 20);
	char name[64];

	for (int i = 0; i < count; i++) {
		b.len = 0;
		cmdb__buf_printf(&b, "type: %s\nname: %c%03d\nsource: manual\n", type, type[0], i);
		if (rel) {
			cmdb__buf_printf(&b, "relations:\n  %s: [", rel);
			for (int k = 0; k < fanout; k++) {
				int d = (int)(rnd(g) % (uint64_t)dcount);

				if (!strcmp(dtype, "service"))
					cmdb__buf_printf(&b, "%sservice/h%04d/svc%d", k ? ", " : "",
						d / SVCS_PER_HOST, d % SVCS_PER_HOST);
				else
					cmdb__buf_printf(&b, "%s%s/%c%03d", k ? ", " : "", dtype, dtype[0], d);
			}
			cmdb__buf_puts(&b, "]\n");
		}
		snprintf(name, sizeof(name), "%c%03d.yaml", type[0], i);
		git_oid oid = blob_of(g, b.ptr, b.len);
		tb_put(tb, name, &oid, 0);
	}
	cmdb__buf_dispose(&b);
	return tb_done(tb);
}

static void commit(gen *g, const git_oid *tree_oid, const char *msg)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_oid oid;

	g->now += 3600;
	if (git_signature_new(&sig, "gitcmdb scanner", "gitcmdb@localhost", g->now, 0) < 0 ||
		git_tree_lookup(&tree, g->repo, tree_oid) < 0 ||
		(g->commits && git_commit_lookup(&parent, g->repo, &g->head) < 0))
		die("commit setup");
	if (git_commit_create_v(&oid, g->repo, "refs/heads/main", sig, sig, NULL, msg, tree,
		    parent ? 1 : 0, parent) < 0)
		die("commit");
	g->head = oid;
	g->commits++;
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
}

static void initial_commit(gen *g)
{
	git_treebuilder *root = tb_new(g);
	int apps = g->hosts * 85 / 100 + 1, biz = g->hosts / 20 + 1, groups = 100;
	git_oid t;

	for (int i = 0; i < g->hosts; i++) {
		host_state *h = &g->h[i];
		int n = (int)g->lists[(h->rpm = (i % 5 == 4))].n, k = 0;

		/* a sorted random subset of PKGS_PER_HOST packages of the host's list */
		for (int j = 0; j < n && k < PKGS_PER_HOST; j++)
			if ((int)(rnd(g) % (uint64_t)(n - j)) < PKGS_PER_HOST - k)
				h->idx[k++] = (uint16_t)j;
		write_host(g, i);
	}
	t = host_tree(g);
	tb_put(root, "host", &t, 1);
	t = service_tree(g);
	tb_put(root, "service", &t, 1);
	t = simple_tree(g, "application", apps, "depends_on", "service", g->hosts * SVCS_PER_HOST, 10);
	tb_put(root, "application", &t, 1);
	t = simple_tree(g, "business_service", biz, "depends_on", "application", apps, 10);
	tb_put(root, "business_service", &t, 1);
	t = simple_tree(g, "group", groups, NULL, NULL, 0, 0);
	tb_put(root, "group", &t, 1);
	g->root_tree = tb_done(root);
	commit(g, &g->root_tree, "import: synthetic estate\n");
}

/* One scan: drift % of hosts get 1-3 package upgrades; only host/ is rewritten. */
static void scan_commit(gen *g, int n)
{
	git_treebuilder *root = NULL;
	git_tree *prev = NULL;
	int changed = g->hosts * g->drift / 100;
	char msg[128];
	git_oid t;

	if (changed < 1)
		changed = 1;
	for (int c = 0; c < changed; c++) {
		int i = (int)(rnd(g) % (uint64_t)g->hosts), ups = 1 + (int)(rnd(g) % 3);

		for (int u = 0; u < ups; u++)
			g->h[i].gen[rnd(g) % PKGS_PER_HOST]++;
		write_host(g, i);
	}
	t = host_tree(g);
	if (git_tree_lookup(&prev, g->repo, &g->root_tree) < 0 ||
		git_treebuilder_new(&root, g->repo, prev) < 0)
		die("root tree");
	tb_put(root, "host", &t, 1);
	g->root_tree = tb_done(root);
	git_tree_free(prev);
	snprintf(msg, sizeof(msg), "scan: %d hosts, %d changed\n\nScan-Id: bench-%04d\n", g->hosts,
		changed, n);
	commit(g, &g->root_tree, msg);
}

/* ---- measurements ---- */

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
	json_t *doc;

	if (cmdb_index_resolve_when(&seq, idx, when) < 0 ||
		sqlite3_prepare_v2(cmdb_index_db(idx),
			"SELECT doc FROM item_versions WHERE id = ?1 AND from_seq <= ?2 AND"
			" (to_seq IS NULL OR to_seq > ?2)", -1, &st, NULL) != SQLITE_OK)
		die("show");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if (sqlite3_step(st) != SQLITE_ROW || !(doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL)))
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

typedef enum { Q_SHOW, Q_HISTORY, Q_IMPACT, Q_IMPACT_UP, Q_FIND, Q_FIND_WILD, Q_FIND_EQ, Q_DIFF } qkind;

static double time_query(gen *g, cmdb_index *idx, cmdb_schema *schema, qkind k, long long *size)
{
	double *t = calloc((size_t)g->runs, sizeof(*t)), *c = calloc((size_t)g->runs, sizeof(*c)), m;
	char id[64], when[32];

	for (int r = 0; r < g->runs; r++) {
		int hnum = (int)(rnd(g) % (uint64_t)g->hosts);
		cmdb_impact_opts o = CMDB_IMPACT_OPTS_INIT;
		json_t *res = NULL;
		time_t w = (time_t)(BASE_TIME + 3600 * (1 + (long long)(rnd(g) % (uint64_t)(g->scans + 1))));
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
			if (cmdb_find(&res, idx, "attributes.packages.openssl.version<3.0.13", NULL) < 0)
				die("find");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_FIND_WILD:
			if (cmdb_find(&res, idx, "attributes.packages.*.version>=1.0,attributes.os.id=rhel", NULL) < 0)
				die("find");
			*size = (long long)json_array_size(json_object_get(res, "items"));
			break;
		case Q_FIND_EQ:
			if (cmdb_find(&res, idx, "attributes.os.id=debian, annotations.owner~^team-1", NULL) < 0)
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
	fputs("usage: bench_index [--hosts N] [--scans M] [--drift PERCENT] [--runs R] [--dir DIR]\n",
		stderr);
	exit(2);
}

static void parse_args(gen *g, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
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
		i++;
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
	gen g = {1000, 200, 2, 21, NULL, {{NULL, 0}, {NULL, 0}}, NULL, NULL, {{0}}, {{0}}, BASE_TIME,
		0x9e3779b97f4a7c15ull, 0};
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

	printf("\n  estate: %lld items, %lld current relations, %lld attribute rows, %lld commits\n",
		count(idx, "SELECT count(*) FROM items"),
		count(idx, "SELECT count(*) FROM relations WHERE to_seq IS NULL"),
		count(idx, "SELECT count(*) FROM attrs"), count(idx, "SELECT count(*) FROM commits"));
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

		snprintf(cmd, sizeof(cmd), "%s-wal", path); /* not yet checkpointed pages count too */
		if (stat(cmd, &st) == 0)
			mib += st.st_size / 1048576.0;
		printf("  %-34s %10.1f MiB (with -wal)\n", "database size", mib);
	}
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s/repo.git' log --raw main >/dev/null", g.dir);
	t0 = now_ms();
	if (system(cmd) != 0)
		die("git log --raw");
	printf("  %-34s %10.1f ms %13s   %-10s %s\n", "git log --raw (floor)", now_ms() - t0, "-", "",
		"one walk of the history (child process)");
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
