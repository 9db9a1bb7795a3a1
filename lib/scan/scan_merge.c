/*
 * Merging a freshly scanned item with the one already in the CMDB, and the
 * identity checks between host items. The rule that keeps human data alive:
 * the scanner owns `attributes` and the relations it discovered (and says which
 * in attributes.discovered_relations); everything else comes from the old item.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "scan/scan.h"

#define DISCOVERED_KEY "discovered_relations"

static int is_top_key(const char *k)
{
	static const char *const keys[] = {
		"type", "name", "source", "attributes", "annotations", "relations", NULL};

	for (size_t i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

static int cmp_json_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);

	return strcmp(x ? x : "", y ? y : "");
}

int cmdb__scan_sort_unique(json_t *arr)
{
	size_t n = json_array_size(arr), w = 0;
	json_t **v = NULL;
	int rc = CMDB_ERROR;

	if (n == 0)
		return 0;
	if (!(v = cmdb__calloc(n, sizeof(*v))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (json_is_string(json_array_get(arr, i)))
			v[w++] = json_incref(json_array_get(arr, i));
	qsort(v, w, sizeof(*v), cmp_json_str);
	json_array_clear(arr);
	for (size_t i = 0; i < w; i++) {
		if (i > 0 && strcmp(json_string_value(v[i]), json_string_value(v[i - 1])) == 0)
			continue;
		if (json_array_append(arr, v[i]) < 0)
			goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < w; i++)
		json_decref(v[i]);
	free(v);
	return rc < 0 ? cmdb__error(CMDB_ERROR, "out of memory") : 0;
}

/* Append the ids of rels[type] into acc[type] (both maps type -> [ids]). */
static int add_relations(json_t *acc, const json_t *rels)
{
	const char *type;
	json_t *ids;

	json_object_foreach((json_t *)rels, type, ids)
	{
		json_t *dst = json_object_get(acc, type);
		size_t i;
		json_t *id;

		if (!json_is_array(ids))
			continue;
		if (!dst) {
			if (json_object_set_new(acc, type, dst = json_array()) < 0 || !dst)
				return cmdb__error(CMDB_ERROR, "out of memory");
		}
		json_array_foreach(ids, i, id) if (json_is_string(id) &&
			json_array_append(dst, id) < 0) return cmdb__error(CMDB_ERROR,
			"out of memory");
	}
	return 0;
}

static int listed(const json_t *rels, const char *type, const char *id)
{
	const json_t *arr = json_object_get(rels, type);
	size_t i;
	json_t *v;

	json_array_foreach(
		arr, i, v) if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) return 1;
	return 0;
}

/* Old relations that a person made: those not recorded as discovered by an earlier scan. */
static int add_manual_relations(json_t *acc, const json_t *old)
{
	const json_t *rels = json_object_get(old, "relations");
	const json_t *disc = json_object_get(json_object_get(old, "attributes"), DISCOVERED_KEY);
	const char *type;
	json_t *ids, *keep;
	int rc;

	if (!json_is_object(rels))
		return 0;
	if (!(keep = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)rels, type, ids)
	{
		size_t i;
		json_t *id, *arr = json_array();

		if (!arr || json_object_set_new(keep, type, arr) < 0) {
			json_decref(keep);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
		json_array_foreach(ids, i, id) if (json_is_string(id) &&
			!listed(disc, type, json_string_value(id)) &&
			json_array_append(arr, id) < 0)
		{
			json_decref(keep);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
	}
	rc = add_relations(acc, keep);
	json_decref(keep);
	return rc;
}

/* Sort every list, drop empty ones; returns NULL (and no error) when nothing is left. */
static int normalise_relations(json_t **rels)
{
	const char *type;
	json_t *ids;
	void *tmp;

	json_object_foreach_safe(*rels, tmp, type, ids)
	{
		if (cmdb__scan_sort_unique(ids) < 0)
			return CMDB_ERROR;
		if (json_array_size(ids) == 0)
			json_object_del(*rels, type);
	}
	if (json_object_size(*rels) == 0) {
		json_decref(*rels);
		*rels = NULL;
	}
	return 0;
}

static int set_str(json_t *obj, const char *key, const json_t *src, const char *dflt)
{
	const char *s = json_string_value(src);

	if (json_object_set_new(obj, key, json_string(s ? s : dflt)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* The merged item's relations (*rels) and the scanner's share of them (*disc); NULL when empty. */
static int merged_relations(json_t **disc, json_t **rels, const json_t *fresh, const json_t *old,
	const json_t *discovered)
{
	json_t *d = json_object(), *r = json_object();
	int rc;

	if (!d || !r) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	/* What the collectors derived (runs_on) is discovered as much as connects_to is. */
	if ((rc = add_relations(d, json_object_get(fresh, "relations"))) < 0 ||
		(discovered && (rc = add_relations(d, discovered)) < 0) ||
		(old && (rc = add_manual_relations(r, old)) < 0) ||
		(rc = add_relations(r, d)) < 0 || (rc = normalise_relations(&d)) < 0 ||
		(rc = normalise_relations(&r)) < 0)
		goto done;
	*disc = d;
	*rels = r;
	d = r = NULL;
done:
	json_decref(d);
	json_decref(r);
	return rc;
}

/* Fill res in item key order; -1 when memory runs out. */
static int fill_item(json_t *res, const json_t *fresh, const json_t *old, json_t *attrs,
	json_t *disc, json_t *rels)
{
	const json_t *ann = json_object_get(old, "annotations");
	const char *key;
	json_t *v;

	if ((disc && json_object_set(attrs, DISCOVERED_KEY, disc) < 0) ||
		set_str(res, "type", json_object_get(fresh, "type"), "") < 0 ||
		set_str(res, "name", json_object_get(fresh, "name"), "") < 0 ||
		json_object_set_new(res, "source", json_string("scan")) < 0 ||
		json_object_set(res, "attributes", attrs) < 0 ||
		(json_is_object(ann) && json_object_set(res, "annotations", (json_t *)ann) < 0) ||
		(rels && json_object_set(res, "relations", rels) < 0))
		return -1;
	/* Keys nobody told us about belong to whoever wrote them: keep them. */
	json_object_foreach((json_t *)old, key,
		v) if (!is_top_key(key) && json_object_set(res, key, v) < 0) return -1;
	return 0;
}

int cmdb__scan_merge_item(
	json_t **out, const json_t *fresh, const json_t *old, const json_t *discovered)
{
	json_t *res = NULL, *attrs = NULL, *disc = NULL, *rels = NULL;
	const json_t *fa = json_object_get(fresh, "attributes");
	int rc;

	*out = NULL;
	if (!json_is_object(fresh) || !json_is_string(json_object_get(fresh, "type")))
		return cmdb__error(CMDB_EINVALID, "scanned item has no type");
	if ((rc = merged_relations(&disc, &rels, fresh, old, discovered)) < 0)
		goto done;
	attrs = json_is_object(fa) ? json_deep_copy(fa) : json_object();
	if (!attrs || !(res = json_object())) {
		rc = cmdb__error(CMDB_ERROR, "out of memory while merging scanned item");
		goto done;
	}
	json_object_del(attrs, DISCOVERED_KEY);
	if (fill_item(res, fresh, old, attrs, disc, rels) < 0) {
		rc = cmdb__error(CMDB_ERROR, "out of memory while merging scanned item");
		goto done;
	}
	*out = res;
	res = NULL;
done:
	json_decref(res);
	json_decref(attrs);
	json_decref(disc);
	json_decref(rels);
	return rc;
}

int cmdb__scan_remerge_item(json_t **out, const json_t *staged, const json_t *current)
{
	const json_t *attrs = json_object_get(staged, "attributes");
	const json_t *disc = json_object_get(attrs, DISCOVERED_KEY);
	json_t *fresh = json_object();
	int rc;

	*out = NULL;
	/* The scanner's share of staged, as the collectors would have given it: nothing else. */
	if (!fresh || json_object_set(fresh, "type", json_object_get(staged, "type")) < 0 ||
		json_object_set(fresh, "name", json_object_get(staged, "name")) < 0 ||
		(json_is_object(attrs) &&
			json_object_set(fresh, "attributes", (json_t *)attrs) < 0) ||
		(json_is_object(disc) && json_object_set(fresh, "relations", (json_t *)disc) < 0)) {
		json_decref(fresh);
		return cmdb__error(CMDB_EINVALID, "staged item is not a scanned item");
	}
	rc = cmdb__scan_merge_item(out, fresh, current, NULL);
	json_decref(fresh);
	return rc;
}

int cmdb__scan_item_equal(const json_t *a, const json_t *b)
{
	return json_equal((json_t *)a, (json_t *)b) ? 1 : 0;
}

static const char *ident_str(const json_t *item, const char *key)
{
	const json_t *id = json_object_get(json_object_get(item, "attributes"), "identity");
	const char *s = json_string_value(json_object_get(id, key));

	return s && *s ? s : NULL;
}

/* Firmware placeholders shared by many machines prove nothing. */
static int bogus_uuid(const char *uuid)
{
	size_t zeros = 0, effs = 0, hex = 0;

	for (const char *s = uuid; *s; s++) {
		if (*s == '-')
			continue;
		hex++;
		zeros += *s == '0';
		effs += *s == 'f' || *s == 'F';
	}
	return hex == 0 || zeros == hex || effs == hex ||
		strcmp(uuid, "03000200-0400-0500-0006-000700080009") == 0;
}

int cmdb__scan_same_machine(char **evidence, const json_t *a, const json_t *b)
{
	const char *x = ident_str(a, "machine_id"), *y = ident_str(b, "machine_id");

	*evidence = NULL;
	if (x && y && strcmp(x, y) == 0) {
		*evidence = cmdb__sprintf("same machine-id %s", x);
		return 1;
	}
	x = ident_str(a, "dmi_uuid");
	y = ident_str(b, "dmi_uuid");
	if (x && y && strcmp(x, y) == 0 && !bogus_uuid(x)) {
		*evidence = cmdb__sprintf("same DMI uuid %s", x);
		return 1;
	}
	return 0;
}

static int macs_overlap(const json_t *a, const json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	json_array_foreach(a, i, x) json_array_foreach(b, j, y) if (json_equal(x, y)) return 1;
	return 0;
}

/*
 * The machine's own evidence decides (machine-id, DMI uuid, MACs): all that is
 * present on both sides must differ. The SSH host key is named when it changed
 * too, but does not decide: keys are restored from backups, and shared by lab hosts.
 */
int cmdb__scan_identity_changed(char **evidence, const json_t *old, const json_t *fresh)
{
	static const char *const keys[] = {"machine_id", "dmi_uuid", "ssh_hostkey"};
	static const char *const names[] = {"machine-id", "DMI uuid", "host key"};
	const json_t *om = json_object_get(
		json_object_get(json_object_get(old, "attributes"), "identity"), "macs");
	const json_t *fm = json_object_get(
		json_object_get(json_object_get(fresh, "attributes"), "identity"), "macs");
	char what[96] = "";
	size_t compared = 0;

	*evidence = NULL;
	for (size_t i = 0; i < 3; i++) {
		const char *x = ident_str(old, keys[i]), *y = ident_str(fresh, keys[i]);

		if (!x || !y || strcmp(x, y) == 0) {
			if (x && y && i < 2)
				return 0;
			continue;
		}
		compared += i < 2;
		strcat(strcat(what, *what ? ", " : ""), names[i]);
	}
	if (json_array_size(om) > 0 && json_array_size(fm) > 0) {
		if (macs_overlap(om, fm))
			return 0;
		compared++;
		strcat(strcat(what, *what ? ", " : ""), "MACs");
	}
	if (compared == 0)
		return 0;
	*evidence = cmdb__sprintf("%s changed", what);
	return 1;
}

/* Group names by one identity field: {value: [names]}. */
static int group_by(json_t *groups, const json_t *hosts, const char *field)
{
	const char *name;
	json_t *item;

	json_object_foreach((json_t *)hosts, name, item)
	{
		const char *v = ident_str(item, field);
		json_t *list;

		if (!v || (strcmp(field, "dmi_uuid") == 0 && bogus_uuid(v)))
			continue;
		if (!(list = json_object_get(groups, v))) {
			if (json_object_set_new(groups, v, list = json_array()) < 0 || !list)
				return cmdb__error(CMDB_ERROR, "out of memory");
		}
		if (json_array_append_new(list, json_string(name)) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

static int any_scanned(const json_t *names, const json_t *scanned)
{
	size_t i;
	json_t *n;

	if (!scanned)
		return 1;
	json_array_foreach(
		names, i, n) if (json_object_get(scanned, json_string_value(n))) return 1;
	return 0;
}

static int already_reported(const json_t *out, const json_t *names)
{
	size_t i;
	json_t *d;

	json_array_foreach(
		out, i, d) if (json_equal(json_object_get(d, "hosts"), (json_t *)names)) return 1;
	return 0;
}

int cmdb__scan_duplicates(json_t **out, const json_t *hosts, const json_t *scanned)
{
	static const char *const fields[] = {"machine_id", "dmi_uuid"};
	static const char *const labels[] = {"same machine-id", "same DMI uuid"};
	json_t *res = json_array(), *groups = NULL;
	int rc = 0;

	*out = NULL;
	if (!res)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t f = 0; f < 2 && rc == 0; f++) {
		const char *value;
		json_t *names;

		if (!(groups = json_object())) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			break;
		}
		if ((rc = group_by(groups, hosts, fields[f])) < 0)
			break;
		json_object_foreach(groups, value, names)
		{
			char *ev;

			if (json_array_size(names) < 2 || !any_scanned(names, scanned))
				continue;
			if ((rc = cmdb__scan_sort_unique(names)) < 0 ||
				already_reported(res, names))
				continue;
			ev = cmdb__sprintf("%s %s", labels[f], value);
			if (!ev ||
				json_array_append_new(res,
					json_pack("{sOss}", "hosts", names, "evidence", ev)) < 0)
				rc = cmdb__error(CMDB_ERROR, "out of memory");
			free(ev);
			if (rc < 0)
				break;
		}
		json_decref(groups);
		groups = NULL;
	}
	json_decref(groups);
	if (rc < 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}
