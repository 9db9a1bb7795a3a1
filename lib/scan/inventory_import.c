/*
 * `gitcmdb inventory import ansible`: an ansible inventory read (INI or YAML), laid
 * over (or replacing) inventory.yaml on main, validated like any inventory, and
 * committed once, naming what was added and updated and what was not used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/file.h"
#include "gitcmdb/yaml.h"
#include "scan/inventory_ansible.h"
#include "scan/scan.h"

#define MAX_BYTES (16u * 1024 * 1024)

/* YAML by the name's extension, else by the first significant line. */
static int looks_yaml(const char *buf, size_t len, const char *name)
{
	const char *dot = strrchr(name, '.'), *p = buf, *end = buf + len;

	if (dot && (!strcmp(dot, ".yml") || !strcmp(dot, ".yaml") || !strcmp(dot, ".json")))
		return 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *q = p;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == e || *q == '#' || *q == ';') {
			p = e + 1;
			continue;
		}
		if (*q == '[')
			return 0;
		if (e - q >= 3 && !strncmp(q, "---", 3))
			return 1;
		while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		return e > q && e[-1] == ':' && !memchr(q, '=', (size_t)(e - q));
	}
	return 0;
}

int cmdb_inventory_from_ansible(
	json_t **out, json_t **unknown, const char *buf, size_t len, const char *name)
{
	cmdb__ansible a = {NULL, name ? name : "inventory"};
	json_t *u = json_array();
	int error;

	*out = *unknown = NULL;
	if (!u || !(a.model = json_pack("{s:{}, s:{}}", "hosts", "groups"))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = looks_yaml(buf, len, a.name) ? cmdb__ansible_parse_yaml(&a, buf, len)
						  : cmdb__ansible_parse_ini(&a, buf, len)) < 0 ||
		(error = cmdb__ansible_convert(out, u, &a)) < 0)
		goto done;
	*unknown = u;
	u = NULL;
done:
	json_decref(a.model);
	json_decref(u);
	return error;
}

/* Lay the imported document over the current one; names into added / updated. */
static int merge_into(json_t *cur, const json_t *imp, json_t *added, json_t *updated)
{
	json_t *hosts = json_object_get(cur, "hosts"), *groups = json_object_get(cur, "groups"), *v;
	const char *k;

	if (!json_is_object(hosts) && json_object_set_new(cur, "hosts", hosts = json_object()) < 0)
		return -1;
	if (!json_is_object(groups) && json_object_size(json_object_get(imp, "groups")) &&
		json_object_set_new(cur, "groups", groups = json_object()) < 0)
		return -1;
	json_object_foreach(json_object_get(imp, "hosts"), k, v)
	{
		json_t *old = json_object_get(hosts, k);
		if (!old) {
			json_array_append_new(added, json_string(k));
			json_object_set(hosts, k, v);
		} else if (json_is_object(v)) {
			json_t *was = json_deep_copy(old);
			if (!json_is_object(old))
				json_object_set_new(hosts, k, old = json_object());
			json_object_update(old, v);
			if (!json_equal(was, old))
				json_array_append_new(updated, json_string(k));
			json_decref(was);
		}
	}
	json_object_foreach(json_object_get(imp, "groups"), k, v)
	{
		json_t *list = json_object_get(groups, k);
		if (json_is_object(list))
			list = json_object_get(list, "hosts"); /* {hosts: [...], proxy_jump} */
		if (!list)
			json_object_set(groups, k, v);
		else if (json_array_extend(list, v) < 0 || cmdb__scan_sort_unique(list) < 0)
			return -1;
	}
	return 0;
}

static int message(char **out, const char *file, const json_t *r)
{
	cmdb_buf b = CMDB_BUF_INIT((size_t)-1);
	const json_t *u;
	size_t i;
	int rc = cmdb__buf_printf(&b,
		"inventory: import ansible %s: %zu hosts (%zu added, %zu updated), %zu groups\n",
		file, (size_t)json_integer_value(json_object_get(r, "hosts")),
		json_array_size(json_object_get(r, "added")),
		json_array_size(json_object_get(r, "updated")),
		(size_t)json_integer_value(json_object_get(r, "groups")));

	if (rc == 0 && json_array_size(json_object_get(r, "unknown")))
		rc = cmdb__buf_printf(&b, "\nNot used:\n");
	json_array_foreach(json_object_get(r, "unknown"), i, u)
	{
		if (rc == 0)
			rc = cmdb__buf_printf(&b, "%s:%d: %s: %s: %s\n",
				json_string_value(json_object_get(u, "file")),
				(int)json_integer_value(json_object_get(u, "line")),
				json_string_value(json_object_get(u, "where")),
				json_string_value(json_object_get(u, "variable")),
				json_string_value(json_object_get(u, "why")));
	}
	if (rc == 0 && !(*out = cmdb__buf_detach(&b, NULL)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	cmdb__buf_dispose(&b);
	return rc;
}

/* Validate text as an inventory and commit it; r["commit"] names the commit. */
static int commit_inventory(
	json_t *r, cmdb_repo *repo, const char *text, size_t len, const char *file)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	cmdb_inventory *check = NULL;
	cmdb_changeset *cs = NULL;
	char oid[41], *msg = NULL;
	int rc, changed = 0;

	if ((rc = cmdb_inventory_parse(&check, text, len, "inventory.yaml (imported)")) < 0 ||
		(rc = message(&msg, file, r)) < 0 || (rc = cmdb_changeset_new(&cs)) < 0 ||
		(rc = cmdb_changeset_put_file(cs, "inventory.yaml", text, len)) < 0)
		goto done;
	co.message = msg;
	if ((rc = cmdb_store_commit(oid, &changed, repo, cs, &co)) < 0)
		goto done;
	rc = json_object_set_new(r, "commit", changed ? json_string(oid) : json_null()) < 0
		? cmdb__error(CMDB_ERROR, "out of memory")
		: 0;
done:
	cmdb_inventory_free(check);
	cmdb_changeset_free(cs);
	free(msg);
	return rc;
}

int cmdb_scan_import_ansible(json_t **report, cmdb_repo *repo, const char *file, int merge)
{
	json_t *imp = NULL, *unknown = NULL, *cur = NULL, *r = NULL, *added = json_array(),
	       *updated = json_array();
	char *buf = NULL, *text = NULL, *old = NULL;
	size_t len = 0, olen = 0;
	int rc;

	*report = NULL;
	if ((rc = cmdb__file_read(&buf, &len, file, MAX_BYTES, 0)) < 0 ||
		(rc = cmdb_inventory_from_ansible(&imp, &unknown, buf, len, file)) < 0)
		goto done;
	if (merge && (rc = cmdb_repo_read(&old, &olen, repo, "main", "inventory.yaml")) < 0 &&
		rc != CMDB_ENOTFOUND)
		goto done;
	if (merge && old && (rc = cmdb_yaml_parse(&cur, old, olen, "inventory.yaml")) < 0)
		goto done;
	if (!cur || !json_is_object(cur)) {
		json_decref(cur);
		cur = json_object();
	}
	if (!added || !updated || !cur || merge_into(cur, imp, added, updated) < 0 ||
		!(r = json_pack("{s:I, s:O, s:O, s:I, s:O}", "hosts",
			  (json_int_t)json_object_size(json_object_get(imp, "hosts")), "added",
			  added, "updated", updated, "groups",
			  (json_int_t)json_object_size(json_object_get(imp, "groups")), "unknown",
			  unknown))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((rc = cmdb_yaml_emit(&text, &len, cur, 0)) < 0 ||
		(rc = commit_inventory(r, repo, text, len, file)) < 0)
		goto done;
	*report = r;
	r = NULL;
done:
	free(buf);
	free(text);
	free(old);
	json_decref(imp);
	json_decref(unknown);
	json_decref(cur);
	json_decref(r);
	json_decref(added);
	json_decref(updated);
	return rc;
}
