/*
 * The single-threaded half of a scan: turn each scanned host's fresh items into
 * the changeset of the scan commit. Per host, every operation is staged first
 * and only added to the changeset when the whole host went through, so a host
 * that fails here leaves its files exactly as they were.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/yaml.h"
#include "scan/scan_apply.h"

#define DESCRIBE_MAX_PARTS 12

/* The merge reads one commit, whatever lands on main meanwhile (the store re-merges that). */
static const char *base_rev(const scan_ctx *s)
{
	return s->base[0] ? s->base : NULL;
}

/* Read the blob at path at s->base: *raw (cmdb_free) or NULL when absent. */
int cmdb__scan_read_raw(char **raw, size_t *len, scan_ctx *s, const char *path)
{
	int rc = cmdb_repo_read(raw, len, s->repo, base_rev(s), path);

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		*raw = NULL;
		*len = 0;
		return 0;
	}
	return rc;
}

/* Read and parse the item at path at s->base; *old NULL when absent. */
int cmdb__scan_read_item(json_t **old, char **raw, size_t *len, scan_ctx *s, const char *path)
{
	int rc;

	*old = NULL;
	if ((rc = cmdb__scan_read_raw(raw, len, s, path)) < 0 || !*raw)
		return rc;
	if ((rc = cmdb_yaml_parse(old, *raw, *len, path)) < 0)
		return cmdb__error(rc, "%s: fix or remove the file (gitcmdb validate shows why)",
			cmdb_error_last());
	return 0;
}

/* Blob paths under dir ("service/web01/") at s->base; an empty array when there are none. */
int cmdb__scan_list_dir(json_t **out, scan_ctx *s, const char *dir)
{
	int rc = cmdb_repo_list(out, s->repo, base_rev(s), dir);
	size_t i, dl = strlen(dir);
	json_t *v;

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		*out = json_array();
		return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < json_array_size(*out);) {
		v = json_array_get(*out, i);
		if (!json_is_string(v) || strncmp(json_string_value(v), dir, dl) != 0)
			json_array_remove(*out, i);
		else
			i++;
	}
	return 0;
}

int cmdb__scan_is_scan_item(const json_t *item)
{
	const char *src = json_string_value(json_object_get(item, "source"));

	return !src || strcmp(src, "scan") == 0;
}

int cmdb__scan_add_change(
	json_t *changes, const char *id, const char *kind, const json_t *old, const json_t *fresh)
{
	char *details = NULL;
	int rc = cmdb__scan_describe(&details, old, fresh, DESCRIBE_MAX_PARTS);

	if (rc == 0 &&
		json_array_append_new(changes,
			json_pack("{ssssss}", "id", id, "change", kind, "details", details)) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	free(details);
	return rc;
}

static int note_identity(scan_ctx *s, const char *id, const json_t *old, const json_t *merged)
{
	char *ev = NULL;
	json_t *list = json_object_get(s->report, "identity_changed");
	int rc = 0;

	if (!old || !cmdb__scan_identity_changed(&ev, old, merged))
		return 0;
	if (!list && json_object_set_new(s->report, "identity_changed", list = json_array()) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	if (rc == 0 &&
		json_array_append_new(list,
			json_pack("{ssss}", "host", id, "evidence", ev ? ev : "identity changed")) <
			0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	free(ev);
	return rc;
}

/* Stage one fresh item: merged with the old one, written only when its bytes change. */
static int apply_item(scan_ctx *s, const char *id, const json_t *fresh, const json_t *disc,
	json_t *ops, json_t *changes)
{
	json_t *old = NULL, *merged = NULL;
	char *path = cmdb__sprintf("%s.yaml", id), *raw = NULL, *yaml = NULL;
	size_t raw_len = 0, yaml_len = 0;
	int rc;

	if (!path)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb__scan_read_item(&old, &raw, &raw_len, s, path)) < 0)
		goto done;
	if ((rc = cmdb__scan_merge_item(&merged, fresh, old, disc)) < 0 ||
		(rc = cmdb_yaml_emit(&yaml, &yaml_len, merged, CMDB_YAML_ITEM)) < 0)
		goto done;
	if (strncmp(id, "host/", 5) == 0 && (rc = note_identity(s, id, old, merged)) < 0)
		goto done;
	if (raw && raw_len == yaml_len && memcmp(raw, yaml, yaml_len) == 0)
		goto done;
	if (json_object_set_new(ops, path, json_stringn(yaml, yaml_len)) < 0) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	rc = cmdb__scan_add_change(changes, id, old ? "modified" : "new", old, merged);
done:
	json_decref(old);
	json_decref(merged);
	free(path);
	free(raw);
	free(yaml);
	return rc;
}

/* member_of the host's inventory groups, noted in s->groups too; -1 when memory runs out. */
static int add_groups(json_t *disc, scan_ctx *s, const json_t *names)
{
	json_t *groups = json_array(), *g;
	size_t i;

	if (!groups || json_object_set_new(disc, "member_of", groups) < 0)
		return -1;
	json_array_foreach(names, i, g)
	{
		const char *name = json_string_value(g);
		char *gid = NULL;
		int bad;

		/* A group name that makes no id is skipped (the inventory refuses those). */
		if (!name || (bad = cmdb_id_build(&gid, "group", &name, 1)) == CMDB_EINVALID) {
			cmdb_error_clear();
			continue;
		}
		if (bad < 0)
			return -1;
		bad = json_array_append_new(groups, json_string(gid)) < 0 ||
			json_object_set_new(s->groups, gid, json_true()) < 0;
		free(gid);
		if (bad)
			return -1;
	}
	return 0;
}

/*
 * What the scan discovered about item id: connects_to from its connections, and
 * for the host item member_of its inventory groups (whose group items are
 * created by stage_groups when missing).
 */
static int discovered_for(
	json_t **out, scan_ctx *s, cmdb__scan_host *h, const char *id, const json_t *resolved)
{
	const json_t *targets = json_object_get(resolved, id);
	json_t *d = json_object();
	int failed = 0;

	*out = NULL;
	if (!d || (targets && json_object_set(d, "connects_to", (json_t *)targets) < 0)) {
		failed = 1;
		goto done;
	}
	if (strncmp(id, "host/", 5) == 0 && json_array_size(h->host->groups) > 0)
		failed = add_groups(d, s, h->host->groups) < 0;
done:
	if (failed) {
		json_decref(d);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	*out = d;
	return 0;
}

/* Inventory groups become group items, written once and then left to people. */
static int stage_groups(scan_ctx *s)
{
	const char *gid;
	json_t *v;
	int rc = 0;

	json_object_foreach(s->groups, gid, v)
	{
		char *path = cmdb__sprintf("%s.yaml", gid), *raw = NULL, *yaml = NULL, *name = NULL;
		size_t len = 0, ylen = 0, nlen = 0;
		json_t *item = NULL;

		if (!path)
			return cmdb__error(CMDB_ERROR, "out of memory");
		if ((rc = cmdb__scan_read_raw(&raw, &len, s, path)) == 0 && !raw &&
			(rc = cmdb_id_name(&name, &nlen, gid)) == 0) {
			item = json_pack("{sssssss{}}", "type", "group", "name", name, "source",
				"scan", "attributes");
			if (!item)
				rc = cmdb__error(CMDB_ERROR, "out of memory");
			else if ((rc = cmdb_yaml_emit(&yaml, &ylen, item, CMDB_YAML_ITEM)) == 0 &&
				(rc = cmdb_changeset_put_file(s->cs, path, yaml, ylen)) == 0)
				rc = cmdb__scan_add_change(s->changes, gid, "new", NULL, item);
		}
		json_decref(item);
		free(path);
		free(raw);
		free(yaml);
		free(name);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Services (or containers: kind) the host no longer runs are gone; items a person created
 * stay. */
static int stage_removed_kind(
	scan_ctx *s, cmdb__scan_host *h, json_t *ops, json_t *changes, const char *kind)
{
	char *dir = cmdb__sprintf("%s/%s/", kind, h->host->name);
	json_t *paths = NULL;
	size_t i;
	json_t *p;
	int rc;

	if (!dir)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb__scan_list_dir(&paths, s, dir)) < 0)
		goto done;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p);
		size_t pl = strlen(path);
		char *id = NULL, *raw = NULL;
		size_t len;
		json_t *old = NULL;

		if (pl < 6 || strcmp(path + pl - 5, ".yaml") != 0)
			continue;
		if (!(id = cmdb__strndup(path, pl - 5))) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			break;
		}
		if (!json_object_get(h->items, id)) {
			rc = cmdb__scan_read_item(&old, &raw, &len, s, path);
			if (rc == 0 && old && cmdb__scan_is_scan_item(old)) {
				if (json_object_set_new(ops, path, json_null()) < 0)
					rc = cmdb__error(CMDB_ERROR, "out of memory");
				else
					rc = cmdb__scan_add_change(
						changes, id, "removed", old, NULL);
			}
		}
		json_decref(old);
		free(raw);
		free(id);
		if (rc < 0)
			break;
	}
done:
	json_decref(paths);
	free(dir);
	return rc;
}

/* Captured files: written when their bytes change, deleted when no longer captured. */
static int stage_files(scan_ctx *s, cmdb__scan_host *h, json_t *ops, int may_delete)
{
	char *dir = cmdb__sprintf("file/%s/", h->host->name);
	json_t *paths = NULL;
	const char *path;
	json_t *content, *p;
	size_t i;
	int rc;

	if (!dir)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb__scan_list_dir(&paths, s, dir)) < 0)
		goto done;
	json_object_foreach(h->files, path, content)
	{
		char *raw = NULL;
		size_t len = 0, cl = json_string_length(content);

		if ((rc = cmdb__scan_read_raw(&raw, &len, s, path)) < 0)
			goto done;
		if (!raw || len != cl || memcmp(raw, json_string_value(content), cl) != 0)
			rc = json_object_set(ops, path, content) < 0
				? cmdb__error(CMDB_ERROR, "out of memory")
				: 0;
		free(raw);
		if (rc < 0)
			goto done;
	}
	json_array_foreach(paths, i, p) if (may_delete &&
		!json_object_get(h->files, json_string_value(p)) &&
		json_object_set_new(ops, json_string_value(p), json_null()) < 0)
	{
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
done:
	json_decref(paths);
	free(dir);
	return rc;
}

static int flush_ops(scan_ctx *s, const json_t *ops)
{
	const char *path;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)ops, path, v)
	{
		if (json_is_null(v))
			rc = cmdb_changeset_delete(s->cs, path);
		else if (s->blobs) /* to the object database now: the changeset keeps ids */
			rc = cmdb_changeset_put_blob(
				s->cs, s->repo, path, json_string_value(v), json_string_length(v));
		else
			rc = cmdb_changeset_put_file(
				s->cs, path, json_string_value(v), json_string_length(v));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Sections missing from this scan's output keep what the last good scan recorded. */
static int keep_missing_sections(scan_ctx *s, cmdb__scan_host *h)
{
	char *id = cmdb__sprintf("host/%s", h->host->name), *path = cmdb__sprintf("%s.yaml", id);
	char *raw = NULL;
	json_t *old = NULL, *fattrs;
	const json_t *oattrs;
	const char *sec;
	json_t *v;
	size_t len;
	int rc = 0;

	if (!id || !path) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	fattrs = json_object_get(json_object_get(h->items, id), "attributes");
	if (!json_is_object(fattrs) || (rc = cmdb__scan_read_item(&old, &raw, &len, s, path)) < 0 ||
		!old)
		goto done;
	oattrs = json_object_get(old, "attributes");
	json_object_foreach(h->missing, sec, v)
	{
		const char *keys[2] = {sec, strcmp(sec, "users") == 0 ? "groups" : NULL};

		for (size_t k = 0; k < 2 && keys[k]; k++)
			if (json_object_get(oattrs, keys[k]) && !json_object_get(fattrs, keys[k]) &&
				json_object_set(fattrs, keys[k], json_object_get(oattrs, keys[k])) <
					0) {
				rc = cmdb__error(CMDB_ERROR, "out of memory");
				goto done;
			}
	}
done:
	json_decref(old);
	free(raw);
	free(path);
	free(id);
	return rc;
}

/* *staged is set once the host's operations entered the changeset (no way back after that). */
static int apply_host(scan_ctx *s, cmdb__scan_host *h, int *staged)
{
	json_t *ops = json_object(), *changes = json_array(), *resolved = NULL, *ids = NULL;
	const char *id;
	json_t *item, *c;
	size_t i;
	int rc;

	if (!ops || !changes) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb__net_resolve(&resolved, s->net, h->host->name, h->items)) < 0 ||
		(json_object_size(h->missing) && (rc = keep_missing_sections(s, h)) < 0))
		goto done;
	json_object_foreach(h->items, id, item)
	{
		json_t *disc = NULL;

		if ((rc = discovered_for(&disc, s, h, id, resolved)) == 0)
			rc = apply_item(s, id, item, disc, ops, changes);
		json_decref(disc);
		if (rc < 0)
			goto done;
	}
	if ((!json_object_get(h->missing, "services") &&
		    (rc = stage_removed_kind(s, h, ops, changes, "service")) < 0) ||
		(!json_object_get(h->missing, "containers") &&
			(rc = stage_removed_kind(s, h, ops, changes, "container")) < 0) ||
		(rc = stage_files(s, h, ops, !json_object_get(h->missing, "files"))) < 0)
		goto done;
	*staged = 1;
	if ((rc = flush_ops(s, ops)) < 0)
		goto done;
	if (json_object_size(ops) == 0)
		goto done;
	if (!(ids = json_array())) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(changes, i, c)
	{
		if (json_array_append(s->changes, c) < 0 ||
			json_array_append(ids, json_object_get(c, "id")) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	if (json_object_set(s->changed_by_host, h->host->name, ids) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	json_decref(ops);
	json_decref(changes);
	json_decref(resolved);
	json_decref(ids);
	return rc;
}

static int cmp_change(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));

	return strcmp(x ? x : "", y ? y : "");
}

static int sort_changes(json_t *changes)
{
	size_t n = json_array_size(changes);
	json_t **v = cmdb__calloc(n + 1, sizeof(*v));
	size_t i = 0;
	int rc = 0;

	if (!v)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(changes, i));
	qsort(v, n, sizeof(*v), cmp_change);
	json_array_clear(changes);
	/* The array only shrank, yet jansson may allocate: a failure fails the scan. */
	for (i = 0; i < n && rc == 0; i++)
		if (json_array_append_new(changes, v[i]) < 0)
			rc = cmdb__error(CMDB_ERROR, "out of memory");
	for (; i < n; i++)
		json_decref(v[i]);
	free(v);
	return rc;
}

static int fail_host(cmdb__scan_host *h, const char *why)
{
	h->code = CMDB_ERROR;
	h->status = "error";
	free(h->error);
	h->error = cmdb__strdup(why);
	return 0;
}

/* Pin the main the whole merge reads: the commit names it as its base. */
static int pin_base(scan_ctx *s)
{
	int rc = cmdb_repo_resolve(s->base, s->repo, NULL);

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		s->base[0] = '\0';
		return 0;
	}
	return rc;
}

int cmdb__scan_apply(scan_ctx *s)
{
	json_t *idents = json_object(), *dups = NULL;
	int rc;

	if (!idents)
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = pin_base(s);
	if (rc == 0)
		rc = cmdb__scan_spool_error(s->spool);
	/* Inventory order, whatever order the hosts arrived in. */
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		cmdb__scan_host *h = &s->hosts[i];

		if (h->code != 0)
			continue;
		if (json_object_set_new(s->scanned, h->host->name, json_true()) < 0)
			rc = cmdb__error(CMDB_ERROR, "out of memory");
		if (rc == 0)
			rc = cmdb__scan_register(s, h);
		if (rc == 0 && json_object_update(idents, h->ident) < 0)
			rc = cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (rc == 0)
		rc = cmdb__scan_load_others(s, idents);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		cmdb__scan_host *h = &s->hosts[i];
		int staged = 0;

		if (h->code != 0)
			continue;
		if ((rc = cmdb__scan_spool_get(s->spool, h)) == 0)
			rc = apply_host(s, h, &staged);
		if (rc < 0 && !staged)
			rc = fail_host(h, cmdb_error_last());
		/* Merged and staged: the fresh facts are no longer needed. */
		json_decref(h->items);
		json_decref(h->files);
		h->items = h->files = NULL;
	}
	if (rc == 0)
		rc = stage_groups(s);
	if (rc == 0 && (rc = cmdb__scan_duplicates(&dups, idents, s->scanned)) == 0 &&
		json_array_size(dups) && json_object_set(s->report, "duplicates", dups) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	if (rc == 0)
		rc = sort_changes(s->changes);
	json_decref(dups);
	json_decref(idents);
	return rc;
}
