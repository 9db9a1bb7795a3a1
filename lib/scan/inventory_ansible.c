/*
 * An ansible inventory (INI or YAML) turned into inventory.yaml's document: every
 * host with the connection variables gitcmdb honours, resolved as ansible would (all,
 * then parent groups before their children, then the host), and every group with its
 * members (children included). Every other variable, and a connection option gitcmdb
 * cannot honour, is listed with its file:line, never silently used.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/inventory.h"
#include "scan/inventory_ansible.h"
#include "scan/scan.h"

static int oom(void)
{
	return cmdb__error(CMDB_ERROR, "out of memory");
}

json_t *cmdb__ansible_group(cmdb__ansible *a, const char *name, int line)
{
	json_t *groups = json_object_get(a->model, "groups"), *g = json_object_get(groups, name);

	if (g)
		return g;
	g = json_pack("{s:{}, s:{}, s:{}, s:i}", "hosts", "children", "vars", "line", line);
	if (!g || json_object_set_new(groups, name, g) < 0)
		return NULL;
	return g;
}

json_t *cmdb__ansible_host(cmdb__ansible *a, const char *name, int line)
{
	json_t *hosts = json_object_get(a->model, "hosts"), *h = json_object_get(hosts, name);

	if (h)
		return h;
	if (json_object_size(hosts) >= CMDB__ANSIBLE_MAX_HOSTS)
		return NULL;
	h = json_pack("{s:{}, s:i}", "vars", "line", line);
	if (!h || json_object_set_new(hosts, name, h) < 0)
		return NULL;
	return h;
}

int cmdb__ansible_var(json_t *owner, const char *key, const char *value, int line)
{
	if (json_object_set_new(
		    json_object_get(owner, "vars"), key, json_pack("[si]", value, line)) < 0)
		return oom();
	return 0;
}

/* One range "a:b[:step]" of numbers (kept at the width of a) or single letters. */
static int range_of(cmdb__ansible *a, const char *r, size_t n, int line, char ***out, size_t *count)
{
	char spec[64], *lo, *hi, *st;
	long step = 1;

	if (n >= sizeof(spec))
		goto bad;
	memcpy(spec, r, n);
	spec[n] = '\0';
	lo = spec;
	if (!(hi = strchr(lo, ':')))
		goto bad;
	*hi++ = '\0';
	if ((st = strchr(hi, ':'))) {
		*st++ = '\0';
		step = strtol(st, NULL, 10);
	}
	if (step < 1 || !*hi)
		goto bad;
	if (isalpha((unsigned char)*hi) && strlen(hi) == 1 &&
		(!*lo || (isalpha((unsigned char)*lo) && !lo[1]))) {
		char from = *lo ? *lo : 'a';
		if (from > *hi)
			goto bad;
		for (char c = from; c <= *hi; c = (char)(c + step)) {
			if (!(*out = cmdb__realloc(*out, (*count + 1) * sizeof(char *))) ||
				!((*out)[(*count)++] = cmdb__sprintf("%c", c)))
				return oom();
			if (c > 'z' - step)
				break;
		}
		return 0;
	}
	if (strspn(lo, "0123456789") != strlen(lo) || strspn(hi, "0123456789") != strlen(hi))
		goto bad;
	{
		long from = strtol(lo, NULL, 10), to = strtol(hi, NULL, 10);
		int width = lo[0] == '0' && lo[1] ? (int)strlen(lo) : 0;
		if (from > to || (to - from) / step >= CMDB__ANSIBLE_MAX_HOSTS)
			goto bad;
		for (long v = from; v <= to; v += step)
			if (!(*out = cmdb__realloc(*out, (*count + 1) * sizeof(char *))) ||
				!((*out)[(*count)++] = cmdb__sprintf("%0*ld", width, v)))
				return oom();
	}
	return 0;
bad:
	return cmdb__error(CMDB_EINVALID,
		"%s:%d: bad host range [%.*s] (web[01:20], db-[a:f] or x[1:9:2])", a->name, line,
		(int)n, r);
}

int cmdb__ansible_expand(cmdb__ansible *a, const char *pattern, int line,
	int (*add)(const char *name, void *payload), void *payload)
{
	const char *open = strchr(pattern, '['), *close = open ? strchr(open, ']') : NULL;
	char **parts = NULL;
	size_t n = 0;
	int error = 0;

	if (!open || !close || !memchr(open, ':', (size_t)(close - open)))
		return add(pattern, payload);
	if ((error = range_of(a, open + 1, (size_t)(close - open - 1), line, &parts, &n)) < 0)
		goto done;
	for (size_t i = 0; error == 0 && i < n; i++) {
		char *name = cmdb__sprintf(
			"%.*s%s%s", (int)(open - pattern), pattern, parts[i], close + 1);
		if (!name) {
			error = oom();
			break;
		}
		error = cmdb__ansible_expand(a, name, line, add, payload); /* the next range */
		cmdb_free(name);
	}
done:
	for (size_t i = 0; i < n; i++)
		cmdb_free(parts[i]);
	cmdb_free(parts);
	return error;
}

/* Every group's parents ({group: {parent: true}}); "all" is everyone's ancestor. */
static json_t *parents_of(json_t *groups)
{
	json_t *par = json_object(), *g, *c;
	const char *name, *child;

	json_object_foreach(groups, name, g)
	{
		json_object_foreach(json_object_get(g, "children"), child, c)
		{
			json_t *p = json_object_get(par, child);
			if (!p)
				json_object_set_new(par, child, p = json_object());
			json_object_set_new(p, name, json_true());
		}
	}
	return par;
}

/* Longest path from "all" (a loop of children counts as deep, not forever). */
static int depth_of(json_t *par, const char *g, int level)
{
	const char *p;
	json_t *v;
	int d = 0;

	if (!strcmp(g, "all") || level > 32)
		return 0;
	json_object_foreach(json_object_get(par, g), p, v)
	{
		int pd = depth_of(par, p, level + 1) + 1;
		d = pd > d ? pd : d;
	}
	return d ? d : 1;
}

/* 1 when host h is in group g, directly or through g's children. */
static int member(json_t *groups, const char *g, const char *h, int level)
{
	json_t *gr = json_object_get(groups, g), *v;
	const char *c;

	if (!gr || level > 32)
		return 0;
	if (!strcmp(g, "all") || json_object_get(json_object_get(gr, "hosts"), h))
		return 1;
	json_object_foreach(json_object_get(gr, "children"), c,
		v) if (member(groups, c, h, level + 1)) return 1;
	return 0;
}

typedef struct {
	const char *name;
	int depth;
} gdepth;

static int by_depth(const void *x, const void *y)
{
	const gdepth *a = x, *b = y;
	return a->depth != b->depth ? a->depth - b->depth : strcmp(a->name, b->name);
}

/* The host's variables as ansible resolves them: {k: [value, line]} (caller's). */
static json_t *host_vars(json_t *model, gdepth *order, size_t ng, const char *h)
{
	json_t *groups = json_object_get(model, "groups"), *out = json_object();

	for (size_t i = 0; out && i < ng; i++)
		if (member(groups, order[i].name, h, 0))
			json_object_update(out,
				json_object_get(json_object_get(groups, order[i].name), "vars"));
	if (out)
		json_object_update(out,
			json_object_get(
				json_object_get(json_object_get(model, "hosts"), h), "vars"));
	return out;
}

static const char *const honoured[][2] = {{"ansible_host", "address"},
	{"ansible_ssh_host", "address"}, {"ansible_port", "port"}, {"ansible_ssh_port", "port"},
	{"ansible_user", "user"}, {"ansible_ssh_user", "user"},
	{"ansible_ssh_private_key_file", "identity_file"},
	{"ansible_private_key_file", "identity_file"}, {"ansible_ssh_common_args", NULL},
	{"ansible_ssh_extra_args", NULL}, {"ansible_connection", NULL}, {NULL, NULL}};

/* Read together by become_entry, after the loop over the others. */
static const char *const become_vars[] = {
	"ansible_become", "ansible_become_method", "ansible_become_user", NULL};

static int known_var(const char *k)
{
	for (size_t i = 0; honoured[i][0]; i++)
		if (!strcmp(honoured[i][0], k))
			return 1;
	for (size_t i = 0; become_vars[i]; i++)
		if (!strcmp(become_vars[i], k))
			return 1;
	return 0;
}

static int note(json_t *unknown, const cmdb__ansible *a, int line, const char *where,
	const char *var, const char *why)
{
	json_t *e, *o;
	size_t i;

	/* one line of a range (web[01:20] key=v) is noted once, for its first host */
	json_array_foreach(unknown, i, o)
	{
		if (json_integer_value(json_object_get(o, "line")) == line &&
			!strcmp(json_string_value(json_object_get(o, "variable")), var) &&
			!strcmp(json_string_value(json_object_get(o, "why")), why) &&
			!strcmp(json_string_value(json_object_get(o, "file")), a->name))
			return 0;
	}
	e = json_pack("{s:s, s:i, s:s, s:s, s:s}", "file", a->name, "line", line, "where", where,
		"variable", var, "why", why);
	return e && json_array_append_new(unknown, e) == 0 ? 0 : oom();
}

/* Variables gitcmdb does not use, where they are defined. */
static int list_unknown(json_t *unknown, const cmdb__ansible *a)
{
	const char *kinds[2] = {"groups", "hosts"}, *name, *k;
	json_t *o, *v;
	char where[600];
	int error;

	for (int i = 0; i < 2; i++)
		json_object_foreach(json_object_get(a->model, kinds[i]), name, o)
		{
			snprintf(where, sizeof(where), "%s %s", i ? "host" : "group", name);
			json_object_foreach(json_object_get(o, "vars"), k, v)
			{
				if (!known_var(k) &&
					(error = note(unknown, a,
						 (int)json_integer_value(json_array_get(v, 1)),
						 where, k, "not used by gitcmdb")) < 0)
					return error;
			}
		}
	return 0;
}

/* Split shell-like words (quotes removed) of s into words[] (at most max); count. */
static size_t words_of(char *s, char **words, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		char *w, *o;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		words[n++] = w = o = s;
		while (*s && !isspace((unsigned char)*s)) {
			if (*s == '"' || *s == '\'') {
				char q = *s++;
				while (*s && *s != q)
					*o++ = *s++;
				if (*s)
					s++;
				continue;
			}
			*o++ = *s++;
		}
		if (*s)
			s++;
		*o = '\0';
		(void)w;
	}
	return n;
}

/* "ssh -W %h:%p [-q] [-p N] [-l U] [user@]host": the jump it names into out, else -1. */
static int proxy_command(char *out, size_t size, char *cmd)
{
	char *w[32], *host = NULL, *user = NULL, *port = NULL;
	size_t n = words_of(cmd, w, 32);
	int forwards = 0;

	if (n < 3 || (strcmp(w[0], "ssh") && strcmp(w[0], "/usr/bin/ssh")))
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(w[i], "-W") && i + 1 < n && !strcmp(w[i + 1], "%h:%p"))
			forwards = 1, i++;
		else if (!strcmp(w[i], "-q"))
			continue;
		else if (!strcmp(w[i], "-p") && i + 1 < n)
			port = w[++i];
		else if (!strcmp(w[i], "-l") && i + 1 < n)
			user = w[++i];
		else if (w[i][0] != '-' && !host)
			host = w[i];
		else
			return -1;
	}
	if (!forwards || !host)
		return -1;
	snprintf(out, size, "%s%s%s%s%s", user ? user : "", user ? "@" : "", host, port ? ":" : "",
		port ? port : "");
	return 0;
}

/* ansible_ssh_common_args / _extra_args: the jump (-J, ProxyJump, ProxyCommand ssh -W)
 * into jump; every other option is noted as not honoured. */
static int ssh_args(char *jump, size_t size, const char *args, json_t *unknown,
	const cmdb__ansible *a, int line, const char *where, const char *var)
{
	char *copy = cmdb__strdup(args), *w[64], why[700];
	size_t n;
	int error = 0;

	if (!copy)
		return oom();
	n = words_of(copy, w, 64);
	for (size_t i = 0; error == 0 && i < n; i++) {
		const char *opt = NULL, *val = NULL, *dash = w[i];
		if (!strcmp(w[i], "-J") && i + 1 < n)
			val = w[++i], opt = "proxyjump";
		else if (!strncmp(w[i], "-J", 2) && w[i][2])
			val = w[i] + 2, opt = "proxyjump";
		else if (!strcmp(w[i], "-o") && i + 1 < n)
			opt = w[++i];
		else if (!strncmp(w[i], "-o", 2) && w[i][2])
			opt = w[i] + 2;
		if (opt && !val) {
			char *eq = strchr(opt, '=');
			val = eq ? eq + 1 : "";
			if (!strncasecmp(opt, "ProxyJump=", 10))
				opt = "proxyjump";
			else if (!strncasecmp(opt, "ProxyCommand=", 13) &&
				proxy_command(jump, size, (char *)val) == 0)
				continue;
		}
		if (opt && !strcmp(opt, "proxyjump")) {
			snprintf(jump, size, "%s", val);
			continue;
		}
		snprintf(why, sizeof(why),
			"option '%s%s%s' is not honoured (gitcmdb reads only ProxyJump, -J and "
			"'ProxyCommand ssh -W %%h:%%p HOST')",
			dash, opt && opt != dash + 2 ? " " : "", opt && opt != dash + 2 ? opt : "");
		error = note(unknown, a, line, where, var, why);
	}
	cmdb_free(copy);
	return error;
}

static int setting(json_t *out, const char *key, const char *v, const cmdb__ansible *a, int line,
	const char *host)
{
	if (!strcmp(key, "port")) {
		char *e;
		long p = strtol(v, &e, 10);
		if (*e || p < 1 || p > 65535)
			return cmdb__error(CMDB_EINVALID,
				"%s:%d: host %s: port '%s' is not 1-65535", a->name, line, host, v);
		return json_object_set_new(out, key, json_integer(p)) < 0 ? oom() : 0;
	}
	if (!cmdb__inventory_valid(!strcmp(key, "address") ? CMDB_HOST_SET_ADDRESS
			    : !strcmp(key, "user")         ? CMDB_HOST_SET_USER
							   : CMDB_HOST_SET_IDENTITY,
		    v))
		return cmdb__error(CMDB_EINVALID, "%s:%d: host %s: %s '%s' cannot be used", a->name,
			line, host, key, v);
	return json_object_set_new(out, key, json_string(v)) < 0 ? oom() : 0;
}

/* ansible's boolean filter: 1 true, 0 false, -1 neither. */
static int ansible_bool(const char *v)
{
	static const char *const yes[] = {"y", "yes", "on", "1", "true", "t", NULL};
	static const char *const no[] = {"n", "no", "off", "0", "false", "f", NULL};

	for (size_t i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return 1;
	for (size_t i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i]))
			return 0;
	return -1;
}

/* ansible_become true, with ansible_become_method sudo (or unset) and ansible_become_user
 * root (or unset): `become: sudo`. Any other method or user is noted, not honoured. */
static int become_entry(
	json_t *o, const json_t *vars, json_t *unknown, const cmdb__ansible *a, const char *where)
{
	const json_t *b = json_object_get(vars, "ansible_become"),
		     *m = json_object_get(vars, "ansible_become_method"),
		     *u = json_object_get(vars, "ansible_become_user");
	const char *method = m ? json_string_value(json_array_get(m, 0)) : "sudo",
		   *user = u ? json_string_value(json_array_get(u, 0)) : "root",
		   *on = b ? json_string_value(json_array_get(b, 0)) : NULL;
	char why[400];

	if (!on || !method || !user)
		return 0;
	switch (ansible_bool(on)) {
	case 0: return 0;
	case -1:
		snprintf(why, sizeof(why), "'%.200s' is not a boolean: no become", on);
		return note(unknown, a, (int)json_integer_value(json_array_get(b, 1)), where,
			"ansible_become", why);
	}
	if (strcmp(method, "sudo")) {
		snprintf(why, sizeof(why),
			"become method '%.200s' cannot be honoured: gitcmdb becomes root with "
			"sudo -n only",
			method);
		return note(unknown, a, (int)json_integer_value(json_array_get(m, 1)), where,
			"ansible_become_method", why);
	}
	if (strcmp(user, "root")) {
		snprintf(why, sizeof(why),
			"become user '%.200s' cannot be honoured: gitcmdb becomes root only", user);
		return note(unknown, a, (int)json_integer_value(json_array_get(u, 1)), where,
			"ansible_become_user", why);
	}
	return json_object_set_new(o, "become", json_string("sudo")) < 0 ? oom() : 0;
}

/* inventory.yaml's entry for host h (null when it has no setting). */
static int host_entry(
	json_t **out, json_t *vars, const cmdb__ansible *a, const char *h, json_t *unknown)
{
	json_t *o = json_object(), *v;
	const char *k;
	char jump[1100] = "", where[600];
	int error = 0;

	snprintf(where, sizeof(where), "host %s", h);
	json_object_foreach(vars, k, v)
	{
		const char *val = json_string_value(json_array_get(v, 0));
		int line = (int)json_integer_value(json_array_get(v, 1));
		for (size_t i = 0; error == 0 && honoured[i][0]; i++) {
			if (strcmp(honoured[i][0], k))
				continue;
			if (honoured[i][1])
				error = setting(o, honoured[i][1], val, a, line, h);
			else if (!strcmp(k, "ansible_connection") && strcmp(val, "ssh") &&
				strcmp(val, "smart") && strcmp(val, "paramiko"))
				error = note(unknown, a, line, where, k,
					"connection cannot be honoured: gitcmdb connects over SSH");
			else if (strcmp(k, "ansible_connection"))
				error = ssh_args(
					jump, sizeof(jump), val, unknown, a, line, where, k);
		}
		if (error < 0)
			break;
	}
	if (error == 0 && jump[0] && json_object_set_new(o, "proxy_jump", json_string(jump)) < 0)
		error = oom();
	if (error == 0 && o)
		error = become_entry(o, vars, unknown, a, where);
	if (error < 0 || !o) {
		json_decref(o);
		return error < 0 ? error : oom();
	}
	*out = json_object_size(o) ? o : (json_decref(o), json_null());
	return 0;
}

static int check_name(const cmdb__ansible *a, const char *kind, const char *name, int line)
{
	char id[CMDB_ID_COMPONENT_MAX + 16];

	snprintf(id, sizeof(id), "host/%s", name);
	if (strlen(name) > CMDB_ID_COMPONENT_MAX || strchr(name, '/') || strchr(name, '%') ||
		cmdb_id_validate(id) < 0)
		return cmdb__error(CMDB_EINVALID,
			"%s:%d: %s name '%s' is not a valid gitcmdb name (letters, digits, . _ @ : "
			"+ "
			"-)",
			a->name, line, kind, name);
	return 0;
}

/* groups: {name: [members, children's included]} without all and ungrouped. */
static int groups_of(json_t *doc, const cmdb__ansible *a)
{
	json_t *groups = json_object_get(a->model, "groups"), *g,
	       *hosts = json_object_get(a->model, "hosts"), *h;
	json_t *out = json_object();
	const char *name, *hn;
	int error;

	if (!out || json_object_set_new(doc, "groups", out) < 0)
		return oom();
	json_object_foreach(groups, name, g)
	{
		json_t *list;
		if (!strcmp(name, "all") || !strcmp(name, "ungrouped"))
			continue;
		if ((error = check_name(a, "group", name,
			     (int)json_integer_value(json_object_get(g, "line")))) < 0)
			return error;
		if (!(list = json_array()) || json_object_set_new(out, name, list) < 0)
			return oom();
		json_object_foreach(hosts, hn, h) if (member(groups, name, hn, 0) &&
			json_array_append_new(list, json_string(hn)) < 0) return oom();
		cmdb__scan_sort_unique(list);
	}
	if (!json_object_size(out))
		json_object_del(doc, "groups");
	return 0;
}

int cmdb__ansible_convert(json_t **out, json_t *unknown, cmdb__ansible *a)
{
	json_t *groups = json_object_get(a->model, "groups"), *par = parents_of(groups), *g;
	json_t *doc = json_object(), *hosts = json_object(), *h;
	gdepth *order = cmdb__calloc(json_object_size(groups) + 1, sizeof(*order));
	const char *name;
	size_t ng = 0;
	int error = 0;

	*out = NULL;
	if (!par || !doc || !hosts || !order || json_object_set(doc, "hosts", hosts) < 0) {
		error = oom();
		goto done;
	}
	json_object_foreach(groups, name, g)
	{
		order[ng].name = name;
		order[ng++].depth = depth_of(par, name, 0);
	}
	qsort(order, ng, sizeof(*order), by_depth);
	json_object_foreach(json_object_get(a->model, "hosts"), name, h)
	{
		json_t *vars = host_vars(a->model, order, ng, name), *entry = NULL;
		int line = (int)json_integer_value(json_object_get(h, "line"));
		if (!vars) {
			error = oom();
			goto done;
		}
		if ((error = check_name(a, "host", name, line)) == 0 &&
			(error = host_entry(&entry, vars, a, name, unknown)) == 0 &&
			json_object_set_new(hosts, name, entry) < 0)
			error = oom();
		json_decref(vars);
		if (error < 0)
			goto done;
	}
	if ((error = groups_of(doc, a)) < 0 || (error = list_unknown(unknown, a)) < 0)
		goto done;
	*out = doc;
	doc = NULL;
done:
	json_decref(par);
	json_decref(doc);
	json_decref(hosts);
	cmdb_free(order);
	return error;
}
