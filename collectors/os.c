/* os: /etc/os-release, uname, hostname, fqdn, time zone. */
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

/*
 * An os-release value: unquoted, "double" (with \ escapes) or 'single' quoted.
 * Written into buf (at most cap bytes); returns the length.
 */
static size_t unquote(char *buf, size_t cap, cmdb__tok v)
{
	size_t n = 0;

	v = cmdb__trim(v);
	if (v.len >= 2 && (v.p[0] == '"' || v.p[0] == '\'') && v.p[v.len - 1] == v.p[0]) {
		char q = v.p[0];

		for (size_t i = 1; i + 1 < v.len && n < cap; i++) {
			if (q == '"' && v.p[i] == '\\' && i + 2 < v.len)
				i++;
			buf[n++] = v.p[i];
		}
		return n;
	}
	n = v.len < cap ? v.len : cap;
	memcpy(buf, v.p, n);
	return n;
}

static int parse_os_release(json_t *os, const cmdb__block *b, json_t *errors)
{
	static const struct {
		const char *key, *field;
	} keys[] = {{"ID", "id"}, {"NAME", "name"}, {"VERSION_ID", "version"},
		{"PRETTY_NAME", "pretty_name"}, {"VERSION_CODENAME", "codename"}};
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, kv[2];
	char val[256];
	int err, bad = 0;

	while (cmdb__line_next(&line, &pos, end)) {
		line = cmdb__trim(line);
		if (line.len == 0 || line.p[0] == '#')
			continue;
		if (cmdb__split_char(kv, 2, line, '=') != 2) {
			bad++;
			continue;
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (!cmdb__tok_eq(kv[0], keys[i].key))
				continue;
			size_t n = unquote(val, sizeof(val), kv[1]);
			if ((err = cmdb__set_tok(os, keys[i].field, (cmdb__tok){val, n})) < 0)
				return err;
		}
	}
	if (bad)
		cmdb__collect_warn(
			errors, "os", "os-release: %d line(s) without KEY=VALUE skipped", bad);
	return 0;
}

/* The first non-empty line of a block, trimmed. */
static cmdb__tok first_line(const cmdb__block *b)
{
	const char *pos, *end;
	cmdb__tok line = {NULL, 0};

	if (!b)
		return line;
	pos = b->body;
	end = b->body + b->len;
	while (cmdb__line_next(&line, &pos, end))
		if ((line = cmdb__trim(line)).len)
			return line;
	return (cmdb__tok){NULL, 0};
}

/* "/usr/share/zoneinfo/Europe/Berlin" -> "Europe/Berlin". */
static cmdb__tok zone_name(cmdb__tok t)
{
	static const char marker[] = "zoneinfo/";

	for (size_t i = 0; i + sizeof(marker) - 1 <= t.len; i++)
		if (memcmp(t.p + i, marker, sizeof(marker) - 1) == 0)
			return (cmdb__tok){
				t.p + i + sizeof(marker) - 1, t.len - i - (sizeof(marker) - 1)};
	return t;
}

static int os_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	static const char *const simple[] = {"kernel", "arch", "hostname", "fqdn"};
	const cmdb__block *b;
	json_t *os = json_object();
	int err = 0;

	*out = NULL;
	if (!os)
		return cmdb__oom();
	if ((b = cmdb__block_find(sec, "os-release")) &&
		(err = parse_os_release(os, b, errors)) < 0)
		goto done;
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		cmdb__tok v = first_line(cmdb__block_find(sec, simple[i]));

		/* "localhost" or a bare name from hostname -f carries no information. */
		if (i == 3 && (v.len == 0 || !memchr(v.p, '.', v.len)))
			continue;
		if ((err = cmdb__set_tok(os, simple[i], v)) < 0)
			goto done;
	}
	if ((err = cmdb__set_tok(
		     os, "timezone", zone_name(first_line(cmdb__block_find(sec, "timezone"))))) < 0)
		goto done;
	if (json_object_size(os) == 0) {
		err = cmdb__error(CMDB_EINVALID, "no os facts in the section");
		goto done;
	}
	*out = os;
	os = NULL;
done:
	json_decref(os);
	return err;
}

const cmdb_collector cmdb__collector_os = {"os", "collectors/os.sh", os_parse};
