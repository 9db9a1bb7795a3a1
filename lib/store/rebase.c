/* Re-applying a changeset on a main that moved since it was prepared (see rebase.h). */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/rebase.h"

/* 1 when path names the same entry (or none) in both trees. */
static int same_entry(git_tree *a, git_tree *b, const char *path)
{
	git_tree_entry *x = NULL, *y = NULL;
	int hx = a && git_tree_entry_bypath(&x, a, path) == 0;
	int hy = b && git_tree_entry_bypath(&y, b, path) == 0;
	int same = hx == hy &&
		(!hx ||
			(git_oid_equal(git_tree_entry_id(x), git_tree_entry_id(y)) &&
				git_tree_entry_filemode(x) == git_tree_entry_filemode(y)));

	git_tree_entry_free(x);
	git_tree_entry_free(y);
	return same;
}

static int copy_op(cmdb_changeset *cs, const cmdb__op *op)
{
	if (op->kind == CMDB__OP_DELETE)
		return cmdb_changeset_delete(cs, op->path);
	if (op->blob)
		return cmdb__changeset_put_oid(cs, op->path, op->oid, op->len);
	return cmdb_changeset_put_file(cs, op->path, op->data, op->len);
}

/* Hand op to the remerge callback with its bytes (read back when only its blob id is kept). */
static int remerge_op(cmdb_changeset *cs, git_repository *git, const cmdb__op *op, const char *head,
	const cmdb_commit_opts *opts)
{
	git_blob *blob = NULL;
	git_oid id;
	int err, rc;

	if (op->kind != CMDB__OP_PUT || !op->blob)
		return opts->remerge(cs, op->path, op->kind == CMDB__OP_PUT ? op->data : NULL,
			op->len, head, opts->remerge_payload);
	git_oid_fromraw(&id, op->oid);
	if ((err = git_blob_lookup(&blob, git, &id)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot read the blob of %s", op->path);
	rc = opts->remerge(cs, op->path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
		head, opts->remerge_payload);
	git_blob_free(blob);
	return rc;
}

static int base_tree(git_tree **out, git_repository *git, const git_oid *base)
{
	git_commit *c = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int err = git_commit_lookup(&c, git, base);

	if (err >= 0)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	if (err < 0)
		return cmdb__error_git(CMDB_EINVALID, err, "cannot read the base commit %s",
			git_oid_tostr(hex, sizeof(hex), base));
	return 0;
}

static int conflict(const char *path, const git_oid *base, const git_oid *head)
{
	char b[GIT_OID_HEXSZ + 1], h[GIT_OID_HEXSZ + 1];

	git_oid_tostr(b, sizeof(b), base);
	git_oid_tostr(h, sizeof(h), head);
	return cmdb__error(CMDB_EDIRTY,
		"%s changed on main (%.12s -> %.12s) after this commit was prepared: nothing was "
		"committed; look at that change (git log -p main -- %s) and redo yours on top",
		path, b, h, path);
}

int cmdb__rebase_ops(cmdb_changeset **out, git_repository *git, const git_oid *base,
	git_tree *head_tree, const git_oid *head, const cmdb__op *const *ops, size_t count,
	const cmdb_commit_opts *opts)
{
	cmdb_changeset *cs = NULL;
	git_tree *old = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	git_oid_tostr(hex, sizeof(hex), head);
	if ((rc = base_tree(&old, git, base)) < 0 || (rc = cmdb_changeset_new(&cs)) < 0)
		goto done;
	for (size_t i = 0; i < count && rc == 0; i++) {
		const cmdb__op *op = ops[i];

		if (same_entry(old, head_tree, op->path))
			rc = copy_op(cs, op);
		else if (!opts->remerge)
			rc = conflict(op->path, base, head);
		else
			rc = remerge_op(cs, git, op, hex, opts);
	}
	if (rc < 0)
		goto done;
	*out = cs;
	cs = NULL;
done:
	cmdb_changeset_free(cs);
	git_tree_free(old);
	return rc;
}
