/*
 * The synthetic CMDB repository generator of bench_index (a header so the one
 * benchmark program stays one executable; bench/CMakeLists.txt builds every
 * bench/<name>.c as its own program). Everything is written with libgit2 directly:
 * blobs, tree builders and commits on refs/heads/main, as a scanner would leave
 * them, but without ssh. Deterministic: the same flags give the same repository.
 */
#ifndef CMDB_BENCH_GEN_REPO_H
#define CMDB_BENCH_GEN_REPO_H

#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "gitcmdb/gitcmdb.h"

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
	int rpm; /* 0: debian/ubuntu (dpkg list), 1: rhel (rpm list) */
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

static void die(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "bench_index: %s: %s\n", what,
		cmdb_error_last_code() ? cmdb_error_last()
			: e            ? e->message
				       : "failed");
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

	cmdb__buf_printf(&b,
		"type: host\nname: h%04d\nsource: scan\nattributes:\n  hardware:\n"
		"    cpus: %d\n    memory_mb: %d\n  network:\n    interfaces:\n      eth0:\n"
		"        addresses: [10.%d.%d.%d/16]\n        mtu: 1500\n  os:\n"
		"    id: %s\n    version: \"%s\"\n  packages:\n",
		i, 2 << (i % 4), 4096 << (i % 3), i / 65536, (i / 256) % 256, i % 256,
		h->rpm ? "rhel" : (i % 3 ? "debian" : "ubuntu"), h->rpm ? "9.3" : "12");
	for (int k = 0; k < PKGS_PER_HOST; k++) {
		const pkg *p = &l->p[h->idx[k]];

		if (h->gen[k])
			cmdb__buf_printf(&b,
				"    %s:\n      arch: x86_64\n      version: \"%s+b%u\"\n", p->name,
				p->version, h->gen[k]);
		else
			cmdb__buf_printf(&b, "    %s:\n      arch: x86_64\n      version: \"%s\"\n",
				p->name, p->version);
	}
	cmdb__buf_printf(&b,
		"annotations:\n  environment: %s\n  owner: team-%d\nrelations:\n"
		"  depends_on: [host/h%04d, host/h%04d]\n  member_of: [group/g%03d]\n",
		i % 5 ? "production" : "staging", i % 20, (i * 7 + 1) % g->hosts,
		(i * 13 + 2) % g->hosts, i % 100);
	h->blob = blob_of(g, b.ptr, b.len);
	cmdb__buf_dispose(&b);
}

static void tb_put(git_treebuilder *tb, const char *name, const git_oid *oid, int tree)
{
	if (git_treebuilder_insert(
		    NULL, tb, name, oid, tree ? GIT_FILEMODE_TREE : GIT_FILEMODE_BLOB) < 0)
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
				"type: service\nname: svc%d\nsource: scan\nattributes:\n  state: "
				"running\n"
				"  unit: svc%d.service\nrelations:\n"
				"  connects_to: [service/h%04d/svc%d, service/h%04d/svc%d, "
				"service/h%04d/svc%d]\n"
				"  depends_on: [service/h%04d/svc%d]\n  runs_on: [host/h%04d]\n",
				s, s, c[0] / SVCS_PER_HOST, c[0] % SVCS_PER_HOST,
				c[1] / SVCS_PER_HOST, c[1] % SVCS_PER_HOST, c[2] / SVCS_PER_HOST,
				c[2] % SVCS_PER_HOST, c[3] / SVCS_PER_HOST, c[3] % SVCS_PER_HOST,
				i);
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
					cmdb__buf_printf(&b, "%s%s/%c%03d", k ? ", " : "", dtype,
						dtype[0], d);
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
	t = simple_tree(
		g, "application", apps, "depends_on", "service", g->hosts * SVCS_PER_HOST, 10);
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

#endif
