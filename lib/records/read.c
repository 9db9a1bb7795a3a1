/* Reading records straight from main's tree: `list` and `show` need no index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "records/records_int.h"

/* One listed record: its id, every attribute, its relations; or {id, error}. */
static int list_entry(json_t *list, cmdb_repo *repo, const char *head, const char *path,
	const char *id, const char *status)
{
	json_t *doc = NULL, *e = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cmdb_repo_read(&buf, &len, repo, head, path)) < 0)
		goto done;
	if (cmdb_yaml_parse(&doc, buf, len, path) < 0 || !json_is_object(doc)) {
		e = json_pack("{s:s, s:s}", "id", id, "error",
			json_is_object(doc) || !doc ? cmdb_error_last() : "not a map");
		cmdb_error_clear();
	} else {
		json_t *attrs = json_object_get(doc, "attributes");
		const char *st = cmdb__record_get(doc, "status");

		if (status && (!st || strcmp(st, status)))
			goto done;
		e = json_is_object(attrs) ? json_deep_copy(attrs) : json_object();
		if (e &&
			(json_object_set_new(e, "id", json_string(id)) < 0 ||
				json_object_set(e, "relations",
					json_is_object(json_object_get(doc, "relations"))
						? json_object_get(doc, "relations")
						: json_object()) < 0)) {
			json_decref(e);
			e = NULL;
		}
	}
	if (!e || json_array_append_new(list, e) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	json_decref(doc);
	cmdb_free(buf);
	return rc;
}

int cmdb_records_list(json_t **out, cmdb_repo *repo, cmdb_record_kind kind, const char *status)
{
	const char *type = cmdb_record_type(kind);
	json_t *paths = NULL, *list = json_array(), *p;
	char head[41], prefix[32];
	size_t i;
	int rc;

	if (!type || !list) {
		json_decref(list);
		return type ? cmdb__error(CMDB_ERROR, "out of memory")
			    : cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	}
	snprintf(prefix, sizeof(prefix), "%s/", type);
	if ((rc = cmdb_repo_resolve(head, repo, CMDB_MAIN_REF)) < 0 ||
		(rc = cmdb_repo_list(&paths, repo, head, prefix)) < 0)
		goto done;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p) + strlen(prefix);
		size_t len = strlen(path);
		char id[CMDB_RECORD_ID_MAX + 1];

		if (len < 6 || len - 5 > CMDB_RECORD_ID_MAX || strcmp(path + len - 5, ".yaml"))
			continue;
		memcpy(id, path, len - 5);
		id[len - 5] = '\0';
		if (!cmdb_record_id_valid(kind, id))
			continue; /* validate reports a badly named record */
		if ((rc = list_entry(list, repo, head, json_string_value(p), id, status)) < 0)
			goto done;
	}
	*out = list;
	list = NULL;
done:
	json_decref(paths);
	json_decref(list);
	return rc;
}

/* {id, type, exists, summary?} for each target of relation rel. */
static int related(
	json_t *out, cmdb_repo *repo, const char *head, const json_t *doc, const char *rel)
{
	json_t *arr = json_array(), *e;
	size_t i;

	if (!arr || json_object_set_new(out, rel, arr) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_array_foreach(json_object_get(json_object_get(doc, "relations"), rel), i, e)
	{
		const char *t = json_string_value(e);
		json_t *item = NULL, *entry;
		char *type = NULL;
		int rc;

		if (!t)
			continue;
		rc = cmdb_repo_read_item(&item, repo, head, t);
		cmdb_error_clear();
		if (cmdb_id_type(&type, t) < 0)
			cmdb_error_clear();
		entry = json_pack("{s:s, s:s?, s:b}", "id", t, "type", type, "exists", rc == 0);
		cmdb_free(type);
		if (entry && rc == 0 && cmdb__record_get(item, "summary"))
			json_object_set_new(
				entry, "summary", json_string(cmdb__record_get(item, "summary")));
		if (entry && rc == 0 && cmdb__record_get(item, "status"))
			json_object_set_new(
				entry, "status", json_string(cmdb__record_get(item, "status")));
		json_decref(item);
		if (!entry || json_array_append_new(arr, entry) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

int cmdb_record_show(json_t **out, cmdb_repo *repo, const char *id)
{
	static const char *const rels[] = {"affects", "caused_by", "incidents", NULL};
	json_t *doc = NULL, *res = NULL, *rel = json_object();
	char *bare = NULL, *full = NULL, head[41];
	cmdb_record_kind kind;
	const char *type;
	int rc;

	if (!rel)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb_record_id_resolve(&bare, &kind, id)) < 0)
		goto done;
	type = cmdb_record_type(kind);
	if (!(full = cmdb__sprintf("%s/%s", type, bare))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb_repo_resolve(head, repo, CMDB_MAIN_REF)) < 0)
		goto done;
	if ((rc = cmdb_repo_read_item(&doc, repo, head, full)) == CMDB_ENOTFOUND) {
		rc = cmdb__error(CMDB_ENOTFOUND, "no %s %s on main: see 'gitcmdb %s list'", type,
			bare, type);
		goto done;
	} else if (rc < 0) {
		goto done;
	}
	for (size_t i = 0; rels[i]; i++)
		if ((rc = related(rel, repo, head, doc, rels[i])) < 0)
			goto done;
	if (!(res = json_pack("{s:s, s:s, s:s+, s:s, s:O, s:O}", "id", bare, "kind", type, "path",
		      full, ".yaml", "commit", head, "record", doc, "related", rel))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	*out = res;
done:
	json_decref(doc);
	json_decref(rel);
	cmdb_free(bare);
	cmdb_free(full);
	return rc;
}
