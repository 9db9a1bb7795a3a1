/* Repository settings (gitcmdb.yaml at main) and the commit defaults taken from them. */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "store/settings.h"

int cmdb_repo_settings(json_t **out, cmdb_repo *repo)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	int rc;

	if ((rc = cmdb_repo_read(&buf, &len, repo, NULL, "gitcmdb.yaml")) == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		if (!(doc = json_object()))
			return cmdb__error(CMDB_ERROR, "out of memory");
		*out = doc;
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = cmdb_yaml_parse(&doc, buf, len, "gitcmdb.yaml");
	free(buf);
	if (rc < 0)
		return rc;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return cmdb__error(CMDB_EINVALID, "gitcmdb.yaml: the settings must be a mapping");
	}
	*out = doc;
	return 0;
}

void cmdb__settings_dispose(cmdb__commit_settings *s)
{
	free(s->author_name);
	free(s->author_email);
	memset(s, 0, sizeof(*s));
}

static char *setting_string(const json_t *commit, const char *key)
{
	const char *v = json_string_value(json_object_get(commit, key));

	return v && *v ? cmdb__strdup(v) : NULL;
}

void cmdb__settings_commit(cmdb__commit_settings *s, cmdb_repo *repo)
{
	const char *env = getenv("GITCMDB_LOCK_TIMEOUT_MS");
	json_t *settings = NULL, *commit, *t;

	memset(s, 0, sizeof(*s));
	s->lock_timeout_ms = -1;
	/* An unreadable gitcmdb.yaml must not stop a scan from committing: defaults apply. */
	if (cmdb_repo_settings(&settings, repo) < 0)
		cmdb_error_clear();
	commit = json_object_get(settings, "commit");
	s->author_name = setting_string(commit, "author_name");
	s->author_email = setting_string(commit, "author_email");
	if ((t = json_object_get(commit, "lock_timeout_ms")) && json_is_integer(t) &&
		json_integer_value(t) >= 0 && json_integer_value(t) <= 3600 * 1000)
		s->lock_timeout_ms = (int)json_integer_value(t);
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);

		if (!*end && v >= 0 && v <= 3600 * 1000)
			s->lock_timeout_ms = (int)v;
	}
	json_decref(settings);
}
