/* The remotes in the repository's git config: add, remove, list, and parsing their URLs. */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/repo.h"
#include "remote/remote_int.h"

#define IDENTITY_KEY "gitcmdbIdentity"

static int config_get(char **out, git_config *cfg, const char *key)
{
	git_buf b = GIT_BUF_INIT;
	int err = git_config_get_string_buf(&b, cfg, key);

	*out = NULL;
	if (err == GIT_ENOTFOUND)
		return 0;
	if (err < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot read %s from git config", key);
	*out = cmdb__strdup(b.ptr);
	git_buf_dispose(&b);
	return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

static int open_config(git_config **cfg, cmdb_repo *repo)
{
	int err = git_repository_config(cfg, cmdb__repo_git(repo));

	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot open the git config") : 0;
}

static int name_ok(const char *name)
{
	int valid = 0;

	return name && *name && git_remote_name_is_valid(&valid, name) == 0 && valid;
}

static int url_ok(const char *url)
{
	return url && *url && !strchr(url, '\n') && !strchr(url, ' ');
}

int cmdb_remote_add(cmdb_repo *repo, const char *name, const char *url, const char *identity)
{
	git_remote *r = NULL;
	git_config *cfg = NULL;
	char *key = NULL;
	cmdb__remote probe = {NULL};
	int err, rc = 0;

	if (!name_ok(name))
		return cmdb__error(CMDB_EINVALID,
			"bad remote name '%s': use letters, digits, '-', '_' and '.'",
			name ? name : "");
	if (!url_ok(url))
		return cmdb__error(CMDB_EINVALID, "bad remote URL '%s'", url ? url : "");
	probe.url = (char *)url;
	if ((rc = cmdb__remote_parse_url(&probe)) < 0)
		goto done;
	if (identity && (!*identity || strchr(identity, '\n')))
		return cmdb__error(CMDB_EINVALID, "bad identity file name '%s'", identity);
	err = git_remote_create(&r, cmdb__repo_git(repo), name, url);
	if (err == GIT_EEXISTS) {
		rc = cmdb__error(CMDB_EEXISTS, "remote '%s' already exists", name);
		goto done;
	}
	if (err < 0) {
		rc = cmdb__error_git(CMDB_EINVALID, err, "cannot add remote '%s'", name);
		goto done;
	}
	if (identity) {
		if ((rc = open_config(&cfg, repo)) < 0)
			goto done;
		if (!(key = cmdb__sprintf("remote.%s." IDENTITY_KEY, name)))
			rc = cmdb__error(CMDB_ERROR, "out of memory");
		else if ((err = git_config_set_string(cfg, key, identity)) < 0)
			rc = cmdb__error_git(CMDB_ERROR, err, "cannot record the identity");
		if (rc < 0)
			git_remote_delete(cmdb__repo_git(repo), name);
	}
done:
	free(probe.host);
	free(probe.user);
	free(key);
	git_config_free(cfg);
	git_remote_free(r);
	return rc;
}

int cmdb_remote_remove(cmdb_repo *repo, const char *name)
{
	git_remote *r = NULL;
	int err;

	if (!name || git_remote_lookup(&r, cmdb__repo_git(repo), name) < 0)
		return cmdb__error(CMDB_ENOTFOUND, "no remote '%s': see 'gitcmdb remote list'",
			name ? name : "");
	git_remote_free(r);
	if ((err = git_remote_delete(cmdb__repo_git(repo), name)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot remove remote '%s'", name);
	return 0;
}

static int list_entry(json_t *arr, cmdb_repo *repo, const char *name)
{
	cmdb__remote r;
	json_t *o = NULL;
	int rc;

	if ((rc = cmdb__remote_load(&r, repo, name)) < 0)
		return rc;
	if (!(o = json_pack("{s:s, s:s}", "name", r.name, "url", r.url)) ||
		(r.identity && json_object_set_new(o, "identity", json_string(r.identity)) < 0) ||
		json_array_append_new(arr, o) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	cmdb__remote_dispose(&r);
	return rc;
}

int cmdb_remote_list(json_t **out, cmdb_repo *repo)
{
	git_strarray names = {NULL, 0};
	json_t *arr = json_array();
	int err, rc = 0;

	*out = NULL;
	if (!arr)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((err = git_remote_list(&names, cmdb__repo_git(repo))) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot list the remotes");
		goto done;
	}
	/* git_remote_list sorts the names. */
	for (size_t i = 0; i < names.count && rc == 0; i++)
		rc = list_entry(arr, repo, names.strings[i]);
	if (rc == 0) {
		*out = arr;
		arr = NULL;
	}
done:
	git_strarray_dispose(&names);
	json_decref(arr);
	return rc;
}

int cmdb_remote_default(char **out, cmdb_repo *repo)
{
	git_strarray names = {NULL, 0};
	int err, rc = 0;
	const char *pick = NULL;

	*out = NULL;
	if ((err = git_remote_list(&names, cmdb__repo_git(repo))) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot list the remotes");
	for (size_t i = 0; i < names.count; i++)
		if (strcmp(names.strings[i], "origin") == 0)
			pick = "origin";
	if (!pick && names.count == 1)
		pick = names.strings[0];
	if (!pick)
		rc = cmdb__error(CMDB_ENOTFOUND,
			names.count
				? "%zu remotes and none is 'origin': name the remote"
				: "no remote configured (%zu): add one with 'gitcmdb remote add "
				  "NAME URL'",
			names.count);
	else if (!(*out = cmdb__strdup(pick)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	git_strarray_dispose(&names);
	return rc;
}

void cmdb__remote_dispose(cmdb__remote *r)
{
	free(r->name);
	free(r->url);
	free(r->identity);
	free(r->host);
	free(r->user);
	memset(r, 0, sizeof(*r));
}

int cmdb__remote_load(cmdb__remote *out, cmdb_repo *repo, const char *name)
{
	git_config *cfg = NULL;
	char *key = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name_ok(name))
		return cmdb__error(CMDB_EINVALID, "bad remote name '%s'", name ? name : "");
	if ((rc = open_config(&cfg, repo)) < 0)
		return rc;
	if (!(out->name = cmdb__strdup(name)) || !(key = cmdb__sprintf("remote.%s.url", name))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = config_get(&out->url, cfg, key)) < 0)
		goto done;
	if (!out->url) {
		rc = cmdb__error(CMDB_ENOTFOUND,
			"no remote '%s': add it with 'gitcmdb remote add %s URL' (see 'gitcmdb "
			"remote list')",
			name, name);
		goto done;
	}
	free(key);
	if (!(key = cmdb__sprintf("remote.%s." IDENTITY_KEY, name))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = config_get(&out->identity, cfg, key)) < 0 ||
		(rc = cmdb__remote_parse_url(out)) < 0)
		goto done;
done:
	if (rc < 0)
		cmdb__remote_dispose(out);
	free(key);
	git_config_free(cfg);
	return rc;
}
