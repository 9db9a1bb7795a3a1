/*
 * inventory.yaml: defaults, groups and hosts. Everything that later reaches a
 * socket, a key file or an SSH user name is checked here, with file:line:col, so a
 * value can never turn into an option ("-oProxyCommand=...") or shell syntax.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "gitcmdb/id.h"
#include "gitcmdb/inventory.h"
#include "gitcmdb/yaml.h"
#include "scan/scan.h"
#include "yaml/yaml_ptr.h"

struct cmdb_inventory {
	json_t *doc; /* the parsed file: hosts' strings and tags are borrowed from it */
	json_t *groups; /* host name -> array of group names */
	json_t *owned; /* strings we built (expanded identity files) */
	json_t *empty; /* the empty list hosts without tags or groups point at */
	json_t *gjump; /* host name -> proxy_jump of its group */
	json_t *gbecome; /* host name -> become of its group */
	json_t *jump_at; /* host name -> JSON pointer of the proxy_jump it took (messages) */
	int jump_channels;
	int ssh_config;
	cmdb_host *hosts; /* sorted by name */
	size_t n;
};

typedef struct {
	const char *name; /* file name for messages */
	json_t *marks;
} ctx;

static const char *const host_keys[] = {"address", "port", "user", "identity_file",
	"passphrase_env", "tags", "proxy_jump", "become", NULL};
static const char *const default_keys[] = {"port", "user", "identity_file", "passphrase_env",
	"proxy_jump", "jump_channels", "become", NULL};
static const char *const group_keys[] = {"hosts", "proxy_jump", "become", NULL};

/* Error at the node with JSON pointer ptr; what is "hosts.web01.port" style. */
static int fail(const ctx *c, const char *ptr, const char *what, const char *msg)
{
	json_t *m = json_object_get(c->marks, ptr);
	int line = m ? (int)json_integer_value(json_array_get(m, 0)) : 0;
	int col = m ? (int)json_integer_value(json_array_get(m, 1)) : 0;

	if (!m)
		return cmdb__error(CMDB_EINVALID, "%s: %s: %s", c->name, what, msg);
	return cmdb__error(CMDB_EINVALID, "%s:%d:%d: %s: %s", c->name, line, col, what, msg);
}

static int all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

static int check_address(const char *s)
{
	size_t n = strlen(s);
	/* host names and IPv4/IPv6 literals; no brackets, spaces or shell syntax */
	return n > 0 && n <= 253 && s[0] != '-' && s[0] != '.' && all_chars(s, ".-_:");
}

static int check_user(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 32 && (isalpha((unsigned char)s[0]) || s[0] == '_') &&
		all_chars(s, "_.-");
}

static int check_env(const char *s)
{
	return *s && !isdigit((unsigned char)s[0]) && strlen(s) <= 128 && all_chars(s, "_");
}

static int check_path(const char *s)
{
	if (!*s || s[0] == '-' || strlen(s) > 4096)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int cmdb__inventory_valid(int what, const char *v)
{
	switch (what) {
	case CMDB_HOST_SET_ADDRESS: return check_address(v);
	case CMDB_HOST_SET_USER: return check_user(v);
	case CMDB_HOST_SET_IDENTITY: return check_path(v);
	default: return 0;
	}
}

/* A host or group name must be one valid item id component. */
static int check_name(const ctx *c, const char *ptr, const char *what, const char *name)
{
	char id[CMDB_ID_COMPONENT_MAX + 16];

	if (!*name || strchr(name, '/') || strchr(name, '%') ||
		strlen(name) > CMDB_ID_COMPONENT_MAX)
		return fail(c, ptr, what, "not a valid name (letters, digits, . _ @ : + -)");
	snprintf(id, sizeof(id), "host/%s", name);
	if (cmdb_id_validate(id) < 0)
		return fail(c, ptr, what,
			"not a valid name (letters, digits, . _ @ : + -; no leading .)");
	return 0;
}

static int check_keys(
	const ctx *c, const char *ptr, const char *what, json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *v;
	char kp[1024], kw[512];

	if (!json_is_object(obj))
		return fail(c, ptr, what, "must be a mapping");
	json_object_foreach(obj, k, v)
	{
		size_t i;
		for (i = 0; allowed[i] && strcmp(allowed[i], k); i++)
			;
		if (!allowed[i]) {
			cmdb__yaml_ptr_join(kp, sizeof(kp), ptr, k);
			snprintf(kw, sizeof(kw), "%s.%s", what, k);
			return fail(c, kp, kw, "unknown key");
		}
	}
	return 0;
}

/* Check the connection settings of a host or of defaults (present keys only). */
static int check_settings(const ctx *c, const char *ptr, const char *what, json_t *obj)
{
	char kp[1024], kw[512];
	json_t *v;
	size_t i;

#define AT(key)                                                                                    \
	(cmdb__yaml_ptr_join(kp, sizeof(kp), ptr, key),                                            \
		snprintf(kw, sizeof(kw), "%s.%s", what, key))
	if ((v = json_object_get(obj, "address")) &&
		(AT("address"), !json_is_string(v) || !check_address(json_string_value(v))))
		return fail(c, kp, kw,
			"must be a host name or IP address (letters, digits, . - _ :; "
			"not starting with - or .)");
	if ((v = json_object_get(obj, "port")) &&
		(AT("port"),
			!json_is_integer(v) || json_integer_value(v) < 1 ||
				json_integer_value(v) > 65535))
		return fail(c, kp, kw, "must be an integer port 1-65535");
	if ((v = json_object_get(obj, "user")) &&
		(AT("user"), !json_is_string(v) || !check_user(json_string_value(v))))
		return fail(c, kp, kw,
			"must be a user name (letter or _, then letters, digits, _ . -; "
			"at most 32)");
	if ((v = json_object_get(obj, "identity_file")) &&
		(AT("identity_file"), !json_is_string(v) || !check_path(json_string_value(v))))
		return fail(c, kp, kw,
			"must be a key file path (no control characters, not "
			"starting with -)");
	if ((v = json_object_get(obj, "passphrase_env")) &&
		(AT("passphrase_env"), !json_is_string(v) || !check_env(json_string_value(v))))
		return fail(c, kp, kw,
			"must name an environment variable ([A-Za-z_][A-Za-z0-9_]*); "
			"passphrases are never written in the inventory");
	if ((v = json_object_get(obj, "proxy_jump")) &&
		(AT("proxy_jump"),
			!json_is_string(v) || !*json_string_value(v) ||
				strlen(json_string_value(v)) > 1024))
		return fail(c, kp, kw, "must be a list of jump hosts, NAME[,NAME...]");
	if ((v = json_object_get(obj, "jump_channels")) &&
		(AT("jump_channels"),
			!json_is_integer(v) || json_integer_value(v) < 1 ||
				json_integer_value(v) > 256))
		return fail(c, kp, kw, "must be an integer 1-256");
	if ((v = json_object_get(obj, "become")) &&
		(AT("become"),
			!json_is_string(v) ||
				(strcmp(json_string_value(v), "sudo") != 0 &&
					strcmp(json_string_value(v), "none") != 0)))
		return fail(c, kp, kw,
			"must be sudo (run the collector through sudo -n) or none (as the "
			"user)");
	if ((v = json_object_get(obj, "tags"))) {
		json_t *tag;
		AT("tags");
		if (!json_is_array(v))
			return fail(c, kp, kw, "must be a list of tags");
		json_array_foreach(v, i, tag)
		{
			char tp[1100];
			snprintf(tp, sizeof(tp), "%s/%zu", kp, i);
			if (!json_is_string(tag) || !*json_string_value(tag) ||
				strlen(json_string_value(tag)) > 64 ||
				!all_chars(json_string_value(tag), "._:@+-"))
				return fail(c, tp, kw,
					"a tag is letters, digits and . _ : @ + - "
					"(at most 64)");
		}
	}
#undef AT
	return 0;
}

/* Give the group's setting key (value v, at kp) to each member in map; a member whose other
 * group gave it another value is an error. at (or NULL) records where each came from. */
static int group_give(const ctx *c, json_t *members, json_t *map, json_t *at, json_t *v,
	const char *kp, const char *what, const char *key)
{
	char msg[160];
	json_t *m;
	size_t i;

	json_array_foreach(members, i, m)
	{
		const char *h = json_string_value(m), *had;
		if (!h)
			continue; /* the list check names it */
		had = json_string_value(json_object_get(map, h));
		snprintf(msg, sizeof(msg), "gives a host another %s than its other group", key);
		if (had && strcmp(had, json_string_value(v)))
			return fail(c, kp, what, msg);
		if (json_object_set(map, h, v) < 0 ||
			(at && json_object_set_new(at, h, json_string(kp)) < 0))
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

/* A group written as {hosts: [...], proxy_jump: J, become: B}: check it, *members = its
 * list. */
static int group_settings(
	const ctx *c, cmdb_inventory *inv, json_t **members, const char *gp, const char *what)
{
	json_t *j = json_object_get(*members, "proxy_jump");
	json_t *b = json_object_get(*members, "become");
	char kp[1100], kw[600];
	int error;

	if ((error = check_keys(c, gp, what, *members, group_keys)) < 0 ||
		(error = check_settings(c, gp, what, *members)) < 0)
		return error;
	cmdb__yaml_ptr_join(kp, sizeof(kp), gp, "hosts");
	snprintf(kw, sizeof(kw), "%s.hosts", what);
	if (!json_is_array(json_object_get(*members, "hosts")))
		return fail(c, kp, kw, "must be a list of host names");
	*members = json_object_get(*members, "hosts");
	cmdb__yaml_ptr_join(kp, sizeof(kp), gp, "proxy_jump");
	if (j &&
		(error = group_give(
			 c, *members, inv->gjump, inv->jump_at, j, kp, what, "proxy_jump")) < 0)
		return error;
	cmdb__yaml_ptr_join(kp, sizeof(kp), gp, "become");
	if (b && (error = group_give(c, *members, inv->gbecome, NULL, b, kp, what, "become")) < 0)
		return error;
	return 0;
}

/* groups: name -> list of known, distinct host names (or {hosts, proxy_jump}); fills
 * inv->groups (host -> [group]). */
static int check_groups(const ctx *c, cmdb_inventory *inv, json_t *groups, json_t *hosts)
{
	const char *g;
	json_t *members;
	char gp[1024], mp[1100], what[512];

	if (!groups || json_is_null(groups))
		return 0;
	if (!json_is_object(groups))
		return fail(c, "/groups", "groups", "must be a mapping of group name to host list");
	json_object_foreach(groups, g, members)
	{
		size_t i;
		json_t *m;
		int error;

		cmdb__yaml_ptr_join(gp, sizeof(gp), "/groups", g);
		snprintf(what, sizeof(what), "groups.%s", g);
		if ((error = check_name(c, gp, what, g)) < 0)
			return error;
		if (json_is_object(members) &&
			(error = group_settings(c, inv, &members, gp, what)) < 0)
			return error;
		if (!json_is_array(members))
			return fail(c, gp, what, "must be a list of host names");
		json_array_foreach(members, i, m)
		{
			const char *h = json_string_value(m);
			json_t *list;
			snprintf(mp, sizeof(mp), "%s/%zu", gp, i);
			if (!h || !json_object_get(hosts, h))
				return fail(c, mp, what,
					h ? "names a host that is not in hosts"
					  : "members must be host names");
			for (size_t j = 0; j < i; j++)
				if (!strcmp(h, json_string_value(json_array_get(members, j))))
					return fail(c, mp, what, "lists a host twice");
			if (!(list = json_object_get(inv->groups, h))) {
				if (json_object_set_new(inv->groups, h, list = json_array()) < 0)
					return cmdb__error(CMDB_ERROR, "out of memory");
			}
			if (json_array_append_new(list, json_string(g)) < 0)
				return cmdb__error(CMDB_ERROR, "out of memory");
		}
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const cmdb_host *)a)->name, ((const cmdb_host *)b)->name);
}

static const char *pick(json_t *host, json_t *defaults, const char *key, const char *dflt)
{
	json_t *v = json_object_get(host, key);

	if (!v)
		v = json_object_get(defaults, key);
	return v ? json_string_value(v) : dflt;
}

/* "~/x" -> "$HOME/x" (kept in inv->owned). */
static const char *expand(cmdb_inventory *inv, const char *path)
{
	const char *home = getenv("HOME");
	json_t *s;

	if (!path || strncmp(path, "~/", 2) || !home || !*home)
		return path;
	if (!(s = json_sprintf("%s%s", home, path + 1)) || json_array_append_new(inv->owned, s) < 0)
		return NULL;
	return json_string_value(s);
}

static int build_hosts(const ctx *c, cmdb_inventory *inv, json_t *hosts, json_t *defaults)
{
	const char *name;
	json_t *h;
	char hp[1024], what[512];
	size_t i = 0;
	int error;

	if (!(inv->hosts = cmdb__calloc(json_object_size(hosts) + 1, sizeof(*inv->hosts))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach(hosts, name, h)
	{
		cmdb_host *o = &inv->hosts[i++];
		cmdb__yaml_ptr_join(hp, sizeof(hp), "/hosts", name);
		snprintf(what, sizeof(what), "hosts.%s", name);
		if ((error = check_name(c, hp, what, name)) < 0)
			return error;
		if (json_is_null(h)) /* "web01:" alone: address = name */
			h = NULL;
		else if ((error = check_keys(c, hp, what, h, host_keys)) < 0 ||
			(error = check_settings(c, hp, what, h)) < 0)
			return error;
		o->name = name;
		o->address = pick(h, NULL, "address", name);
		if (!check_address(o->address))
			return fail(c, hp, what, "has no address and its name is not a host name");
		o->port = (int)json_integer_value(json_object_get(h, "port"));
		if (!o->port)
			o->port = (int)json_integer_value(json_object_get(defaults, "port"));
		if (!o->port)
			o->port = 22;
		o->user = pick(h, defaults, "user", "cmdb");
		o->passphrase_env = pick(h, defaults, "passphrase_env", NULL);
		o->identity_file = pick(h, defaults, "identity_file", NULL);
		o->become = json_string_value(json_object_get(h, "become"));
		if (!o->become &&
			!(o->become = json_string_value(json_object_get(inv->gbecome, name))))
			o->become = pick(NULL, defaults, "become", NULL);
		if (o->become && strcmp(o->become, "sudo") != 0)
			o->become = NULL; /* "none" on the host or group overrides defaults */
		if (o->identity_file && !(o->identity_file = expand(inv, o->identity_file)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		o->proxy_jump = json_string_value(json_object_get(h, "proxy_jump"));
		if (o->proxy_jump) {
			char kp[1100];
			cmdb__yaml_ptr_join(kp, sizeof(kp), hp, "proxy_jump");
			if (json_object_set_new(inv->jump_at, name, json_string(kp)) < 0)
				return cmdb__error(CMDB_ERROR, "out of memory");
		} else if (!(o->proxy_jump =
					   json_string_value(json_object_get(inv->gjump, name))) &&
			(o->proxy_jump = pick(NULL, defaults, "proxy_jump", NULL)) &&
			json_object_set_new(
				inv->jump_at, name, json_string("/defaults/proxy_jump")) < 0) {
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
		o->set = (json_object_get(h, "address") ? CMDB_HOST_SET_ADDRESS : 0) |
			(o->proxy_jump ? CMDB_HOST_SET_JUMP : 0) |
			(json_object_get(h, "port") || json_object_get(defaults, "port")
					? CMDB_HOST_SET_PORT
					: 0) |
			(json_object_get(h, "user") || json_object_get(defaults, "user")
					? CMDB_HOST_SET_USER
					: 0) |
			(json_object_get(h, "identity_file") ||
						json_object_get(defaults, "identity_file")
					? CMDB_HOST_SET_IDENTITY
					: 0);
		o->tags = json_object_get(h, "tags");
		if (!o->tags)
			o->tags = inv->empty;
		o->groups = json_object_get(inv->groups, name);
		if (!o->groups)
			o->groups = inv->empty;
	}
	inv->n = i;
	qsort(inv->hosts, inv->n, sizeof(*inv->hosts), by_name);
	return 0;
}

static int top_settings(const ctx *c, cmdb_inventory *inv, json_t *defaults)
{
	json_t *v = json_object_get(inv->doc, "ssh_config");

	if (v && !json_is_boolean(v))
		return fail(c, "/ssh_config", "ssh_config", "must be true or false");
	inv->ssh_config = json_is_true(v);
	inv->jump_channels = (int)json_integer_value(json_object_get(defaults, "jump_channels"));
	if (!inv->jump_channels)
		inv->jump_channels = 10;
	return 0;
}

const cmdb_host *cmdb_inventory_find(const cmdb_inventory *inv, const char *name)
{
	cmdb_host key;

	memset(&key, 0, sizeof(key));
	key.name = name;
	return inv && inv->n ? bsearch(&key, inv->hosts, inv->n, sizeof(*inv->hosts), by_name)
			     : NULL;
}

int cmdb_inventory_jump_channels(const cmdb_inventory *inv)
{
	return inv ? inv->jump_channels : 10;
}

int cmdb_inventory_ssh_config(const cmdb_inventory *inv)
{
	return inv ? inv->ssh_config : 0;
}

static int check_jumps(const ctx *c, cmdb_inventory *inv)
{
	const cmdb_host *seen[9];
	char what[512], why[512];

	for (size_t i = 0; i < inv->n; i++) {
		const cmdb_host *h = &inv->hosts[i];
		if (!h->proxy_jump || cmdb__inventory_walk_jumps(inv, h, seen, 0) == 0)
			continue;
		snprintf(what, sizeof(what), "hosts.%s.proxy_jump", h->name);
		snprintf(why, sizeof(why), "%s", cmdb_error_last());
		return fail(
			c, json_string_value(json_object_get(inv->jump_at, h->name)), what, why);
	}
	return 0;
}

void cmdb_inventory_free(cmdb_inventory *inv)
{
	if (!inv)
		return;
	json_decref(inv->doc);
	json_decref(inv->groups);
	json_decref(inv->owned);
	json_decref(inv->empty);
	json_decref(inv->gjump);
	json_decref(inv->gbecome);
	json_decref(inv->jump_at);
	cmdb_free(inv->hosts);
	cmdb_free(inv);
}

int cmdb_inventory_parse(cmdb_inventory **out, const char *buf, size_t len, const char *name)
{
	static const char *const top_keys[] = {"defaults", "groups", "hosts", "ssh_config", NULL};
	cmdb_inventory *inv = NULL;
	ctx c = {name ? name : "inventory.yaml", NULL};
	json_t *defaults, *hosts;
	int error;

	*out = NULL;
	if (!(inv = cmdb__calloc(1, sizeof(*inv))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((error = cmdb_yaml_parse_marked(&inv->doc, &c.marks, buf, len, c.name)) < 0)
		goto done;
	if (json_is_null(inv->doc)) { /* an empty file: no hosts */
		json_decref(inv->doc);
		inv->doc = json_object();
	}
	if (!(inv->groups = json_object()) || !(inv->owned = json_array()) ||
		!(inv->gjump = json_object()) || !(inv->jump_at = json_object()) ||
		!(inv->gbecome = json_object()) || !(inv->empty = json_array()) || !inv->doc) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = check_keys(&c, "", "inventory", inv->doc, top_keys)) < 0)
		goto done;
	defaults = json_object_get(inv->doc, "defaults");
	if (defaults && !json_is_null(defaults) &&
		((error = check_keys(&c, "/defaults", "defaults", defaults, default_keys)) < 0 ||
			(error = check_settings(&c, "/defaults", "defaults", defaults)) < 0))
		goto done;
	hosts = json_object_get(inv->doc, "hosts");
	if (!hosts || json_is_null(hosts)) {
		if (json_object_set_new(inv->doc, "hosts", hosts = json_object()) < 0) {
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	} else if (!json_is_object(hosts)) {
		error = fail(&c, "/hosts", "hosts", "must be a mapping of host name to settings");
		goto done;
	}
	if ((error = top_settings(&c, inv, defaults)) < 0 ||
		(error = check_groups(&c, inv, json_object_get(inv->doc, "groups"), hosts)) < 0 ||
		(error = build_hosts(&c, inv, hosts, defaults)) < 0 ||
		(error = check_jumps(&c, inv)) < 0)
		goto done;
	*out = inv;
	inv = NULL;
done:
	json_decref(c.marks);
	cmdb_inventory_free(inv);
	return error;
}

int cmdb_inventory_load(cmdb_inventory **out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int error;

	*out = NULL;
	if ((error = cmdb__file_read(&buf, &len, path, CMDB_YAML_MAX_BYTES, 0)) < 0)
		return error;
	error = cmdb_inventory_parse(out, buf, len, path);
	free(buf);
	return error;
}

size_t cmdb_inventory_count(const cmdb_inventory *inv)
{
	return inv ? inv->n : 0;
}

const cmdb_host *cmdb_inventory_host(const cmdb_inventory *inv, size_t i)
{
	return inv && i < inv->n ? &inv->hosts[i] : NULL;
}
