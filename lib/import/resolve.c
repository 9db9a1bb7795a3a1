/*
 * CI names of an export → item ids on main, by the rules of docs/import.md, in order;
 * the first rule that finds something decides, and a name two items share is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "import/import_int.h"

struct cmdb__import_cis {
	cmdb_repo *repo;
	char head[41];
	json_t *ids; /* id → true: every item (not records) at head */
	json_t *names; /* name → [id...], read on first need */
};

static int is_record_path(const char *path)
{
	return !strncmp(path, "change/", 7) || !strncmp(path, "incident/", 9) ||
		!strncmp(path, "problem/", 8);
}

int cmdb__import_cis_new(cmdb__import_cis **out, cmdb_repo *repo, const char *head)
{
	cmdb__import_cis *c = cmdb__calloc(1, sizeof(*c));
	json_t *paths = NULL, *p;
	size_t i;
	int rc;

	*out = NULL;
	if (!c || !(c->ids = json_object())) {
		cmdb_free(c);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	c->repo = repo;
	memcpy(c->head, head, 41);
	if ((rc = cmdb_repo_list(&paths, repo, head, "")) < 0)
		goto done;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p);
		size_t len = strlen(path);
		char *id = NULL;

		if (len < 6 || strcmp(path + len - 5, ".yaml") || is_record_path(path) ||
			cmdb_path_classify(path) != CMDB_PATH_ITEM)
			continue;
		if (cmdb_id_from_path(&id, path) < 0) {
			cmdb_error_clear();
			continue;
		}
		rc = json_object_set_new(c->ids, id, json_true());
		cmdb_free(id);
		if (rc < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
done:
	json_decref(paths);
	if (rc < 0)
		cmdb__import_cis_free(c);
	else
		*out = c;
	return rc;
}

void cmdb__import_cis_free(cmdb__import_cis *c)
{
	if (!c)
		return;
	json_decref(c->ids);
	json_decref(c->names);
	cmdb_free(c);
}

/* name → [id...] of every item, from each item's name field. */
static int load_names(cmdb__import_cis *c)
{
	const char *id;
	json_t *v;

	if (!(c->names = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach(c->ids, id, v)
	{
		json_t *doc = NULL, *list;
		const char *name;

		if (cmdb_repo_read_item(&doc, c->repo, c->head, id) < 0) {
			cmdb_error_clear(); /* validate reports a broken item */
			continue;
		}
		name = json_string_value(json_object_get(doc, "name"));
		if (name && !(list = json_object_get(c->names, name))) {
			list = json_array();
			json_object_set_new(c->names, name, list);
		}
		if (name && json_array_append_new(list, json_string(id)) < 0) {
			json_decref(doc);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
		json_decref(doc);
	}
	return 0;
}

static int found(char **out, cmdb__import_cis *c, const char *id)
{
	if (!json_object_get(c->ids, id))
		return 0;
	if (!(*out = cmdb__strdup(id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 1;
}

/* service/HOST/NAME from "NAME on HOST" or "HOST:NAME". */
static int service(char **out, cmdb__import_cis *c, const char *name)
{
	const char *on = strstr(name, " on "), *colon = strchr(name, ':');
	char *id = NULL;
	int rc = 0;

	if (on && on > name && on[4])
		id = cmdb__sprintf("service/%s/%.*s", on + 4, (int)(on - name), name);
	else if (colon && colon > name && colon[1])
		id = cmdb__sprintf("service/%.*s/%s", (int)(colon - name), name, colon + 1);
	else
		return 0;
	if (!id)
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = found(out, c, id);
	cmdb_free(id);
	return rc;
}

int cmdb__import_ci_resolve(char **out, cmdb__import_cis *c, const char *name)
{
	char *host;
	json_t *list;
	int rc;

	*out = NULL;
	if ((rc = found(out, c, name)) != 0)
		return rc < 0 ? rc : 0;
	if (!(host = cmdb__sprintf("host/%s", name)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = found(out, c, host);
	cmdb_free(host);
	if (rc != 0 || (rc = service(out, c, name)) != 0)
		return rc < 0 ? rc : 0;
	if (!c->names && (rc = load_names(c)) < 0)
		return rc;
	list = json_object_get(c->names, name);
	if (json_array_size(list) == 1)
		return (*out = cmdb__strdup(json_string_value(json_array_get(list, 0))))
			? 0
			: cmdb__error(CMDB_ERROR, "out of memory");
	if (json_array_size(list) > 1) {
		char ids[300];
		size_t o = 0, i;
		json_t *e;

		ids[0] = '\0';
		json_array_foreach(list, i, e) if (o < sizeof(ids)) o += (size_t)snprintf(
			ids + o, sizeof(ids) - o, "%s%s", i ? ", " : "", json_string_value(e));
		return cmdb__error(CMDB_EINVALID,
			"CI '%s' is ambiguous: items %s are all named so: give the id", name, ids);
	}
	return cmdb__error(CMDB_ENOTFOUND,
		"CI '%s' is unknown: no item with that id, host name, service or name (gitcmdb "
		"find)",
		name);
}
