/*
 * push and pull of main. A push is never forced: when the remote moved on, its main is
 * fetched, the local commits it lacks are re-applied on it (reapply.c), main moves to
 * the result (the work tree following, cmdb_store_advance) and the push is tried again,
 * after a pause that doubles each time with up to 100 % random jitter, so scanners
 * pushing at once spread out.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/repo.h"
#include "remote/remote_int.h"

#define MAX_PAUSE_MS 3000

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* base/2 .. 3*base/2, so pushers that lost together do not retry together. */
static long jittered(long base)
{
	static unsigned seed;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	return base / 2 + (long)(rand_r(&seed) % (unsigned)(base + 1));
}

static int local_main(git_oid *out, cmdb_repo *repo)
{
	int err = git_reference_name_to_id(out, cmdb__repo_git(repo), CMDB_MAIN_REF);

	if (err == GIT_ENOTFOUND)
		return cmdb__error(
			CMDB_ENOTFOUND, "%s does not exist yet: nothing to push", CMDB_MAIN_REF);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot read %s", CMDB_MAIN_REF) : 0;
}

/* 1 when ancestor is id or one of its ancestors. */
static int contains(cmdb_repo *repo, const git_oid *id, const git_oid *ancestor)
{
	return git_oid_equal(id, ancestor) ||
		git_graph_descendant_of(cmdb__repo_git(repo), id, ancestor) == 1;
}

/*
 * Bring main to the remote's tip R: fast-forward when main is an ancestor of R, else
 * re-apply main's own commits on R. *moved: what main became (hex), *n: commits re-applied.
 */
static int catch_up(char *moved, size_t *n, cmdb_repo *repo, const git_oid *local,
	const git_oid *tip, const cmdb_push_opts *opts, const char *why)
{
	git_oid target;
	char from[GIT_OID_HEXSZ + 1];
	int rc;

	*n = 0;
	if (contains(repo, tip, local))
		git_oid_cpy(&target, tip);
	else if ((rc = cmdb__remote_reapply(&target, n, repo, tip, local, opts)) < 0)
		return rc;
	git_oid_tostr(from, sizeof(from), local);
	git_oid_tostr(moved, GIT_OID_HEXSZ + 1, &target);
	return cmdb_store_advance(repo, from, moved, why);
}

static int report_new(json_t **out, const cmdb__remote *r)
{
	*out = json_pack("{s:s, s:s}", "remote", r->name, "url", r->url);
	return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

static int finish(json_t *rep, const char *status, const git_oid *id, int attempts, size_t n)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	if (json_object_set_new(rep, "status", json_string(status)) < 0 ||
		json_object_set_new(
			rep, "up_to_date", json_boolean(!strcmp(status, "up-to-date"))) < 0 ||
		json_object_set_new(rep, "commit", json_string(hex)) < 0 ||
		json_object_set_new(rep, "attempts", json_integer(attempts)) < 0 ||
		json_object_set_new(rep, "reapplied", json_integer((json_int_t)n)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/*
 * One round. The first tries the push straight away (libgit2 refuses it as not a
 * fast-forward when the remote's main is not in our history: one connection when nobody
 * else pushed); later ones fetch first, catch up when the remote moved on, and push.
 * *again when it lost a race.
 */
static int push_round(int *again, const char **status, git_oid *pushed, size_t *reapplied,
	cmdb_repo *repo, const cmdb__remote *r, const cmdb_push_opts *opts, int fetch_first)
{
	git_oid local, tip, after;
	int has_tip = 0, rejected = 0, rc, has_after = 0, up_to_date = 0;
	size_t n = 0;
	char moved[GIT_OID_HEXSZ + 1];

	*again = 0;
	if (fetch_first && (rc = cmdb__remote_fetch(&tip, &has_tip, repo, r)) < 0)
		return rc;
	if ((rc = local_main(&local, repo)) < 0)
		return rc;
	if (has_tip && contains(repo, &tip, &local)) {
		*status = git_oid_equal(&tip, &local) ? "up-to-date" : "behind";
		git_oid_cpy(pushed, &tip);
		return 0;
	}
	if (has_tip && !contains(repo, &local, &tip)) {
		rc = catch_up(
			moved, &n, repo, &local, &tip, opts, "push: re-applied on the remote");
		if (rc == CMDB_ELOCKED) { /* a local commit landed meanwhile: start over */
			cmdb_error_clear();
			*again = 1;
			return 0;
		}
		if (rc < 0)
			return rc;
		*reapplied = n;
		git_oid_fromstr(&local, moved);
	}
	rc = cmdb__remote_push_oid(&rejected, &up_to_date, repo, r, &local);
	if (rejected == 2) {
		/* Refused: a lost race when the remote's main moved meanwhile, else for real. */
		char *why = cmdb__strdup(cmdb_error_last());

		if (!why)
			return cmdb__error(CMDB_ERROR, "out of memory");
		if (!fetch_first ||
			(cmdb__remote_fetch(&after, &has_after, repo, r) == 0 && has_after &&
				!git_oid_equal(&after, &local) &&
				(!has_tip || !git_oid_equal(&after, &tip)))) {
			*again = 1;
			rc = 0;
		} else {
			rc = cmdb__error(
				CMDB_ERROR, "%s: local commits kept for the next push", why);
		}
		free(why);
		return rc;
	}
	if (rc < 0)
		return rc;
	if (rejected) {
		*again = 1;
		return 0;
	}
	*status = up_to_date ? "up-to-date" : "pushed";
	git_oid_cpy(pushed, &local);
	return 0;
}

int cmdb_remote_push(json_t **report, cmdb_repo *repo, const char *name, const cmdb_push_opts *opts)
{
	static const cmdb_push_opts defaults = CMDB_PUSH_OPTS_INIT;
	cmdb__remote r;
	json_t *rep = NULL;
	const char *status = NULL;
	git_oid pushed;
	size_t reapplied = 0;
	int rc, again = 0, attempt = 0, max;
	long wait;

	*report = NULL;
	opts = opts ? opts : &defaults;
	max = opts->attempts > 0 ? opts->attempts : 16;
	wait = opts->backoff_ms > 0 ? opts->backoff_ms : 100;
	if ((rc = cmdb__remote_load(&r, repo, name)) < 0)
		return rc;
	if ((rc = report_new(&rep, &r)) < 0)
		goto done;
	for (attempt = 1; attempt <= max; attempt++) {
		int fetch_first = attempt > 1;

		if ((rc = push_round(&again, &status, &pushed, &reapplied, repo, &r, opts,
			     fetch_first)) < 0 ||
			!again)
			break;
		/* the first refusal only says the remote moved: fetch now, pause after that */
		if (attempt > 1 && attempt < max) {
			pause_ms(jittered(wait));
			wait = wait * 2 > MAX_PAUSE_MS ? MAX_PAUSE_MS : wait * 2;
		}
	}
	if (rc == 0 && again)
		rc = cmdb__error(CMDB_ELOCKED,
			"remote %s kept moving: %d pushes lost the race to other pushers; local "
			"commits kept, push again",
			r.name, max);
	if (rc == 0 &&
		(rc = finish(rep, status, &pushed, attempt > max ? max : attempt, reapplied)) ==
			0) {
		*report = rep;
		rep = NULL;
	}
done:
	json_decref(rep);
	cmdb__remote_dispose(&r);
	return rc;
}

int cmdb_remote_pull(json_t **report, cmdb_repo *repo, const char *name, const cmdb_push_opts *opts)
{
	static const cmdb_push_opts defaults = CMDB_PUSH_OPTS_INIT;
	cmdb__remote r;
	json_t *rep = NULL;
	git_oid local, tip;
	int has_tip = 0, has_local, rc;
	size_t n = 0;
	char moved[GIT_OID_HEXSZ + 1];
	const char *status;

	*report = NULL;
	opts = opts ? opts : &defaults;
	if ((rc = cmdb__remote_load(&r, repo, name)) < 0)
		return rc;
	if ((rc = report_new(&rep, &r)) < 0 ||
		(rc = cmdb__remote_fetch(&tip, &has_tip, repo, &r)) < 0)
		goto done;
	if (!has_tip) {
		rc = cmdb__error(CMDB_ENOTFOUND, "remote %s has no %s yet: push first", r.name,
			CMDB_MAIN_REF);
		goto done;
	}
	has_local = git_reference_name_to_id(&local, cmdb__repo_git(repo), CMDB_MAIN_REF) == 0;
	if (!has_local) {
		git_oid_tostr(moved, sizeof(moved), &tip);
		rc = cmdb_store_advance(repo, NULL, moved, "pull: first main");
		status = "fast-forward";
		local = tip;
	} else if (contains(repo, &local, &tip)) {
		status = git_oid_equal(&local, &tip) ? "up-to-date" : "ahead";
	} else {
		status = contains(repo, &tip, &local) ? "fast-forward" : "reapplied";
		rc = catch_up(moved, &n, repo, &local, &tip, opts, "pull");
		if (rc == 0)
			git_oid_fromstr(&local, moved);
	}
	if (rc < 0 || (rc = finish(rep, status, &local, 1, n)) < 0)
		goto done;
	if (cmdb_repo_sync_error(repo) &&
		json_object_set_new(
			rep, "worktree_error", json_string(cmdb_repo_sync_error(repo))) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	*report = rep;
	rep = NULL;
done:
	json_decref(rep);
	cmdb__remote_dispose(&r);
	return rc;
}
