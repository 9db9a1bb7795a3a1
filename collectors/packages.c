/*
 * packages: dpkg-query, rpm -qa and /lib/apk/db/installed, each into a list of
 * {name, version, arch}. Keying (name, or name:arch for multi-arch duplicates)
 * happens in lib/collect/normalise.c, where the whole list is known.
 */
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define NAME_MAX_LEN 256

static int add_pkg(json_t *list, cmdb__tok name, cmdb__tok version, cmdb__tok arch)
{
	json_t *p = json_object();
	int err;

	if (!p)
		return cmdb__oom();
	if ((err = cmdb__set_tok(p, "name", name)) < 0 ||
		(err = cmdb__set_tok(p, "version", version)) < 0 ||
		(err = cmdb__set_tok(p, "arch", arch)) < 0) {
		json_decref(p);
		return err;
	}
	if (json_array_append_new(list, p) < 0)
		return cmdb__oom();
	return 0;
}

/* Plausible package name: non-empty, printable, no blanks, bounded. */
static int name_ok(cmdb__tok t)
{
	if (t.len == 0 || t.len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.p[i] <= ' ' || t.p[i] == 0x7f)
			return 0;
	return 1;
}

/* "ii \tname\tversion\tarch": only installed (ii) or held (hi) packages count. */
static int parse_dpkg(json_t *list, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, f[4];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		if (line.len == 0)
			continue;
		if (cmdb__split_char(f, 4, line, '\t') != 4 || !name_ok(f[1]) || f[2].len == 0) {
			(*bad)++;
			continue;
		}
		if (f[0].len < 2 || (f[0].p[0] != 'i' && f[0].p[0] != 'h') || f[0].p[1] != 'i')
			continue;
		if ((err = add_pkg(list, f[1], f[2], cmdb__trim(f[3]))) < 0)
			return err;
	}
	return 0;
}

/* "name\tepoch\tversion-release\tarch"; epoch "(none)" when unset; gpg-pubkey entries are keys, not
 * software. */
static int parse_rpm(json_t *list, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, f[4];
	char ver[512];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		if (line.len == 0)
			continue;
		if (cmdb__split_char(f, 4, line, '\t') != 4 || !name_ok(f[0]) || f[2].len == 0 ||
			f[1].len + f[2].len + 2 > sizeof(ver)) {
			(*bad)++;
			continue;
		}
		if (cmdb__tok_eq(f[0], "gpg-pubkey"))
			continue;
		cmdb__tok v = f[2];
		if (f[1].len && !cmdb__tok_eq(f[1], "(none)")) {
			memcpy(ver, f[1].p, f[1].len);
			ver[f[1].len] = ':';
			memcpy(ver + f[1].len + 1, f[2].p, f[2].len);
			v = (cmdb__tok){ver, f[1].len + 1 + f[2].len};
		}
		cmdb__tok arch = cmdb__trim(f[3]);
		if (cmdb__tok_eq(arch, "(none)"))
			arch.len = 0;
		if ((err = add_pkg(list, f[0], v, arch)) < 0)
			return err;
	}
	return 0;
}

/* Records of "P:name", "V:version", "A:arch" lines; a new P: starts the next package. */
static int parse_apk(json_t *list, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, name = {0}, ver = {0}, arch = {0};
	int err;

	for (;;) {
		int more = cmdb__line_next(&line, &pos, end);

		if (!more || line.len == 0 || cmdb__tok_prefix(line, "P:")) {
			if (name.len) {
				if (!name_ok(name) || ver.len == 0)
					(*bad)++;
				else if ((err = add_pkg(list, name, ver, arch)) < 0)
					return err;
			}
			name = ver = arch = (cmdb__tok){NULL, 0};
		}
		if (!more)
			break;
		if (line.len < 2 || line.p[1] != ':')
			continue;
		cmdb__tok v = {line.p + 2, line.len - 2};
		if (line.p[0] == 'P')
			name = v;
		else if (line.p[0] == 'V')
			ver = v;
		else if (line.p[0] == 'A')
			arch = v;
	}
	return 0;
}

static int packages_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	static const struct {
		const char *label;
		int (*fn)(json_t *, const cmdb__block *, int *);
	} managers[] = {{"dpkg", parse_dpkg}, {"rpm", parse_rpm}, {"apk", parse_apk}};
	json_t *facts = NULL, *list = json_array(), *names = json_array();
	int err = 0, bad = 0;

	*out = NULL;
	if (!list || !names) {
		err = cmdb__oom();
		goto done;
	}
	for (size_t i = 0; i < sizeof(managers) / sizeof(managers[0]); i++) {
		const cmdb__block *b = cmdb__block_find(sec, managers[i].label);
		size_t before = json_array_size(list);

		if (!b)
			continue;
		if ((err = managers[i].fn(list, b, &bad)) < 0)
			goto done;
		/* An rpm binary on a Debian host has an empty database: not a manager in use. */
		if (json_array_size(list) > before &&
			json_array_append_new(names, json_string(managers[i].label)) < 0) {
			err = cmdb__oom();
			goto done;
		}
	}
	if (bad)
		cmdb__collect_warn(
			errors, "packages", "%d unreadable package line(s) skipped", bad);
	if (json_array_size(list) == 0 && bad) {
		err = cmdb__error(CMDB_EINVALID, "no readable package list");
		goto done;
	}
	if (!(facts = json_pack("{s:O, s:O}", "managers", names, "list", list))) {
		err = cmdb__oom();
		goto done;
	}
	*out = facts;
done:
	json_decref(list);
	json_decref(names);
	return err;
}

const cmdb_collector cmdb__collector_packages = {
	"packages", "collectors/packages.sh", packages_parse, 0};
