/*
 * cmdb_store_commit: one changeset → one commit on main, without a work tree.
 *
 * Order of writes (crash safety): blobs, trees and the commit object first, the
 * ref last, by compare-and-swap against the parent we built on. A process killed
 * at any point leaves main naming a complete commit; unreferenced objects are
 * harmless. Writers are serialised by lock.c; a CAS failure (another tool moved
 * main) re-applies the changeset on the new parent, so no update is lost; with
 * opts->base, what changed since is re-merged first (rebase.c).
 *
 * The work tree follows after main moved: journal first (worktree_journal.c),
 * then files and index. From that point the commit has happened: a failing sync
 * is reported through repo->sync_error, never as a failed commit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "store/changeset.h"
#include "util/error.h"
#include "store/lock.h"
#include "store/pack.h"
#include "store/rebase.h"
#include "store/repo_internal.h"
#include "store/settings.h"
#include "store/tree.h"
#include "store/worktree.h"

/* How long a lost race may be retried: long enough for a stale main.lock to age out. */
#define RETRY_MS (CMDB_STALE_LOCK_MS + 3000)
#define RETRY_PAUSE_NS (5 * 1000 * 1000L)
#define MESSAGE_MAX (1024 * 1024)

typedef struct {
	cmdb_repo *repo;
	git_repository *git; /* repo->git, or the packer's handle for a large changeset */
	cmdb__packer *packer; /* NULL: loose objects */
	const cmdb_commit_opts *opts;
	const cmdb__op **ops; /* sorted; owned */
	size_t count;
	cmdb_changeset *rebased; /* the changeset ops point into once re-merged; owned */
	git_oid base; /* the main ops were prepared on */
	int has_base;
	const char *message;
	git_signature *sig;
} commit_job;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The message, a blank line and the trailers, ending with one newline. */
static int build_message(char **out, const cmdb_commit_opts *opts)
{
	cmdb_buf b = CMDB_BUF_INIT(MESSAGE_MAX);
	size_t len;
	int rc = 0;

	if (!opts->message || !*opts->message) {
		rc = cmdb__error(CMDB_EINVALID, "a commit needs a message");
		goto done;
	}
	len = strlen(opts->message);
	while (len > 0 && opts->message[len - 1] == '\n')
		len--;
	if ((rc = cmdb__buf_put(&b, opts->message, len)) < 0 || (rc = cmdb__buf_puts(&b, "\n")) < 0)
		goto done;
	for (size_t i = 0; opts->trailers && opts->trailers[i]; i++) {
		const char *t = opts->trailers[i];

		if (!strchr(t, ':') || strchr(t, '\n')) {
			rc = cmdb__error(
				CMDB_EINVALID, "bad trailer '%s': want one 'Key: value' line", t);
			goto done;
		}
		if ((i == 0 && (rc = cmdb__buf_puts(&b, "\n")) < 0) ||
			(rc = cmdb__buf_printf(&b, "%s\n", t)) < 0)
			goto done;
	}
	*out = cmdb__buf_detach(&b, NULL);
	if (!*out)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb__buf_dispose(&b);
	return rc;
}

/* We hold the write lock, so an old main.lock was left by a killed writer. */
static void remove_stale_ref_lock(const cmdb_repo *repo)
{
	char *path = cmdb__sprintf("%s" CMDB_MAIN_REF ".lock", repo->gitdir);

	if (path)
		cmdb__lock_remove_stale(path);
	free(path);
}

static int move_main(int *raced, commit_job *job, const git_oid *id, const git_oid *parent)
{
	git_reference *ref = NULL;
	char *log = cmdb__sprintf("gitcmdb: %.200s", job->message);
	int err, rc = 0;

	if (!log)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (strchr(log, '\n'))
		*strchr(log, '\n') = '\0';
	remove_stale_ref_lock(job->repo);
	if (parent)
		err = git_reference_create_matching(
			&ref, job->git, CMDB_MAIN_REF, id, 1, parent, log);
	else
		err = git_reference_create(&ref, job->git, CMDB_MAIN_REF, id, 0, log);
	/* Moved by another tool, or its main.lock is held: build again on the new main. */
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED)
		*raced = 1;
	else if (err < 0)
		rc = cmdb__error_git(
			CMDB_ERROR, err, "cannot move %s in %s", CMDB_MAIN_REF, job->repo->gitdir);
	git_reference_free(ref);
	free(log);
	return rc;
}

/* Parent commit (NULL when main does not exist yet) and its tree. */
static int load_parent(git_commit **commit, git_tree **tree, git_repository *git)
{
	git_oid id;
	int err;

	if ((err = git_reference_name_to_id(&id, git, CMDB_MAIN_REF)) == GIT_ENOTFOUND)
		return 0;
	if (err < 0 || (err = git_commit_lookup(commit, git, &id)) < 0 ||
		(err = git_commit_tree(tree, *commit)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot read %s", CMDB_MAIN_REF);
	return 0;
}

/* The work tree follows main only when it shows main. */
static int sync_worktree(const cmdb_repo *repo)
{
	return !repo->bare && repo->workdir && cmdb__worktree_on_main(repo->git);
}

static int diff_trees(git_diff **out, git_repository *git, git_tree *old, const git_oid *new_id)
{
	git_tree *new_tree = NULL;
	int err;

	if ((err = git_tree_lookup(&new_tree, git, new_id)) >= 0)
		err = git_diff_tree_to_tree(out, git, old, new_tree, NULL);
	git_tree_free(new_tree);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot compare trees") : 0;
}

/* main moved since the ops were prepared: re-merge them for parent, which becomes their base. */
static int rebase(commit_job *job, git_commit *parent, git_tree *parent_tree)
{
	cmdb_changeset *cs = NULL;
	const cmdb__op **ops = NULL;
	size_t count = 0;
	int rc;

	if (!job->has_base || !parent || git_oid_equal(&job->base, git_commit_id(parent)))
		return 0;
	if ((rc = cmdb__rebase_ops(&cs, job->git, &job->base, parent_tree, git_commit_id(parent),
		     job->ops, job->count, job->opts)) < 0 ||
		(rc = cmdb__changeset_sorted(&ops, &count, cs)) < 0) {
		cmdb_changeset_free(cs);
		return rc;
	}
	free(job->ops);
	cmdb_changeset_free(job->rebased);
	job->ops = ops;
	job->count = count;
	job->rebased = cs;
	git_oid_cpy(&job->base, git_commit_id(parent));
	return 0;
}

/* main has moved: a failing sync is the work tree's problem, kept for the caller to report. */
static void sync_after_commit(commit_job *job, git_repository *git, git_diff *diff)
{
	cmdb_repo *repo = job->repo;

	if (cmdb__worktree_apply(git, repo->gitdir, repo->workdir, diff, NULL) == 0) {
		cmdb__worktree_journal_end(repo->gitdir);
		return;
	}
	/* The journal stays, so the next writer (or cmdb_repo_sync) finishes the update. */
	free(repo->sync_error);
	repo->sync_error = cmdb__strdup(cmdb_error_last());
	if (!repo->sync_error)
		repo->sync_error = cmdb__strdup("out of memory");
	cmdb_error_clear();
}

/*
 * One attempt: build on the current main and try to move it. *raced = 1 when main
 * moved under us (the caller retries); *changed = 0 when there was nothing to do.
 */
static int attempt(git_oid *out, int *changed, int *raced, commit_job *job)
{
	git_repository *git = job->git;
	git_commit *parent = NULL;
	git_tree *parent_tree = NULL;
	git_diff *diff = NULL;
	git_oid tree_id, commit_id;
	git_tree *tree = NULL;
	int err, rc;

	if ((rc = load_parent(&parent, &parent_tree, git)) < 0 ||
		(rc = rebase(job, parent, parent_tree)) < 0)
		goto done;
	if ((rc = cmdb__tree_apply(&tree_id, git, parent_tree, job->ops, job->count)) < 0)
		goto done;
	if (parent && git_oid_equal(&tree_id, git_tree_id(parent_tree)) &&
		!job->opts->allow_empty) {
		*changed = 0;
		git_oid_cpy(out, git_commit_id(parent));
		goto done;
	}
	if (sync_worktree(job->repo)) {
		if ((rc = diff_trees(&diff, git, parent_tree, &tree_id)) < 0 ||
			(rc = cmdb__worktree_check(git, job->repo->workdir, diff)) < 0)
			goto done;
	}
	if ((err = git_tree_lookup(&tree, git, &tree_id)) == 0)
		for (int tries = 0;
			cmdb__odb_retry(err = git_commit_create(&commit_id, git, NULL, job->sig,
						job->sig, NULL, job->message, tree, parent ? 1 : 0,
						(const git_commit **)&parent),
			&tries);)
			;
	if (err < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot write the commit");
		goto done;
	}
	/* Objects reach the disk (one pack) before the ref can name them. */
	if (job->packer && (rc = cmdb__packer_flush(job->packer)) < 0)
		goto done;
	if (diff &&
		(rc = cmdb__worktree_journal_begin(
			 job->repo->gitdir, parent ? git_commit_id(parent) : NULL, &commit_id)) < 0)
		goto done;
	if ((rc = move_main(raced, job, &commit_id, parent ? git_commit_id(parent) : NULL)) < 0 ||
		*raced) {
		if (diff)
			cmdb__worktree_journal_end(job->repo->gitdir);
		goto done;
	}
	*changed = 1;
	git_oid_cpy(out, &commit_id);
	if (diff)
		sync_after_commit(job, git, diff);
done:
	/* Unflushed objects (unchanged tree, refusal, error) never reach the disk. */
	if (job->packer)
		cmdb__packer_discard(job->packer);
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(parent);
	return rc;
}

static int make_signature(
	git_signature **out, const cmdb_commit_opts *opts, const cmdb__commit_settings *set)
{
	const char *name = opts->author_name ? opts->author_name
		: set->author_name           ? set->author_name
					     : "gitcmdb scanner";
	const char *email = opts->author_email ? opts->author_email
		: set->author_email            ? set->author_email
					       : "gitcmdb@localhost";
	int err = git_signature_now(out, name, email);

	if (err < 0)
		return cmdb__error_git(
			CMDB_EINVALID, err, "bad commit author '%s <%s>'", name, email);
	return 0;
}

/*
 * Fail before writing anything when the repository cannot be written (read-only
 * mount, immutable files, another user's files): objects would be orphaned.
 */
static int check_writable(const cmdb_repo *repo)
{
	static const char *const dirs[] = {"objects", "refs/heads", "gitcmdb"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = cmdb__sprintf("%s%s", repo->gitdir, dirs[i]);
		int ok = p && access(p, W_OK) == 0, e = errno;

		if (!ok) {
			int rc = cmdb__error(CMDB_ERROR,
				"repository %s is read-only (%s: %s): nothing "
				"was committed; run as its owner or make it writable",
				repo->gitdir, p ? p : dirs[i], strerror(e));

			free(p);
			return rc;
		}
		free(p);
	}
	return 0;
}

/* Under the lock: the work tree must not lag main before this commit decides anything. */
static int finish_pending_sync(cmdb_repo *repo)
{
	int finished = 0, rc = cmdb__repo_sync_locked(&finished, repo);

	if (rc < 0)
		return cmdb__error(rc, "nothing was committed: %s", cmdb_error_last());
	return 0;
}

static int parse_base(commit_job *job)
{
	if (!job->opts->base)
		return 0;
	if (git_oid_fromstr(&job->base, job->opts->base) < 0)
		return cmdb__error(
			CMDB_EINVALID, "bad base commit '%s': want 40 hex digits", job->opts->base);
	job->has_base = 1;
	return 0;
}

int cmdb_store_commit(char *out_oid, int *changed, cmdb_repo *repo, const cmdb_changeset *cs,
	const cmdb_commit_opts *opts)
{
	static const cmdb_commit_opts defaults = CMDB_COMMIT_OPTS_INIT;
	commit_job job;
	cmdb__packer packer = {NULL, NULL};
	cmdb__lock lock = CMDB_LOCK_INIT;
	cmdb__commit_settings set = {NULL, NULL, -1};
	char *message = NULL;
	struct timespec pause = {0, RETRY_PAUSE_NS};
	git_oid id;
	int rc, raced = 0, did = 0;

	memset(&job, 0, sizeof(job));
	job.repo = repo;
	job.git = repo->git;
	job.opts = opts ? opts : &defaults;
	free(repo->sync_error);
	repo->sync_error = NULL;
	if (!job.opts->author_name || !job.opts->author_email || job.opts->lock_timeout_ms < 0)
		cmdb__settings_commit(&set, repo);
	if ((rc = build_message(&message, job.opts)) < 0 ||
		(rc = make_signature(&job.sig, job.opts, &set)) < 0 ||
		(rc = parse_base(&job)) < 0 ||
		(rc = cmdb__changeset_flush((cmdb_changeset *)cs)) < 0 ||
		(rc = cmdb__changeset_sorted(&job.ops, &job.count, cs)) < 0)
		goto done;
	job.message = message;
	if ((rc = cmdb__lock_acquire(&lock, repo->gitdir,
		     job.opts->lock_timeout_ms >= 0 ? job.opts->lock_timeout_ms
						    : set.lock_timeout_ms)) < 0 ||
		(rc = check_writable(repo)) < 0 || (rc = finish_pending_sync(repo)) < 0)
		goto done;
	if (job.count >= CMDB_PACK_THRESHOLD) {
		if ((rc = cmdb__packer_open(&packer, repo->gitdir)) < 0)
			goto done;
		job.git = packer.git;
		job.packer = &packer;
	}
	for (long deadline = now_ms() + RETRY_MS;;) {
		raced = 0;
		if ((rc = attempt(&id, &did, &raced, &job)) < 0 || !raced || now_ms() > deadline)
			break;
		nanosleep(&pause, NULL);
	}
	if (rc == 0 && raced)
		rc = cmdb__error(CMDB_ELOCKED,
			"%s stayed locked or kept moving for %d ms: another "
			"tool is writing to it; try again",
			CMDB_MAIN_REF, RETRY_MS);
	if (rc < 0)
		goto done;
	if (out_oid)
		git_oid_tostr(out_oid, 41, &id);
	if (changed)
		*changed = did;
done:
	cmdb__packer_close(&packer);
	cmdb__lock_release(&lock);
	cmdb__settings_dispose(&set);
	git_signature_free(job.sig);
	free(message);
	free(job.ops);
	cmdb_changeset_free(job.rebased);
	return rc;
}
