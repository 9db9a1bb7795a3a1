/*
 * Bottom-up tree construction with one git_treebuilder per touched directory:
 * untouched subtrees keep their ids, unchanged bytes give the same blob id, so an
 * unchanged changeset gives the parent's tree id and nothing is committed.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/tree.h"

/* The blob id of a PUT: written now, or already (cmdb_changeset_put_blob). */
static int blob_of(git_oid *id, git_repository *git, const cmdb__op *op)
{
	int err;

	if (op->blob) {
		git_oid_fromraw(id, op->oid);
		return 0;
	}
	for (int tries = 0; cmdb__odb_retry(
		     err = git_blob_create_from_buffer(id, git, op->data, op->len), &tries);)
		;
	return err;
}

/* A PUT or DELETE of a name directly in this directory. */
static int apply_file(
	git_treebuilder *bld, git_repository *git, const cmdb__op *op, const char *name)
{
	const git_tree_entry *old = git_treebuilder_get(bld, name);
	git_filemode_t mode = GIT_FILEMODE_BLOB;
	git_oid id;
	int err;

	if (op->kind == CMDB__OP_DELETE) {
		if (old && (err = git_treebuilder_remove(bld, name)) < 0)
			return cmdb__error_git(CMDB_ERROR, err, "cannot delete %s", op->path);
		return 0;
	}
	if (old && git_tree_entry_type(old) == GIT_OBJECT_TREE)
		return cmdb__error(CMDB_EINVALID,
			"cannot write %s: it is a directory in the repository", op->path);
	/* An executable file stays executable when its bytes are replaced. */
	if (old && git_tree_entry_filemode(old) == GIT_FILEMODE_BLOB_EXECUTABLE)
		mode = GIT_FILEMODE_BLOB_EXECUTABLE;
	err = blob_of(&id, git, op);
	if (err < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot write the blob of %s", op->path);
	if ((err = git_treebuilder_insert(NULL, bld, name, &id, mode)) < 0)
		return cmdb__error_git(CMDB_EINVALID, err, "cannot add %s to its tree", op->path);
	return 0;
}

static int build_dir(git_oid *out, int *empty, git_repository *git, const git_tree *base,
	const cmdb__op *const *ops, size_t n, size_t off);

/* The ops [0, n) all lie under the directory name (length len) at offset off. */
static int apply_subdir(git_treebuilder *bld, git_repository *git, const cmdb__op *const *ops,
	size_t n, size_t off, size_t len)
{
	char *name = cmdb__strndup(ops[0]->path + off, len);
	const git_tree_entry *old;
	git_tree *sub = NULL;
	git_oid id;
	int empty = 0, err, rc = 0;

	if (!name) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((old = git_treebuilder_get(bld, name))) {
		if (git_tree_entry_type(old) != GIT_OBJECT_TREE) {
			rc = cmdb__error(CMDB_EINVALID,
				"cannot write %s: %.*s is a file in the repository", ops[0]->path,
				(int)(off + len), ops[0]->path);
			goto done;
		}
		if ((err = git_tree_lookup(&sub, git, git_tree_entry_id(old))) < 0) {
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot read tree %.*s",
				(int)(off + len), ops[0]->path);
			goto done;
		}
	}
	if ((rc = build_dir(&id, &empty, git, sub, ops, n, off + len + 1)) < 0)
		goto done;
	if (empty) {
		if (old && (err = git_treebuilder_remove(bld, name)) < 0)
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot prune %s", name);
	} else if ((err = git_treebuilder_insert(NULL, bld, name, &id, GIT_FILEMODE_TREE)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot add directory %s", name);
	}
done:
	git_tree_free(sub);
	free(name);
	return rc;
}

static int build_dir(git_oid *out, int *empty, git_repository *git, const git_tree *base,
	const cmdb__op *const *ops, size_t n, size_t off)
{
	git_treebuilder *bld = NULL;
	size_t i = 0;
	int err, rc = 0;

	if ((err = git_treebuilder_new(&bld, git, base)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot start a tree");
		goto done;
	}
	while (i < n) {
		const char *rest = ops[i]->path + off, *slash = strchr(rest, '/');
		size_t len, j;

		if (!slash) {
			if ((rc = apply_file(bld, git, ops[i], rest)) < 0)
				goto done;
			i++;
			continue;
		}
		/* Sorted paths sharing "name/" are contiguous; an op on "name" itself came first.
		 */
		len = (size_t)(slash - rest);
		for (j = i + 1; j < n && strncmp(ops[j]->path + off, rest, len + 1) == 0; j++)
			;
		if ((rc = apply_subdir(bld, git, ops + i, j - i, off, len)) < 0)
			goto done;
		i = j;
	}
	*empty = git_treebuilder_entrycount(bld) == 0;
	for (int tries = 0; cmdb__odb_retry(err = git_treebuilder_write(out, bld), &tries);)
		;
	if (err < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot write a tree");
done:
	git_treebuilder_free(bld);
	return rc;
}

int cmdb__tree_apply(git_oid *out, git_repository *git, const git_tree *base,
	const cmdb__op *const *ops, size_t count)
{
	int empty = 0;

	return build_dir(out, &empty, git, base, ops, count, 0);
}
