/*
 * users: "name:uid:gid:home:shell" and "name:gid:members" as the script prints
 * them. Raw /etc/passwd and /etc/group lines (7 and 4 fields) are read too, but
 * their password field is dropped here, so a hash can never reach the facts.
 */
#include <stdio.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "collect/normalise.h"

#define NAME_LEN_MAX 256

static int name_ok(cmdb__tok t)
{
	return t.len > 0 && t.len <= NAME_LEN_MAX;
}

static int parse_passwd(json_t *users, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, f[8];
	uint64_t uid, gid;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n;
		cmdb__tok name, home, shell, u, g;
		json_t *o;

		if (line.len == 0 || line.p[0] == '#')
			continue;
		n = cmdb__split_char(f, 8, line, ':');
		if (n == 5) {
			name = f[0], u = f[1], g = f[2], home = f[3], shell = f[4];
		} else if (n == 7) {
			name = f[0], u = f[2], g = f[3], home = f[5], shell = f[6];
		} else {
			(*bad)++;
			continue;
		}
		if (!name_ok(name) || cmdb__tok_u64(&uid, u) < 0 || cmdb__tok_u64(&gid, g) < 0) {
			(*bad)++;
			continue;
		}
		if (!(o = json_object()) || cmdb__set_int(o, "uid", uid) < 0 ||
			cmdb__set_int(o, "gid", gid) < 0 || cmdb__set_tok(o, "home", home) < 0 ||
			cmdb__set_tok(o, "shell", shell) < 0) {
			json_decref(o);
			return cmdb__oom();
		}
		if (cmdb__obj_set(users, name, o) < 0)
			return cmdb__oom();
	}
	return 0;
}

static int parse_group(json_t *groups, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, f[5];
	uint64_t gid;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n;
		cmdb__tok name, g, members;
		json_t *o, *list;

		if (line.len == 0 || line.p[0] == '#')
			continue;
		n = cmdb__split_char(f, 5, line, ':');
		if (n == 3) {
			name = f[0], g = f[1], members = f[2];
		} else if (n == 4) {
			name = f[0], g = f[2], members = f[3];
		} else {
			(*bad)++;
			continue;
		}
		if (!name_ok(name) || cmdb__tok_u64(&gid, g) < 0) {
			(*bad)++;
			continue;
		}
		if (!(o = json_object()) || !(list = json_array()) ||
			json_object_set_new(o, "members", list) < 0 ||
			cmdb__set_int(o, "gid", gid) < 0) {
			json_decref(o);
			return cmdb__oom();
		}
		list = json_object_get(o, "members");
		for (const char *p = members.p, *e = members.p + members.len; p < e;) {
			const char *c = memchr(p, ',', (size_t)(e - p));
			cmdb__tok m = cmdb__trim((cmdb__tok){p, (size_t)((c ? c : e) - p)});

			if (m.len && cmdb__append_unique(list, cmdb__jtok(m)) < 0) {
				json_decref(o);
				return cmdb__oom();
			}
			p = c ? c + 1 : e;
		}
		if (json_array_size(list) == 0)
			json_object_del(o, "members");
		if (cmdb__obj_set(groups, name, o) < 0)
			return cmdb__oom();
	}
	return 0;
}

/* Append name to the list at index[key], creating it. */
static int index_add(json_t *index, const char *key, const char *name)
{
	json_t *list = json_object_get(index, key);

	if (!list && (!(list = json_array()) || json_object_set_new(index, key, list) < 0))
		return cmdb__oom();
	return cmdb__append_unique(list, json_string(name));
}

/*
 * Each user's groups: its primary group (by gid) and every group listing it as a
 * member. Indexed both ways first, so hostile input with huge tables stays linear.
 */
static int user_groups(json_t *users, json_t *groups)
{
	json_t *by_gid = json_object(), *by_member = json_object(), *u, *g, *m;
	const char *uname, *gname;
	char gid[32];
	size_t i;
	int err = 0;

	if (!by_gid || !by_member) {
		err = cmdb__oom();
		goto done;
	}
	json_object_foreach(groups, gname, g)
	{
		snprintf(gid, sizeof(gid), "%lld",
			(long long)json_integer_value(json_object_get(g, "gid")));
		if ((err = index_add(by_gid, gid, gname)) < 0)
			goto done;
		json_array_foreach(json_object_get(g, "members"), i,
			m) if ((err = index_add(by_member, json_string_value(m), gname)) <
			0) goto done;
	}
	json_object_foreach(users, uname, u)
	{
		json_t *list = json_array();

		if (!list || json_object_set_new(u, "groups", list) < 0) {
			err = cmdb__oom();
			goto done;
		}
		snprintf(gid, sizeof(gid), "%lld",
			(long long)json_integer_value(json_object_get(u, "gid")));
		json_array_foreach(json_object_get(by_gid, gid), i,
			m) if ((err = cmdb__append_unique(list, json_incref(m))) < 0) goto done;
		json_array_foreach(json_object_get(by_member, uname), i,
			m) if ((err = cmdb__append_unique(list, json_incref(m))) < 0) goto done;
		if ((err = cmdb__sort_strings(list)) < 0)
			goto done;
	}
done:
	json_decref(by_gid);
	json_decref(by_member);
	return err;
}

static int users_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *users = json_object(), *groups = json_object(), *facts = NULL;
	const cmdb__block *b;
	int err = 0, bad = 0;

	*out = NULL;
	if (!users || !groups) {
		err = cmdb__oom();
		goto done;
	}
	if (((b = cmdb__block_find(sec, "passwd")) && (err = parse_passwd(users, b, &bad)) < 0) ||
		((b = cmdb__block_find(sec, "group")) &&
			(err = parse_group(groups, b, &bad)) < 0) ||
		(err = user_groups(users, groups)) < 0)
		goto done;
	if (bad)
		cmdb__collect_warn(
			errors, "users", "%d unreadable passwd or group line(s) skipped", bad);
	if (json_object_size(users) == 0) {
		err = cmdb__error(CMDB_EINVALID, "no accounts in the section");
		goto done;
	}
	if (!(facts = json_pack("{s:O, s:O}", "users", users, "groups", groups))) {
		err = cmdb__oom();
		goto done;
	}
	*out = facts;
done:
	json_decref(users);
	json_decref(groups);
	return err;
}

const cmdb_collector cmdb__collector_users = {"users", "collectors/users.sh", users_parse, 0};
