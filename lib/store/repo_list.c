/* Listing the files of a revision and reading items: a pre-order tree walk that skips subtrees
 * outside the prefix. */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/yaml.h"
#include "store/repo.h"

typedef struct {
	const char *prefix;
	size_t prefix_len;
	json_t *paths;
	int failed;
} list_ctx;

/* 1 when dir ("a/b/") and prefix can still share a path: one is a prefix of the other. */
static int dir_may_match(const char *dir, size_t dir_len, const list_ctx *ctx)
{
	size_t n = dir_len < ctx->prefix_len ? dir_len : ctx->prefix_len;

	return strncmp(dir, ctx->prefix, n) == 0;
}

static int list_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	list_ctx *ctx = payload;
	const char *name = git_tree_entry_name(entry);
	char *path = cmdb__sprintf(
		"%s%s%s", root, name, git_tree_entry_type(entry) == GIT_OBJECT_TREE ? "/" : "");
	int rc = 0;

	if (!path) {
		ctx->failed = 1;
		return -1;
	}
	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
		rc = dir_may_match(path, strlen(path), ctx) ? 0 : 1; /* 1 = skip this subtree */
	} else if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB &&
		strncmp(path, ctx->prefix, ctx->prefix_len) == 0) {
		if (json_array_append_new(ctx->paths, json_string(path)) < 0) {
			ctx->failed = 1;
			rc = -1;
		}
	}
	free(path);
	return rc;
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(
		json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* Tree order puts "a/" where "a" would sort, not where "a/" sorts: re-sort by bytes. */
static int sorted_copy(json_t **out, json_t *paths)
{
	size_t n = json_array_size(paths);
	json_t **v = cmdb__calloc(n ? n : 1, sizeof(*v));
	json_t *arr = json_array();
	int rc = 0;

	if (!v || !arr) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(paths, i);
	qsort(v, n, sizeof(*v), cmp_json_str);
	for (size_t i = 0; i < n; i++) {
		if (json_array_append(arr, v[i]) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	*out = arr;
	arr = NULL;
done:
	json_decref(arr);
	free(v);
	return rc;
}

int cmdb_repo_list(json_t **out, cmdb_repo *repo, const char *rev, const char *prefix)
{
	git_tree *tree = NULL;
	list_ctx ctx = {prefix ? prefix : "", prefix ? strlen(prefix) : 0, json_array(), 0};
	int err, rc;

	if (!ctx.paths) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb__repo_tree(&tree, repo, rev)) < 0)
		goto done;
	if ((err = git_tree_walk(tree, GIT_TREEWALK_PRE, list_cb, &ctx)) < 0) {
		rc = ctx.failed
			? cmdb__error(CMDB_ERROR, "out of memory")
			: cmdb__error_git(CMDB_ERROR, err, "cannot list %s", rev ? rev : "main");
		goto done;
	}
	rc = sorted_copy(out, ctx.paths);
done:
	json_decref(ctx.paths);
	git_tree_free(tree);
	return rc;
}

int cmdb_repo_read_item(json_t **out, cmdb_repo *repo, const char *rev, const char *id)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cmdb_id_to_path(&path, id)) < 0 ||
		(rc = cmdb_repo_read(&buf, &len, repo, rev, path)) < 0)
		goto done;
	rc = cmdb_yaml_parse(out, buf, len, path);
done:
	free(buf);
	free(path);
	return rc;
}
