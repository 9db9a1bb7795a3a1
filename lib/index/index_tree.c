/*
 * The changed blobs between two trees, reading only subtrees whose ids differ.
 * (git_diff_tree_to_tree expands every subtree of both sides, so on a large
 * estate where one scan touches a few hosts it reads thousands of unchanged
 * tree objects per commit; this walk reads only the changed path.)
 * The top-level file/ tree (captured config files, never items) and entries
 * whose name starts with "." are not visited.
 */
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "index/index_int.h"

#define MAX_TREE_DEPTH 64

typedef struct {
	git_repository *git;
	cmdb__tree_change_cb cb;
	void *payload;
} walk;

static int is_blob(const git_tree_entry *e)
{
	git_filemode_t m = e ? git_tree_entry_filemode(e) : 0;

	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static int is_tree(const git_tree_entry *e)
{
	return e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

static int skipped(const char *prefix, const char *name)
{
	return name[0] == '.' || (!*prefix && strcmp(name, "file") == 0);
}

static int diff_level(
	walk *w, const git_tree *old, const git_tree *new, const char *prefix, int depth);

/* Recurse into the subtree entries o and/or n (either may be NULL or not a tree). */
static int descend(
	walk *w, const git_tree_entry *o, const git_tree_entry *n, const char *path, int depth)
{
	git_tree *ot = NULL, *nt = NULL;
	int error = 0, gerr = 0;

	if ((is_tree(o) && (gerr = git_tree_lookup(&ot, w->git, git_tree_entry_id(o))) < 0) ||
		(is_tree(n) && (gerr = git_tree_lookup(&nt, w->git, git_tree_entry_id(n))) < 0)) {
		error = cmdb__error_git(CMDB_ERROR, gerr, "cannot read tree %s/", path);
		goto done;
	}
	error = diff_level(w, ot, nt, path, depth + 1);
done:
	git_tree_free(ot);
	git_tree_free(nt);
	return error;
}

/* One name present in old (o) and/or new (n). */
static int diff_entry(
	walk *w, const git_tree_entry *o, const git_tree_entry *n, const char *prefix, int depth)
{
	const char *name = git_tree_entry_name(o ? o : n);
	char *path = *prefix ? cmdb__sprintf("%s/%s", prefix, name) : cmdb__strdup(name);
	int error = 0;

	if (!path)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (o && n && git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(n)) &&
		is_tree(o) == is_tree(n) && is_blob(o) == is_blob(n))
		goto done; /* identical: nothing below can have changed */
	if (is_tree(o) || is_tree(n))
		error = descend(w, is_tree(o) ? o : NULL, is_tree(n) ? n : NULL, path, depth);
	if (error)
		goto done;
	if (is_blob(n))
		error = w->cb(path, git_tree_entry_id(n), w->payload);
	else if (is_blob(o))
		error = w->cb(path, NULL, w->payload);
done:
	free(path);
	return error;
}

static int diff_level(
	walk *w, const git_tree *old, const git_tree *new, const char *prefix, int depth)
{
	size_t i, n;
	int error = 0;

	if (depth > MAX_TREE_DEPTH)
		return cmdb__error(CMDB_EINVALID, "%s/: trees nested deeper than %d levels", prefix,
			MAX_TREE_DEPTH);
	for (i = 0, n = new ? git_tree_entrycount(new) : 0; i < n && !error; i++) {
		const git_tree_entry *ne = git_tree_entry_byindex(new, i);
		const char *name = git_tree_entry_name(ne);

		if (!skipped(prefix, name))
			error = diff_entry(w, old ? git_tree_entry_byname(old, name) : NULL, ne,
				prefix, depth);
	}
	for (i = 0, n = old ? git_tree_entrycount(old) : 0; i < n && !error; i++) {
		const git_tree_entry *oe = git_tree_entry_byindex(old, i);
		const char *name = git_tree_entry_name(oe);

		if (!skipped(prefix, name) && !(new &&git_tree_entry_byname(new, name)))
			error = diff_entry(w, oe, NULL, prefix, depth);
	}
	return error;
}

int cmdb__index_tree_diff(git_repository *git, const git_tree *old, const git_tree *new,
	cmdb__tree_change_cb cb, void *payload)
{
	walk w = {git, cb, payload};

	return diff_level(&w, old, new, "", 0);
}
