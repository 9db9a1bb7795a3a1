/*
 * Baselines: annotated tags refs/tags/baseline/NAME on a commit of main, so a
 * configuration as it was at an audit, a release or a quarter's end can be named,
 * compared (diff baseline/NAME) and proved (the tag holds who made it and when).
 * Plain git sees them as tags; nothing here writes anything but the tag's ref.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "store/repo_internal.h"
#include "store/tree.h"

#define BASELINE_PREFIX "refs/tags/baseline/"
#define NAME_MAX_BYTES 200

static int check_name(const char *name)
{
	char ref[sizeof(BASELINE_PREFIX) + NAME_MAX_BYTES + 1];
	int valid = 0;

	if (!name || !*name || strlen(name) > NAME_MAX_BYTES || strchr(name, '/') || name[0] == '-')
		goto bad;
	snprintf(ref, sizeof(ref), BASELINE_PREFIX "%s", name);
	if (git_reference_name_is_valid(&valid, ref) < 0 || !valid)
		goto bad;
	return 0;
bad:
	return cmdb__error(CMDB_EINVALID,
		"bad baseline name '%s': use letters, digits, '.', '_' and '-' (at most %d "
		"bytes, no '/'), e.g. 2026-Q4",
		name ? name : "", NAME_MAX_BYTES);
}

/* The latest commit on main's first-parent line whose committer time is <= t. */
static int commit_at_time(git_oid *out, cmdb_repo *repo, long long t, const char *when)
{
	git_commit *c = NULL, *parent = NULL;
	git_oid id;
	char first[CMDB__TIME_BUF];
	int err, rc = 0;

	if ((err = git_reference_name_to_id(&id, repo->git, CMDB_MAIN_REF)) < 0 ||
		(err = git_commit_lookup(&c, repo->git, &id)) < 0)
		return cmdb__error_git(CMDB_ENOTFOUND, err, "cannot read %s", CMDB_MAIN_REF);
	while ((long long)git_commit_time(c) > t) {
		if (git_commit_parentcount(c) == 0) {
			cmdb__time_format(first, (long long)git_commit_time(c));
			rc = cmdb__error(CMDB_ENOTFOUND, "'%s' is before the first commit (%s)",
				when, first);
			goto done;
		}
		if ((err = git_commit_parent(&parent, c, 0)) < 0) {
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot walk %s", CMDB_MAIN_REF);
			goto done;
		}
		git_commit_free(c);
		c = parent;
		parent = NULL;
	}
	git_oid_cpy(out, git_commit_id(c));
done:
	git_commit_free(c);
	return rc;
}

int cmdb_repo_commit_at(char out[41], cmdb_repo *repo, const char *when)
{
	long long t = 0;
	git_oid id;
	int rc;

	if (!when || !*when)
		return cmdb__error(CMDB_EINVALID,
			"empty WHEN: give a date, a revision or a "
			"baseline name");
	if ((rc = cmdb__time_parse(&t, when, (long long)time(NULL))) < 0)
		return rc;
	if (rc == 1) {
		if (strncmp(when, "baseline/", 9) == 0 && check_name(when + 9) == 0 &&
			cmdb_repo_resolve(out, repo, when) < 0)
			return cmdb__error(CMDB_ENOTFOUND,
				"no baseline '%s': see 'gitcmdb baseline list'", when + 9);
		return cmdb_repo_resolve(out, repo, when);
	}
	if ((rc = commit_at_time(&id, repo, t, when)) < 0)
		return rc;
	git_oid_tostr(out, 41, &id);
	return 0;
}

static int tagger(git_signature **out, cmdb_repo *repo)
{
	char *name = NULL, *email = NULL;
	int err;

	if (cmdb_repo_user(&name, &email, repo) < 0)
		cmdb_error_clear();
	err = git_signature_now(
		out, name ? name : "gitcmdb user", email ? email : "gitcmdb@localhost");
	if (err < 0)
		err = cmdb__error_git(CMDB_EINVALID, err, "bad tagger '%s <%s>'",
			name ? name : "gitcmdb user", email ? email : "gitcmdb@localhost");
	cmdb_free(name);
	cmdb_free(email);
	return err < 0 ? err : 0;
}

int cmdb_baseline_create(char out_commit[41], cmdb_repo *repo, const char *name,
	const char *message, const char *when)
{
	git_object *target = NULL;
	git_signature *sig = NULL;
	git_oid cid, tid;
	char hex[41], *msg = NULL, *tagname = NULL;
	int err, rc;

	if ((rc = check_name(name)) < 0 ||
		(rc = cmdb_repo_commit_at(hex, repo, when ? when : CMDB_MAIN_REF)) < 0 ||
		(rc = tagger(&sig, repo)) < 0)
		goto done;
	msg = cmdb__sprintf("%s\n", message && *message ? message : "gitcmdb baseline");
	tagname = cmdb__sprintf("baseline/%s", name);
	if (!msg || !tagname) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((err = git_oid_fromstr(&cid, hex)) < 0 ||
		(err = git_object_lookup(&target, repo->git, &cid, GIT_OBJECT_COMMIT)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot read commit %s", hex);
		goto done;
	}
	for (int tries = 0; cmdb__odb_retry(
		     err = git_tag_create(&tid, repo->git, tagname, target, sig, msg, 0), &tries);)
		;
	if (err == GIT_EEXISTS) {
		rc = cmdb__error(CMDB_EINVALID,
			"baseline '%s' already exists: pick another name, or 'gitcmdb baseline "
			"delete %s' first",
			name, name);
		goto done;
	} else if (err < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot create the tag %s", tagname);
		goto done;
	}
	if (out_commit)
		memcpy(out_commit, hex, 41);
done:
	git_object_free(target);
	git_signature_free(sig);
	free(msg);
	free(tagname);
	return rc;
}

/* One baseline as {name, commit, commit_time, created, tagger, message}. */
static int describe(json_t *list, cmdb_repo *repo, const char *refname)
{
	git_object *obj = NULL, *peeled = NULL;
	git_tag *tag = NULL;
	json_t *e = NULL;
	char hex[41], created[CMDB__TIME_BUF] = "", ctime[CMDB__TIME_BUF];
	const git_signature *who = NULL;
	const char *msg = "";
	int rc = 0;

	if (git_revparse_single(&obj, repo->git, refname) < 0 ||
		git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		cmdb_error_clear();
		goto done; /* a tag on something else is not ours to list */
	}
	if (git_object_type(obj) == GIT_OBJECT_TAG) {
		tag = (git_tag *)obj;
		who = git_tag_tagger(tag);
		msg = git_tag_message(tag) ? git_tag_message(tag) : "";
	}
	if (who)
		cmdb__time_format(created, (long long)who->when.time);
	cmdb__time_format(ctime, (long long)git_commit_time((git_commit *)peeled));
	git_oid_tostr(hex, sizeof(hex), git_object_id(peeled));
	e = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s%}", "name",
		refname + strlen(BASELINE_PREFIX), "commit", hex, "commit_time", ctime, "created",
		who ? created : NULL, "tagger", who ? who->name : NULL, "message", msg,
		strcspn(msg, "\n"));
	if (!e || json_array_append_new(list, e) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmdb_baseline_list(json_t **out, cmdb_repo *repo)
{
	git_strarray names = {NULL, 0};
	json_t *list = json_array();
	int err, rc = 0;

	if (!list)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((err = git_reference_list(&names, repo->git)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot list the tags");
		goto done;
	}
	/* git_reference_list is not sorted: sort the names so the list is stable */
	qsort(names.strings, names.count, sizeof(char *), cmp_names);
	for (size_t i = 0; i < names.count && rc == 0; i++)
		if (strncmp(names.strings[i], BASELINE_PREFIX, strlen(BASELINE_PREFIX)) == 0)
			rc = describe(list, repo, names.strings[i]);
	if (rc == 0) {
		*out = list;
		list = NULL;
	}
done:
	git_strarray_dispose(&names);
	json_decref(list);
	return rc;
}

int cmdb_baseline_delete(cmdb_repo *repo, const char *name)
{
	char *tagname = NULL;
	int err, rc;

	if ((rc = check_name(name)) < 0)
		return rc;
	if (!(tagname = cmdb__sprintf("baseline/%s", name)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((err = git_tag_delete(repo->git, tagname)) == GIT_ENOTFOUND)
		rc = cmdb__error(
			CMDB_ENOTFOUND, "no baseline '%s': see 'gitcmdb baseline list'", name);
	else if (err < 0)
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot delete the tag %s", tagname);
	free(tagname);
	return rc;
}
