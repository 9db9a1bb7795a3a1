/*
 * When main moved while the scan ran (a person committed an annotation, another
 * scan landed), the store hands back each operation whose path changed since the
 * main the merge read (s->base); this file merges it again with main as it is
 * now, by the same ownership rules, so nothing committed meanwhile is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "scan/scan_apply.h"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static int note(scan_ctx *s, const char *key, const char *text)
{
	json_t *list = json_object_get(s->report, key);

	if (!list && json_object_set_new(s->report, key, list = json_array()) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!list || json_array_append_new(list, json_string(text)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* path's item at head (*cur NULL when absent); an item that no longer parses is left alone. */
static int read_current(
	json_t **cur, int *unreadable, scan_ctx *s, const char *path, const char *head)
{
	char *raw = NULL;
	size_t len = 0;
	int rc = cmdb_repo_read(&raw, &len, s->repo, head, path);

	*cur = NULL;
	*unreadable = 0;
	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		return 0;
	}
	if (rc == 0 && cmdb_yaml_parse(cur, raw, len, path) < 0) {
		char *w = cmdb__sprintf("%s changed on main during the scan and no longer parses "
					"(%s): left as it is",
			path, cmdb_error_last());

		cmdb_error_clear();
		*unreadable = 1;
		rc = w ? note(s, "warnings", w) : cmdb__error(CMDB_ERROR, "out of memory");
		free(w);
	}
	free(raw);
	return rc;
}

/* The staged item merged with cur, put unless head already holds exactly those bytes. */
static int put_merged(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const json_t *cur, scan_ctx *s, const char *head)
{
	json_t *staged = NULL, *merged = NULL;
	char *yaml = NULL, *raw = NULL;
	size_t ylen = 0, rlen = 0;
	int rc;

	if ((rc = cmdb_yaml_parse(&staged, data, len, path)) < 0 ||
		(rc = cmdb__scan_remerge_item(&merged, staged, cur)) < 0 ||
		(rc = cmdb_yaml_emit(&yaml, &ylen, merged, CMDB_YAML_ITEM)) < 0)
		goto done;
	if (cur && (rc = cmdb_repo_read(&raw, &rlen, s->repo, head, path)) < 0)
		goto done;
	if (!raw || rlen != ylen || memcmp(raw, yaml, ylen) != 0)
		rc = cmdb_changeset_put_file(out, path, yaml, ylen);
done:
	json_decref(staged);
	json_decref(merged);
	free(yaml);
	free(raw);
	return rc;
}

int cmdb__scan_remerge(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	scan_ctx *s = payload;
	json_t *cur = NULL;
	int rc, unreadable = 0;

	if ((rc = note(s, "remerged", path)) < 0)
		return rc;
	/* Captured files and anything but an item are the scanner's alone. */
	if (strncmp(path, "file/", 5) == 0 || !ends_with(path, ".yaml"))
		return data ? cmdb_changeset_put_file(out, path, data, len)
			    : cmdb_changeset_delete(out, path);
	if ((rc = read_current(&cur, &unreadable, s, path, head)) < 0 || unreadable)
		goto done;
	if (!data) {
		/* A removal stands only for an item that is still the scanner's. */
		if (cur && cmdb__scan_is_scan_item(cur))
			rc = cmdb_changeset_delete(out, path);
	} else if (strncmp(path, "group/", 6) == 0) {
		/* Group items are created once, then people's. */
		if (!cur)
			rc = cmdb_changeset_put_file(out, path, data, len);
	} else {
		rc = put_merged(out, path, data, len, cur, s, head);
	}
done:
	json_decref(cur);
	return rc;
}

int cmdb_scan_remerge(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	scan_ctx s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.repo = payload;
	if (!(s.report = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = cmdb__scan_remerge(out, path, data, len, head, &s);
	json_decref(s.report);
	return rc;
}
