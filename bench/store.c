/*
 * Store benchmark: figures for cmdb_store_commit on a repository of many items.
 * Usage: bench_store [ITEMS] [SMALL_COMMITS] [worktree]   (GITCMDB_NO_FSYNC=1 to skip fsync)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gitcmdb/gitcmdb.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One commit writing items host/hNNNNN.yaml + service/hNNNNN/sshd.yaml with version v. */
static int big_commit(cmdb_repo *repo, int items, int v, int *changed)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char path[64], data[256];
	int rc;

	o.message = "bench: big";
	if ((rc = cmdb_changeset_new(&cs)) < 0)
		return rc;
	for (int i = 0; i < items && rc == 0; i++) {
		int n = snprintf(data, sizeof(data),
			"type: host\nname: h%05d\nsource: scan\n"
			"attributes:\n  os: {id: debian, version: \"12\"}\n  v: %d\n",
			i, v);

		snprintf(path, sizeof(path), "host/h%05d.yaml", i);
		rc = cmdb_changeset_put_file(cs, path, data, (size_t)n);
		snprintf(path, sizeof(path), "service/h%05d/sshd.yaml", i);
		if (rc == 0)
			rc = cmdb_changeset_put_file(cs, path, data, (size_t)n);
	}
	if (rc == 0)
		rc = cmdb_store_commit(NULL, changed, repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

static int small_commit(cmdb_repo *repo, int i)
{
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char path[64], data[64];
	int rc, n = snprintf(data, sizeof(data), "n: %d\n", i);

	o.message = "bench: small";
	snprintf(path, sizeof(path), "host/h%05d.yaml", i % 1000);
	if ((rc = cmdb_changeset_new(&cs)) == 0 &&
		(rc = cmdb_changeset_put_file(cs, path, data, (size_t)n)) == 0)
		rc = cmdb_store_commit(NULL, NULL, repo, cs, &o);
	cmdb_changeset_free(cs);
	return rc;
}

int main(int argc, char **argv)
{
	int items = argc > 1 ? atoi(argv[1]) : 5000, smalls = argc > 2 ? atoi(argv[2]) : 200;
	/* "worktree": the same commits into a repository with a work tree (files and index follow).
	 */
	int worktree = argc > 3 && strcmp(argv[3], "worktree") == 0;
	char dir[] = "/tmp/gitcmdb-bench-store-XXXXXX", path[64], cmd[128];
	cmdb_repo *repo = NULL;
	int changed = -1, rc = 1;
	double t;

	if (!mkdtemp(dir) || cmdb_init() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/r", dir);
	if (cmdb_repo_init(&repo, path, !worktree) < 0)
		goto done;
	printf("fsync: %s, %s\n", getenv("GITCMDB_NO_FSYNC") ? "off" : "on",
		worktree ? "with a work tree" : "bare");
	t = now();
	if (big_commit(repo, items, 1, &changed) < 0)
		goto done;
	printf("first commit of %d files: %.3f s\n", 2 * items, now() - t);
	t = now();
	if (big_commit(repo, items, 1, &changed) < 0)
		goto done;
	printf("same %d files again (unchanged=%d, nothing committed): %.3f s\n", 2 * items,
		!changed, now() - t);
	t = now();
	if (big_commit(repo, items, 2, &changed) < 0)
		goto done;
	printf("rewrite all %d files: %.3f s\n", 2 * items, now() - t);
	t = now();
	for (int i = 0; i < smalls; i++)
		if (small_commit(repo, i) < 0)
			goto done;
	t = now() - t;
	printf("%d one-file commits into a %d-file repository: %.2f ms each, %.0f commits/s\n",
		smalls, 2 * items + 2, 1000 * t / smalls, smalls / t);
	rc = 0;
done:
	if (rc)
		fprintf(stderr, "bench_store: %s\n", cmdb_error_last());
	cmdb_repo_free(repo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	cmdb_shutdown();
	return rc;
}
