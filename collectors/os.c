/* os: /etc/os-release and the release files, kernel, arch, hostname, fqdn, time zone. */
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

/* os-release keys kept as facts, and the ones only read to find the exact release. */
static const struct {
	const char *key, *field;
} os_keys[] = {{"ID", "id"}, {"NAME", "name"}, {"VERSION_ID", "version_id"},
	{"PRETTY_NAME", "pretty_name"}, {"VERSION_CODENAME", "codename"}, {"VERSION", NULL},
	{"DEBIAN_VERSION_FULL", NULL}, {"DISTRIB_DESCRIPTION", NULL}, {"DISTRIB_RELEASE", NULL}};

/*
 * KEY=VALUE lines (os-release, lsb-release) into os (facts) and raw (every key of
 * os_keys by its os-release name). Returns the count of lines without '='.
 */
static int parse_keys(json_t *os, json_t *raw, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, kv[2];
	char val[256];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		line = cmdb__trim(line);
		if (line.len == 0 || line.p[0] == '#')
			continue;
		if (cmdb__split_char(kv, 2, line, '=') != 2) {
			(*bad)++;
			continue;
		}
		for (size_t i = 0; i < sizeof(os_keys) / sizeof(os_keys[0]); i++) {
			if (!cmdb__tok_eq(kv[0], os_keys[i].key))
				continue;
			size_t n = unquote(val, sizeof(val), kv[1]);
			if ((os && os_keys[i].field &&
				    (err = cmdb__set_tok(
					     os, os_keys[i].field, (cmdb__tok){val, n})) < 0) ||
				(err = cmdb__set_tok(raw, os_keys[i].key, (cmdb__tok){val, n})) < 0)
				return err;
		}
	}
	return 0;
}

/*
 * The first release number of a text ("Rocky Linux release 9.3 (Blue Onyx)" -> "9.3",
 * "Ubuntu 24.04.1 LTS" -> "24.04.1", "12.11" -> "12.11"): a word of digits and dots
 * starting with a digit. An empty token when there is none ("trixie/sid").
 */
static cmdb__tok release_in(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i;

		if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t'))
			continue;
		while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'))
			j++;
		while (j > i && s[j - 1] == '.')
			j--;
		if (j == len || s[j] == ' ' || s[j] == '\t' || s[j] == '(' || s[j] == ',' ||
			s[j] == '\n' || s[j] == '\r')
			return (cmdb__tok){s + i, j - i};
	}
	return (cmdb__tok){NULL, 0};
}

/* A release agrees with VERSION_ID when it is VERSION_ID or a point release of it. */
static int agrees(cmdb__tok rel, const char *version_id)
{
	size_t n = version_id ? strlen(version_id) : 0;

	if (rel.len == 0 || rel.len > 40)
		return 0;
	return n == 0 || (rel.len == n && memcmp(rel.p, version_id, n) == 0) ||
		(rel.len > n && memcmp(rel.p, version_id, n) == 0 && rel.p[n] == '.');
}

static const char *raw_str(const json_t *raw, const char *key)
{
	return json_string_value(json_object_get(raw, key));
}

/*
 * attributes.os.version: the point release as the distribution states it, from the
 * most precise source that agrees with VERSION_ID: /etc/debian_version (12.11),
 * /etc/alpine-release, /etc/redhat-release or /etc/system-release ("release 9.3"),
 * DEBIAN_VERSION_FULL, /etc/lsb-release, then os-release's VERSION and PRETTY_NAME
 * (Ubuntu's "24.04.1 LTS"); VERSION_ID when none does.
 */
static int set_release(json_t *os, const json_t *raw, const cmdb__section *sec)
{
	static const char *const files[] = {
		"debian_version", "alpine-release", "redhat-release", "system-release"};
	static const char *const keys[] = {"DEBIAN_VERSION_FULL", "DISTRIB_DESCRIPTION",
		"DISTRIB_RELEASE", "VERSION", "PRETTY_NAME"};
	const char *vid = raw_str(raw, "VERSION_ID");
	cmdb__tok rel;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const cmdb__block *b = cmdb__block_find(sec, files[i]);
		const char *pos, *end;
		cmdb__tok line;

		if (!b)
			continue;
		pos = b->body;
		end = b->body + b->len;
		if (cmdb__line_next(&line, &pos, end) &&
			agrees(rel = release_in(line.p, line.len), vid))
			return cmdb__set_tok(os, "version", rel);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = raw_str(raw, keys[i]);

		if (v && agrees(rel = release_in(v, strlen(v)), vid))
			return cmdb__set_tok(os, "version", rel);
	}
	return vid ? cmdb__set_tok(os, "version", (cmdb__tok){vid, strlen(vid)}) : 0;
}

static int parse_release(json_t *os, const cmdb__section *sec, json_t *errors)
{
	const cmdb__block *b;
	json_t *raw = json_object();
	int err = 0, bad = 0, lsb_bad = 0;

	if (!raw)
		return cmdb__oom();
	if ((b = cmdb__block_find(sec, "os-release")) && (err = parse_keys(os, raw, b, &bad)) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "lsb-release")) &&
		(err = parse_keys(NULL, raw, b, &lsb_bad)) < 0)
		goto done;
	if (bad)
		cmdb__collect_warn(
			errors, "os", "os-release: %d line(s) without KEY=VALUE skipped", bad);
	err = set_release(os, raw, sec);
done:
	json_decref(raw);
	return err;
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
	json_t *os = json_object();
	int err = 0;

	*out = NULL;
	if (!os)
		return cmdb__oom();
	if ((err = parse_release(os, sec, errors)) < 0)
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

const cmdb_collector cmdb__collector_os = {"os", "collectors/os.sh", os_parse, 0};
