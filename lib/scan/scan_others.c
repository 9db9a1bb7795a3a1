/*
 * The hosts of the CMDB that this scan did not scan (failed, outside --limit,
 * or gone from the inventory): their items feed discovery and duplicate
 * detection, and those gone from the inventory are reported or pruned.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "scan/scan_apply.h"

/* Only what duplicate detection needs, so big host items can be freed early. */
int cmdb__scan_keep_identity(json_t *idents, const char *name, const json_t *host_item)
{
	const json_t *ident = json_object_get(json_object_get(host_item, "attributes"), "identity");
	json_t *v;

	if (!json_is_object(ident))
		return 0;
	v = json_pack("{s{sO}}", "attributes", "identity", ident);
	if (!v || json_object_set_new(idents, name, v) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* The host item and services of a host the scan did not reach, as {id: item}. */
static int read_existing_host(json_t **items, scan_ctx *s, const char *name)
{
	char *dir = cmdb__sprintf("service/%s/", name),
	     *hpath = cmdb__sprintf("host/%s.yaml", name);
	json_t *paths = NULL, *res = json_object(), *p;
	size_t i;
	int rc;

	*items = NULL;
	if (!dir || !hpath || !res) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb__scan_list_dir(&paths, s, dir)) < 0)
		goto done;
	if (json_array_insert_new(paths, 0, json_string(hpath)) < 0) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p);
		size_t pl = strlen(path), len;
		char *raw = NULL, *id = NULL;
		json_t *old = NULL;

		if (pl < 6 || strcmp(path + pl - 5, ".yaml") != 0)
			continue;
		/*
		 * An unparsable neighbour costs discovery some edges, not the scan; any other
		 * failure (memory, the repository) would quietly drop the item, and with it
		 * its removal by --prune.
		 */
		rc = cmdb__scan_read_item(&old, &raw, &len, s, path);
		if (rc == CMDB_EINVALID || rc == CMDB_ETOOBIG) {
			cmdb_error_clear();
			rc = 0;
		}
		if (rc == 0 && old &&
			(!(id = cmdb__strndup(path, pl - 5)) || json_object_set(res, id, old) < 0))
			rc = cmdb__error(CMDB_ERROR, "out of memory");
		json_decref(old);
		free(raw);
		free(id);
		if (rc < 0)
			goto done;
	}
	*items = res;
	res = NULL;
done:
	json_decref(paths);
	json_decref(res);
	free(dir);
	free(hpath);
	return rc;
}

static int report_list_add(scan_ctx *s, const char *key, const char *value)
{
	json_t *list = json_object_get(s->report, key);

	if (!list && (json_object_set_new(s->report, key, list = json_array()) < 0 || !list))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return json_array_append_new(list, json_string(value)) < 0
		? cmdb__error(CMDB_ERROR, "out of memory")
		: 0;
}

/* A host in the CMDB that left the inventory keeps its items unless --prune. */
static int gone_host(scan_ctx *s, const char *name, const json_t *items)
{
	char *hid = cmdb__sprintf("host/%s", name), *fdir = cmdb__sprintf("file/%s/", name);
	json_t *files = NULL, *p;
	const char *id;
	json_t *item;
	size_t i;
	int rc = 0;

	if (!hid || !fdir) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (!cmdb__scan_is_scan_item(json_object_get(items, hid)))
		goto done;
	if (!s->opts->prune) {
		rc = report_list_add(s, "not_in_inventory", hid);
		goto done;
	}
	if ((rc = cmdb__scan_list_dir(&files, s, fdir)) < 0 ||
		(rc = report_list_add(s, "pruned", hid)) < 0)
		goto done;
	json_object_foreach((json_t *)items, id, item)
	{
		char *path = cmdb__sprintf("%s.yaml", id);

		if (!path || !cmdb__scan_is_scan_item(item))
			rc = path ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
		else if ((rc = cmdb_changeset_delete(s->cs, path)) == 0)
			rc = cmdb__scan_add_change(s->changes, id, "removed", item, NULL);
		free(path);
		if (rc < 0)
			goto done;
	}
	json_array_foreach(files, i,
		p) if ((rc = cmdb_changeset_delete(s->cs, json_string_value(p))) < 0) goto done;
done:
	json_decref(files);
	free(hid);
	free(fdir);
	return rc;
}

static int in_inventory(const cmdb_inventory *inv, const char *name)
{
	for (size_t i = 0; i < cmdb_inventory_count(inv); i++)
		if (strcmp(cmdb_inventory_host(inv, i)->name, name) == 0)
			return 1;
	return 0;
}

/* Hosts of the CMDB not scanned ok this time: endpoints for discovery, identities, pruning. */
int cmdb__scan_load_others(scan_ctx *s, json_t *idents)
{
	json_t *paths = NULL, *p;
	size_t i;
	int rc;

	if ((rc = cmdb__scan_list_dir(&paths, s, "host/")) < 0)
		return rc;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p) + 5;
		size_t nl = strlen(path);
		char *name, *hid;
		json_t *items = NULL;

		if (nl < 6 || strchr(path, '/') || strcmp(path + nl - 5, ".yaml") != 0)
			continue;
		if (!(name = cmdb__strndup(path, nl - 5)) ||
			!(hid = cmdb__sprintf("host/%s", name))) {
			free(name);
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			break;
		}
		if (!json_object_get(s->scanned, name) &&
			(rc = read_existing_host(&items, s, name)) == 0 &&
			(rc = cmdb__net_add_host(s->net, name, items)) == 0 &&
			(rc = cmdb__scan_keep_identity(
				 idents, name, json_object_get(items, hid))) == 0 &&
			!in_inventory(s->inv, name))
			rc = gone_host(s, name, items);
		json_decref(items);
		free(name);
		free(hid);
		if (rc < 0)
			break;
	}
	json_decref(paths);
	return rc;
}
