/*
 * Re-applying local commits on a remote tip that moved on: each commit's changes (its
 * tree against its parent's) become a changeset prepared on that parent, and the store's
 * rebase (store/rebase.c) keeps every operation whose path the remote did not touch and
 * hands each other one to a merge: a scan commit's by the scan's ownership rules (the
 * caller's callback), any other commit's by a three-way merge of the file's lines. The
 * new commit keeps the old one's message (trailers included) and author.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/changeset.h"
#include "store/rebase.h"
#include "store/repo.h"
#include "store/tree.h"
#include "remote/remote_int.h"

typedef struct {
	git_repository *git;
	git_tree *base; /* the re-applied commit's parent tree */
	git_tree *head; /* the tip it is applied on */
	const git_oid *commit;
} merge3_ctx;

/* The blob at path in tree into *out (NULL when absent). */
static int blob_at(git_blob **out, git_repository *git, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int err;

	*out = NULL;
	if (git_tree_entry_bypath(&e, tree, path) < 0) {
		git_error_clear();
		return 0;
	}
	err = git_tree_entry_type(e) == GIT_OBJECT_BLOB
		? git_blob_lookup(out, git, git_tree_entry_id(e))
		: 0;
	git_tree_entry_free(e);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot read %s", path) : 0;
}

static int conflict(const merge3_ctx *m, const char *path)
{
	char hex[GIT_OID_HEXSZ + 1];

	return cmdb__error(CMDB_EDIRTY,
		"%s: local commit %.12s and the remote both changed it and the changes do not "
		"merge: local commits kept; redo that change on the remote's main (git log -p "
		"-- %s)",
		path, git_oid_tostr(hex, sizeof(hex), m->commit), path);
}

static void input(git_merge_file_input *in, git_blob *b, const char *path)
{
	git_merge_file_input_init(in, GIT_MERGE_FILE_INPUT_VERSION);
	if (!b)
		return;
	in->ptr = git_blob_rawcontent(b);
	in->size = (size_t)git_blob_rawsize(b);
	in->path = path;
	in->mode = GIT_FILEMODE_BLOB;
}

/* The cmdb_remerge_cb of a commit that is not a scan's: merge the lines, or refuse. */
static int merge3(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	merge3_ctx *m = payload;
	git_blob *base = NULL, *theirs = NULL;
	git_merge_file_input b, o, t;
	git_merge_file_result res = {0};
	int err, rc;

	(void)head;
	if ((rc = blob_at(&base, m->git, m->base, path)) < 0 ||
		(rc = blob_at(&theirs, m->git, m->head, path)) < 0)
		goto done;
	if (!data || !theirs || !base) {
		/* a deletion against a change, or two different new files */
		if (!data && !theirs)
			goto done;
		if (data && theirs && (size_t)git_blob_rawsize(theirs) == len &&
			memcmp(git_blob_rawcontent(theirs), data, len) == 0)
			goto done;
		rc = conflict(m, path);
		goto done;
	}
	input(&b, base, path);
	input(&t, theirs, path);
	git_merge_file_input_init(&o, GIT_MERGE_FILE_INPUT_VERSION);
	o.ptr = data;
	o.size = len;
	o.path = path;
	o.mode = GIT_FILEMODE_BLOB;
	if ((err = git_merge_file(&res, &b, &o, &t, NULL)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot merge %s", path);
		goto done;
	}
	rc = res.automergeable ? cmdb_changeset_put_file(out, path, res.ptr, res.len)
			       : conflict(m, path);
done:
	git_merge_file_result_free(&res);
	git_blob_free(base);
	git_blob_free(theirs);
	return rc;
}

/* The commit's changes against its parent as a changeset of whole files. */
static int commit_changes(cmdb_changeset *cs, git_repository *git, git_tree *old, git_tree *new)
{
	git_diff *diff = NULL;
	int err, rc = 0;

	if ((err = git_diff_tree_to_tree(&diff, git, old, new, NULL)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot compare trees");
	for (size_t i = 0; i < git_diff_num_deltas(diff) && rc == 0; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_blob *blob = NULL;

		if (d->status == GIT_DELTA_DELETED) {
			rc = cmdb_changeset_delete(cs, d->old_file.path);
			continue;
		}
		if ((err = git_blob_lookup(&blob, git, &d->new_file.id)) < 0) {
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot read %s", d->new_file.path);
			break;
		}
		rc = cmdb_changeset_put_file(cs, d->new_file.path, git_blob_rawcontent(blob),
			(size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
	}
	git_diff_free(diff);
	return rc;
}

static int is_scan_commit(const git_commit *c)
{
	const char *msg = git_commit_message(c);
	const char *t = msg ? strstr(msg, "\nScan-Id: ") : NULL;

	return t != NULL;
}

/* Build tree on tip from c's changes; *tree_id receives it. */
static int reapply_tree(git_oid *tree_id, git_repository *git, git_commit *c, git_commit *tip,
	const cmdb_push_opts *opts)
{
	git_commit *parent = NULL;
	git_tree *old = NULL, *new = NULL, *head = NULL;
	cmdb_changeset *cs = NULL, *rebased = NULL;
	const cmdb__op **ops = NULL, **rops = NULL;
	size_t n = 0, rn = 0;
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	merge3_ctx m;
	int err, rc;

	if ((err = git_commit_parent(&parent, c, 0)) < 0 ||
		(err = git_commit_tree(&old, parent)) < 0 || (err = git_commit_tree(&new, c)) < 0 ||
		(err = git_commit_tree(&head, tip)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the commits to re-apply");
		goto done;
	}
	m.git = git;
	m.base = old;
	m.head = head;
	m.commit = git_commit_id(c);
	co.remerge = merge3;
	co.remerge_payload = &m;
	if (is_scan_commit(c) && opts->scan_remerge) {
		co.remerge = opts->scan_remerge;
		co.remerge_payload = opts->scan_remerge_payload;
	}
	if ((rc = cmdb_changeset_new(&cs)) < 0 || (rc = commit_changes(cs, git, old, new)) < 0 ||
		(rc = cmdb__changeset_sorted(&ops, &n, cs)) < 0 ||
		(rc = cmdb__rebase_ops(&rebased, git, git_commit_id(parent), head,
			 git_commit_id(tip), ops, n, &co)) < 0 ||
		(rc = cmdb__changeset_sorted(&rops, &rn, rebased)) < 0)
		goto done;
	rc = cmdb__tree_apply(tree_id, git, head, rops, rn);
done:
	free(ops);
	free(rops);
	cmdb_changeset_free(cs);
	cmdb_changeset_free(rebased);
	git_tree_free(old);
	git_tree_free(new);
	git_tree_free(head);
	git_commit_free(parent);
	return rc;
}

/* c once more, on tip: its message, author and committer's name, now. */
static int reapply_one(git_oid *out, git_repository *git, git_commit *c, git_commit *tip,
	const cmdb_push_opts *opts)
{
	const git_signature *who = git_commit_committer(c);
	git_signature *committer = NULL;
	git_tree *tree = NULL;
	git_oid tree_id;
	int err, rc;

	if ((rc = reapply_tree(&tree_id, git, c, tip, opts)) < 0)
		return rc;
	if ((err = git_signature_now(&committer, who->name, who->email)) == 0 &&
		(err = git_tree_lookup(&tree, git, &tree_id)) == 0)
		for (int tries = 0; cmdb__odb_retry(
			     err = git_commit_create(out, git, NULL, git_commit_author(c),
				     committer, git_commit_message_encoding(c),
				     git_commit_message_raw(c), tree, 1, (const git_commit **)&tip),
	     &tries);)
			;
	if (err < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot write the re-applied commit");
	git_tree_free(tree);
	git_signature_free(committer);
	return rc;
}

/* The commits of (onto..local], oldest first, as a new array (free each and it). */
static int list_commits(git_commit ***out, size_t *count, git_repository *git, const git_oid *onto,
	const git_oid *local)
{
	git_revwalk *walk = NULL;
	git_commit **list = NULL;
	size_t n = 0, cap = 0;
	git_oid id;
	int err, rc = 0;

	if ((err = git_revwalk_new(&walk, git)) < 0 ||
		(err = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE)) < 0 ||
		(err = git_revwalk_push(walk, local)) < 0 ||
		(err = git_revwalk_hide(walk, onto)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot list the local commits");
		goto done;
	}
	while ((err = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		if (n == cap) {
			git_commit **more =
				cmdb__realloc(list, (cap = cap ? cap * 2 : 16) * sizeof(*list));

			if (!more) {
				rc = cmdb__error(CMDB_ERROR, "out of memory");
				break;
			}
			list = more;
		}
		if ((err = git_commit_lookup(&c, git, &id)) < 0) {
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot read a local commit");
			break;
		}
		list[n++] = c;
		if (git_commit_parentcount(c) != 1) {
			rc = cmdb__error(CMDB_EINVALID,
				"local commit %.12s is a merge (or a root): gitcmdb re-applies "
				"only "
				"linear history; rebase it by hand (git rebase) and push again",
				git_oid_tostr(hex, sizeof(hex), &id));
			break;
		}
	}
	if (rc == 0 && err != GIT_ITEROVER)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot list the local commits");
done:
	git_revwalk_free(walk);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			git_commit_free(list[i]);
		free(list);
		return rc;
	}
	*out = list;
	*count = n;
	return 0;
}

/*
 * The new objects (a few hundred blobs and trees for a scan commit at 10,000 items) go
 * to memory, then to the disk as one pack (objpack.c): one file and a few flushes
 * instead of one fsynced file each.
 */
int cmdb__remote_reapply(git_oid *out, size_t *count, cmdb_repo *repo, const git_oid *onto,
	const git_oid *local, const cmdb_push_opts *opts)
{
	cmdb__objpack *pk = NULL;
	git_repository *git = NULL;
	git_commit **list = NULL, *tip = NULL;
	size_t n = 0;
	git_oid id;
	int err, rc;

	*count = 0;
	if ((rc = cmdb__objpack_open(&pk, &git, cmdb_repo_gitdir(repo))) < 0)
		return rc;
	if ((rc = list_commits(&list, &n, git, onto, local)) < 0)
		goto done;
	git_oid_cpy(&id, onto);
	for (size_t i = 0; i < n && rc == 0; i++) {
		git_commit_free(tip);
		tip = NULL;
		if ((err = git_commit_lookup(&tip, git, &id)) < 0)
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot read the remote's main");
		else
			rc = reapply_one(&id, git, list[i], tip, opts);
	}
	git_commit_free(tip);
	for (size_t i = 0; i < n; i++)
		git_commit_free(list[i]);
	free(list);
	if (rc == 0)
		rc = cmdb__objpack_flush(pk);
done:
	cmdb__objpack_close(pk);
	if (rc < 0)
		return rc;
	git_oid_cpy(out, &id);
	*count = n;
	return 0;
}
