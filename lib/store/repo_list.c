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
	const char *base; /* the directory walked ("service/web01/"), or "" for the root */
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
	char *path = cmdb__sprintf("%s%s%s%s", ctx->base, root, name,
		git_tree_entry_type(entry) == GIT_OBJECT_TREE ? "/" : "");
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

/*
 * The subtree of prefix's directory part ("service/web01/x" -> "service/web01"), so a
 * listing walks that directory only, not every sibling of it (quadratic in the estate
 * when a scan lists one directory per host). *sub stays NULL when there is none.
 */
static int prefix_subtree(git_tree **sub, char **base, git_tree *tree, const char *prefix)
{
	const char *slash = prefix ? strrchr(prefix, '/') : NULL;
	git_tree_entry *entry = NULL;
	char *dir = NULL;
	int err, rc = 0;

	*sub = NULL;
	*base = NULL;
	if (!slash || slash == prefix)
		return 0;
	if (!(dir = cmdb__strndup(prefix, (size_t)(slash - prefix))) ||
		!(*base = cmdb__strndup(prefix, (size_t)(slash - prefix) + 1))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	err = git_tree_entry_bypath(&entry, tree, dir);
	if (err == GIT_ENOTFOUND || (err == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE))
		goto done; /* nothing under prefix: *base without *sub */
	if (err < 0 ||
		(err = git_tree_lookup(sub, git_tree_owner(tree), git_tree_entry_id(entry))) < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read %s", dir);
done:
	git_tree_entry_free(entry);
	free(dir);
	return rc;
}

int cmdb_repo_list(json_t **out, cmdb_repo *repo, const char *rev, const char *prefix)
{
	git_tree *tree = NULL, *sub = NULL;
	char *base = NULL;
	list_ctx ctx = {"", prefix ? prefix : "", prefix ? strlen(prefix) : 0, json_array(), 0};
	int err, rc;

	if (!ctx.paths) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb__repo_tree(&tree, repo, rev)) < 0 ||
		(rc = prefix_subtree(&sub, &base, tree, prefix)) < 0)
		goto done;
	if (base && !sub) { /* prefix's directory does not exist: nothing to list */
		rc = sorted_copy(out, ctx.paths);
		goto done;
	}
	if (base)
		ctx.base = base;
	if ((err = git_tree_walk(sub ? sub : tree, GIT_TREEWALK_PRE, list_cb, &ctx)) < 0) {
		rc = ctx.failed
			? cmdb__error(CMDB_ERROR, "out of memory")
			: cmdb__error_git(CMDB_ERROR, err, "cannot list %s", rev ? rev : "main");
		goto done;
	}
	rc = sorted_copy(out, ctx.paths);
done:
	json_decref(ctx.paths);
	git_tree_free(sub);
	git_tree_free(tree);
	free(base);
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
