/*
 * Ansible's YAML inventory format: top-level groups (usually `all`), each a mapping
 * of `hosts` (name: vars or null; names may be ranges), `vars` and `children` (more
 * groups). An inventory plugin's config (`plugin: aws_ec2`) is refused: gitcmdb reads
 * static inventories only. Errors name file:line:col of the node.
 */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "scan/inventory_ansible.h"
#include "yaml/yaml_ptr.h"

typedef struct {
	cmdb__ansible *a;
	json_t *marks;
	json_t *vars; /* the host entry's vars while expanding */
	const char *vptr;
} yctx;

static int line_of(const yctx *y, const char *ptr)
{
	json_t *m = json_object_get(y->marks, ptr);

	return m ? (int)json_integer_value(json_array_get(m, 0)) : 0;
}

static int bad(const yctx *y, const char *ptr, const char *what)
{
	json_t *m = json_object_get(y->marks, ptr);

	return cmdb__error(CMDB_EINVALID, "%s:%d:%d: %s", y->a->name, line_of(y, ptr),
		m ? (int)json_integer_value(json_array_get(m, 1)) : 0, what);
}

/* A scalar as ansible would print it; lists and mappings as JSON text. */
static char *text_of(const json_t *v)
{
	if (json_is_string(v))
		return cmdb__strdup(json_string_value(v));
	if (json_is_integer(v))
		return cmdb__sprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return cmdb__sprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return cmdb__strdup(json_is_true(v) ? "true" : "false");
	if (json_is_null(v))
		return cmdb__strdup("");
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static int set_vars(yctx *y, json_t *owner, json_t *vars, const char *ptr)
{
	const char *k;
	json_t *v;
	char kp[2048];

	if (!vars || json_is_null(vars))
		return 0;
	if (!json_is_object(vars))
		return bad(y, ptr, "vars must be a mapping");
	json_object_foreach(vars, k, v)
	{
		char *t = text_of(v);
		int error;
		cmdb__yaml_ptr_join(kp, sizeof(kp), ptr, k);
		if (!t)
			return cmdb__error(CMDB_ERROR, "out of memory");
		error = cmdb__ansible_var(owner, k, t, line_of(y, kp));
		free(t);
		if (error < 0)
			return error;
	}
	return 0;
}

typedef struct {
	yctx *y;
	json_t *group;
	int line;
} host_add;

static int add_host(const char *name, void *payload)
{
	host_add *ha = payload;
	json_t *h = cmdb__ansible_host(ha->y->a, name, ha->line);

	if (!h || json_object_set_new(json_object_get(ha->group, "hosts"), name, json_true()) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return set_vars(ha->y, h, ha->y->vars, ha->y->vptr);
}

static int group(yctx *y, const char *name, json_t *spec, const char *ptr, int depth);

static int hosts_of(yctx *y, json_t *g, json_t *hosts, const char *ptr)
{
	const char *k;
	json_t *v;
	char hp[2048];
	int error;

	if (!hosts || json_is_null(hosts))
		return 0;
	if (!json_is_object(hosts))
		return bad(y, ptr, "hosts must be a mapping of host name to variables");
	json_object_foreach(hosts, k, v)
	{
		host_add ha = {y, g, 0};
		cmdb__yaml_ptr_join(hp, sizeof(hp), ptr, k);
		ha.line = line_of(y, hp);
		y->vars = v;
		y->vptr = hp;
		if ((error = cmdb__ansible_expand(y->a, k, ha.line, add_host, &ha)) < 0)
			return error;
	}
	return 0;
}

static int group(yctx *y, const char *name, json_t *spec, const char *ptr, int depth)
{
	const char *k;
	json_t *v, *g;
	char kp[2048], cp[2048];
	int error;

	if (depth > 64)
		return bad(y, ptr, "groups nested over 64 deep");
	if (!(g = cmdb__ansible_group(y->a, name, line_of(y, ptr))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!spec || json_is_null(spec))
		return 0;
	if (!json_is_object(spec))
		return bad(y, ptr, "a group must be a mapping of hosts, vars and children");
	json_object_foreach(spec, k, v)
	{
		cmdb__yaml_ptr_join(kp, sizeof(kp), ptr, k);
		if (!strcmp(k, "hosts"))
			error = hosts_of(y, g, v, kp);
		else if (!strcmp(k, "vars"))
			error = set_vars(y, g, v, kp);
		else if (!strcmp(k, "children")) {
			const char *c;
			json_t *cs;
			if (json_is_null(v))
				continue;
			if (!json_is_object(v))
				return bad(y, kp, "children must be a mapping of groups");
			error = 0;
			json_object_foreach(v, c, cs)
			{
				cmdb__yaml_ptr_join(cp, sizeof(cp), kp, c);
				if (json_object_set_new(json_object_get(g, "children"), c,
					    json_integer(line_of(y, cp))) < 0)
					return cmdb__error(CMDB_ERROR, "out of memory");
				if ((error = group(y, c, cs, cp, depth + 1)) < 0)
					break;
			}
		} else {
			char what[600];
			snprintf(what, sizeof(what),
				"group %s: unknown key '%s' (a group has hosts, vars and children)",
				name, k);
			return bad(y, kp, what);
		}
		if (error < 0)
			return error;
	}
	return 0;
}

int cmdb__ansible_parse_yaml(cmdb__ansible *a, const char *buf, size_t len)
{
	yctx y = {a, NULL, NULL, NULL};
	json_t *doc = NULL, *v;
	const char *k;
	char kp[2048];
	int error;

	if ((error = cmdb_yaml_parse_marked(&doc, &y.marks, buf, len, a->name)) < 0)
		return error;
	if (json_is_object(doc) && (v = json_object_get(doc, "plugin"))) {
		char what[600];
		snprintf(what, sizeof(what),
			"an inventory plugin's configuration (plugin: %s): gitcmdb reads static "
			"inventories only; export one with 'ansible-inventory -i %s --list "
			"--yaml > static.yml' and import that",
			json_is_string(v) ? json_string_value(v) : "?", a->name);
		error = bad(&y, "/plugin", what);
		goto done;
	}
	if (!json_is_object(doc) && !json_is_null(doc)) {
		error = bad(&y, "", "an ansible YAML inventory is a mapping of groups");
		goto done;
	}
	json_object_foreach(doc, k, v)
	{
		cmdb__yaml_ptr_join(kp, sizeof(kp), "", k);
		if ((error = group(&y, k, v, kp, 0)) < 0)
			goto done;
	}
done:
	json_decref(doc);
	json_decref(y.marks);
	return error;
}
