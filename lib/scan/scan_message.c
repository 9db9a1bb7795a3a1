/*
 * The scan commit message: a summary line a person can scan in `git log --oneline`,
 * then one line per changed item saying what changed, one line per failed host
 * saying why. Everything that comes from a remote host is made printable first
 * (a hostile host must not put terminal escapes into git log). A change that is
 * only a new fingerprint of a redacted value says so ("redacted value changed"),
 * and a scan that had to create its redaction key says that every such
 * fingerprint changed because of the key, not because of the hosts.
 */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collect/redact.h"
#include "scan/scan.h"

#define MSG_CAP (8u * 1024 * 1024)
#define VALUE_MAX 60
#define BODY_LINES_MAX 2000

typedef struct {
	cmdb_buf *b;
	size_t parts, max_parts, skipped;
	int group_open;
} describer;

/* Append s made printable: control bytes and DEL become \xNN, long values are cut. */
static int put_safe(cmdb_buf *b, const char *s, size_t max)
{
	size_t n = 0;
	int rc = 0;

	for (; *s && rc == 0; s++, n++) {
		unsigned char c = (unsigned char)*s;

		/* Cut only at a character boundary so the message stays UTF-8. */
		if (max && n >= max && (c & 0xC0) != 0x80)
			return cmdb__buf_puts(b, "…");
		if (c < 0x20 || c == 0x7f)
			rc = cmdb__buf_printf(b, "\\x%02X", c);
		else
			rc = cmdb__buf_put(b, s, 1);
	}
	return rc;
}

/* A scalar as text ("3.0.13", "12", "true"); containers give NULL. */
static char *scalar_text(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return cmdb__strdup(json_string_value(v));
	case JSON_INTEGER: return cmdb__sprintf("%lld", (long long)json_integer_value(v));
	case JSON_REAL: return cmdb__sprintf("%g", json_real_value(v));
	case JSON_TRUE: return cmdb__strdup("true");
	case JSON_FALSE: return cmdb__strdup("false");
	case JSON_NULL: return cmdb__strdup("null");
	default: return NULL;
	}
}

/* json_equal says two missing values differ; here they are the same. */
static int same(const json_t *a, const json_t *b)
{
	return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* Start one change entry under group (e.g. "packages"); counts against max_parts. */
static int entry_begin(describer *d, const char *group)
{
	int rc = 0;

	if (d->parts >= d->max_parts) {
		d->skipped++;
		return 1;
	}
	d->parts++;
	if (!d->group_open) {
		if (d->b->len > 0)
			rc = cmdb__buf_puts(d->b, "; ");
		if (rc == 0)
			rc = put_safe(d->b, group, VALUE_MAX);
		if (rc == 0)
			rc = cmdb__buf_puts(d->b, ": ");
		d->group_open = 1;
	} else {
		rc = cmdb__buf_puts(d->b, ", ");
	}
	return rc;
}

/* "name a → b" (or "a → b" when name is NULL) for two scalars. */
static int entry_change(
	describer *d, const char *group, const char *name, const json_t *a, const json_t *b)
{
	char *x = scalar_text(a), *y = scalar_text(b);
	int rc = entry_begin(d, group);

	if ((!x && !json_is_object(a) && !json_is_array(a)) ||
		(!y && !json_is_object(b) && !json_is_array(b)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");

	if (rc == 0 && name) {
		rc = put_safe(d->b, name, VALUE_MAX);
		if (rc == 0)
			rc = cmdb__buf_puts(d->b, x && y ? " " : "");
	}
	if (rc == 0 && x && y) {
		rc = put_safe(d->b, x, VALUE_MAX);
		if (rc == 0)
			rc = cmdb__buf_puts(d->b, " → ");
		if (rc == 0)
			rc = put_safe(d->b, y, VALUE_MAX);
	}
	free(x);
	free(y);
	return rc < 0 ? rc : 0;
}

static int entry_mark(describer *d, const char *group, const char *mark, const char *name)
{
	int rc = entry_begin(d, group);

	if (rc == 0)
		rc = cmdb__buf_puts(d->b, mark);
	if (rc == 0)
		rc = put_safe(d->b, name, VALUE_MAX);
	return rc < 0 ? rc : 0;
}

static const char redacted_changed[] = "redacted value changed";

/*
 * 1 when a and b differ only in fingerprints: two strings equal but for their
 * "<redacted hmac-sha256:…>" parts, or two captured-file entries whose
 * masked_sha256 (and size) agree while sha256 differs.
 */
static int fingerprint_only(const json_t *a, const json_t *b)
{
	const json_t *ma = json_object_get(a, "masked_sha256");
	const json_t *mb = json_object_get(b, "masked_sha256");

	if (json_is_string(a) && json_is_string(b))
		return cmdb__redact_only_fingerprints_differ(json_string_value(a),
			json_string_length(a), json_string_value(b), json_string_length(b));
	return json_is_string(ma) && json_is_string(mb) && json_equal((json_t *)ma, (json_t *)mb) &&
		json_equal(json_object_get(a, "size"), json_object_get(b, "size")) &&
		!json_equal(json_object_get(a, "sha256"), json_object_get(b, "sha256"));
}

/* "group: name redacted value changed" (name may be NULL). */
static int entry_redacted(describer *d, const char *group, const char *name)
{
	int rc = entry_begin(d, group);

	if (rc == 0 && name && (rc = put_safe(d->b, name, VALUE_MAX)) == 0)
		rc = cmdb__buf_puts(d->b, " ");
	if (rc == 0)
		rc = cmdb__buf_puts(d->b, redacted_changed);
	return rc < 0 ? rc : 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a and b together, sorted and unique (*out an array of borrowed strings). */
static int union_keys(const char ***out, size_t *n, const json_t *a, const json_t *b)
{
	size_t cap = json_object_size(a) + json_object_size(b), w = 0;
	const char **k = cmdb__calloc(cap + 1, sizeof(*k));
	const char *key;
	json_t *v;

	if (!k)
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)a, key, v) k[w++] = key;
	json_object_foreach((json_t *)b, key, v) if (!json_object_get(a, key)) k[w++] = key;
	qsort(k, w, sizeof(*k), key_cmp);
	*out = k;
	*n = w;
	return 0;
}

/* The members of a collection (packages, services, files, os...): added, removed, changed. */
static int describe_members(describer *d, const char *group, const json_t *a, const json_t *b)
{
	const char **keys = NULL;
	size_t n = 0;
	int rc;

	if ((rc = union_keys(&keys, &n, a, b)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);

		if (!x)
			rc = entry_mark(d, group, "+", keys[i]);
		else if (!y)
			rc = entry_mark(d, group, "-", keys[i]);
		else if (json_equal((json_t *)x, (json_t *)y))
			continue;
		else if (fingerprint_only(x, y))
			rc = entry_redacted(d, group, keys[i]);
		else if (json_is_object(x) && json_is_object(y) &&
			json_is_string(json_object_get(x, "version")) &&
			json_is_string(json_object_get(y, "version")) &&
			!json_equal(json_object_get(x, "version"), json_object_get(y, "version")))
			rc = entry_change(d, group, keys[i], json_object_get(x, "version"),
				json_object_get(y, "version"));
		else
			rc = entry_change(d, group, keys[i], x, y);
	}
	d->group_open = 0;
	free(keys);
	return rc;
}

/* Arrays of scalars (addresses, relation targets): +added, -removed. */
/* Mark with sign each scalar of list `from` that list `other` lacks. */
static int mark_missing(
	describer *d, const char *group, const char *sign, const json_t *from, const json_t *other)
{
	size_t i;
	json_t *v;
	int rc = 0;

	json_array_foreach(from, i, v)
	{
		char *s = scalar_text(v);
		int found = 0;
		size_t j;
		json_t *w;

		json_array_foreach(other, j, w) found |= json_equal(v, w);
		if (!s && !json_is_object(v) && !json_is_array(v))
			rc = cmdb__error(CMDB_ERROR, "out of memory");
		else if (!found && s)
			rc = entry_mark(d, group, sign, s);
		free(s);
		if (rc < 0)
			break;
	}
	return rc;
}

static int describe_list(describer *d, const char *group, const json_t *a, const json_t *b)
{
	int rc = mark_missing(d, group, "+", b, a);

	if (rc == 0)
		rc = mark_missing(d, group, "-", a, b);
	if (rc == 0 && json_is_array(a) && json_is_array(b) && d->group_open == 0 && !same(a, b))
		rc = entry_mark(d, group, "", "reordered");
	d->group_open = 0;
	return rc;
}

static int describe_value(describer *d, const char *group, const json_t *a, const json_t *b)
{
	int rc;

	if (same(a, b))
		return 0;
	if (json_is_object(a) && json_is_object(b))
		return describe_members(d, group, a, b);
	if (json_is_array(a) && json_is_array(b))
		return describe_list(d, group, a, b);
	if (!a)
		rc = entry_mark(d, group, "", "(new)");
	else if (!b)
		rc = entry_mark(d, group, "", "(removed)");
	else if (fingerprint_only(a, b))
		rc = entry_redacted(d, group, NULL);
	else
		rc = entry_change(d, group, NULL, a, b);
	d->group_open = 0;
	return rc;
}

static int describe_relations(describer *d, const json_t *a, const json_t *b)
{
	const char **keys = NULL;
	size_t n = 0;
	int rc;

	if ((rc = union_keys(&keys, &n, a, b)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *group = cmdb__sprintf("relations %s", keys[i]);

		if (!group) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			break;
		}
		rc = describe_list(
			d, group, json_object_get(a, keys[i]), json_object_get(b, keys[i]));
		free(group);
	}
	free(keys);
	return rc;
}

static int describe_changes(describer *d, const json_t *old, const json_t *fresh)
{
	const json_t *oa = json_object_get(old, "attributes"),
		     *fa = json_object_get(fresh, "attributes");
	const char **keys = NULL;
	size_t n = 0;
	int rc;

	if ((rc = union_keys(&keys, &n, oa, fa)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (strcmp(keys[i], "discovered_relations") != 0)
			rc = describe_value(d, keys[i], json_object_get(oa, keys[i]),
				json_object_get(fa, keys[i]));
	free(keys);
	if (rc == 0)
		rc = describe_relations(
			d, json_object_get(old, "relations"), json_object_get(fresh, "relations"));
	if (rc == 0 &&
		!same(json_object_get(old, "annotations"), json_object_get(fresh, "annotations")))
		rc = entry_mark(d, "annotations", "", "changed");
	return rc;
}

int cmdb__scan_describe(char **out, const json_t *old, const json_t *fresh, size_t max_parts)
{
	cmdb_buf b = CMDB_BUF_INIT(MSG_CAP);
	describer d = {&b, 0, max_parts ? max_parts : 1, 0, 0};
	int rc = 0;

	*out = NULL;
	if (!old)
		rc = cmdb__buf_puts(&b, "new");
	else if (!fresh)
		rc = cmdb__buf_puts(&b, "removed");
	else if ((rc = describe_changes(&d, old, fresh)) == 0 && d.skipped)
		rc = cmdb__buf_printf(&b, "; … %zu more", d.skipped);
	if (rc == 0 && b.len == 0)
		rc = cmdb__buf_puts(&b, "rewritten");
	if (rc < 0) {
		cmdb__buf_dispose(&b);
		return rc;
	}
	*out = cmdb__buf_detach(&b, NULL);
	return *out ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}

void cmdb__scan_id(char out[CMDB__SCAN_ID_SIZE], time_t t, uint64_t rnd)
{
	struct tm tm;
	char tmp[96];

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d%02d%02dT%02d%02d%02dZ-%016llx", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned long long)rnd);
	memcpy(out, tmp, CMDB__SCAN_ID_SIZE - 1);
	out[CMDB__SCAN_ID_SIZE - 1] = '\0';
}

const char *cmdb__scan_status_name(int code)
{
	switch (code) {
	case 0: return "ok";
	case CMDB_EUNREACHABLE: return "unreachable";
	case CMDB_ETIMEOUT: return "timeout";
	case CMDB_EHOSTKEY: return "hostkey";
	case CMDB_EAUTH: return "auth";
	case CMDB_ETOOBIG: return "toobig";
	default: return "error";
	}
}

static size_t count(const json_t *report, const char *key)
{
	return (size_t)json_integer_value(json_object_get(json_object_get(report, "counts"), key));
}

static int key_created(const json_t *report)
{
	return json_is_true(json_object_get(json_object_get(report, "redaction_key"), "created"));
}

int cmdb__scan_note_redaction_key(json_t *report, const cmdb_redactor *r)
{
	const char *path = cmdb_redactor_key_path(r);
	json_t *warnings = json_object_get(report, "warnings"), *k;
	char *w = NULL;
	int rc = 0;

	if (!(k = json_pack("{s:s, s:s?, s:b}", "id", cmdb_redactor_key_id(r), "path", path,
		      "created", cmdb_redactor_key_created(r))) ||
		json_object_set_new(report, "redaction_key", k) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!cmdb_redactor_key_created(r))
		return 0;
	w = cmdb__sprintf("no redaction key was found, so a new one was created at %s (id %s): "
			  "every value redacted with an earlier key shows a new fingerprint in "
			  "this scan (\"%s\": not configuration drift). If an earlier key "
			  "exists, restore it and scan again; either way, back this one up.",
		path ? path : "?", cmdb_redactor_key_id(r), redacted_changed);
	if (!w)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!warnings && json_object_set_new(report, "warnings", warnings = json_array()) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	if (rc == 0 && json_array_append_new(warnings, json_string(w)) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	free(w);
	return rc;
}

/* The body line of a scan that created its redaction key. */
static int key_line(cmdb_buf *b, const json_t *report)
{
	const json_t *k = json_object_get(report, "redaction_key");

	if (!key_created(report))
		return 0;
	return cmdb__buf_printf(b,
		"redaction key: new key %s (none was found): values redacted with an earlier key "
		"show new fingerprints in this scan; \"%s\" below may be only that, not a "
		"configuration change\n",
		json_string_value(json_object_get(k, "id")), redacted_changed);
}

int cmdb__scan_summary(char **out, const json_t *report)
{
	size_t unreachable = count(report, "unreachable"), failed = count(report, "failed");
	cmdb_buf b = CMDB_BUF_INIT(4096);
	int rc;

	*out = NULL;
	rc = cmdb__buf_printf(&b, "scan: %zu host%s, %zu changed", count(report, "hosts"),
		count(report, "hosts") == 1 ? "" : "s", count(report, "changed"));
	if (rc == 0 && unreachable)
		rc = cmdb__buf_printf(&b, ", %zu unreachable", unreachable);
	if (rc == 0 && failed)
		rc = cmdb__buf_printf(&b, ", %zu failed", failed);
	if (rc == 0 && key_created(report))
		rc = cmdb__buf_puts(&b, ", new redaction key");
	if (rc < 0) {
		cmdb__buf_dispose(&b);
		return rc;
	}
	*out = cmdb__buf_detach(&b, NULL);
	return 0;
}

/* "label: subject (detail)" with subject and detail made printable. */
static int body_line(
	cmdb_buf *b, size_t *lines, const char *label, const char *subject, const char *detail)
{
	int rc;

	if (++*lines > BODY_LINES_MAX)
		return 0;
	if (*lines == BODY_LINES_MAX)
		return cmdb__buf_puts(b, "… (more lines in the --json report)\n");
	rc = cmdb__buf_printf(b, "%s: ", label);
	if (rc == 0)
		rc = put_safe(b, subject, 0);
	if (rc == 0 && detail && *detail) {
		rc = cmdb__buf_puts(b, " (");
		if (rc == 0)
			rc = put_safe(b, detail, 400);
		if (rc == 0)
			rc = cmdb__buf_puts(b, ")");
	}
	return rc ? rc : cmdb__buf_puts(b, "\n");
}

static int host_lines(cmdb_buf *b, size_t *lines, const json_t *report)
{
	size_t i, j;
	json_t *h, *w;
	int rc = 0;

	json_array_foreach(json_object_get(report, "hosts"), i, h)
	{
		const char *status = json_string_value(json_object_get(h, "status"));
		char *id = cmdb__sprintf("host/%s", json_string_value(json_object_get(h, "name")));

		if (!id)
			return cmdb__error(CMDB_ERROR, "out of memory");
		if (status && strcmp(status, "ok") != 0)
			rc = body_line(b, lines, status, id,
				json_string_value(json_object_get(h, "error")));
		/* A refused `become` changes what the facts can say: it goes in the commit. */
		json_array_foreach(json_object_get(h, "warnings"), j, w)
		{
			const char *ws = json_string_value(w);

			if (rc == 0 && ws && strncmp(ws, "section become: ", 16) == 0)
				rc = body_line(b, lines, "warning", id, ws + 8);
		}
		free(id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int other_lines(cmdb_buf *b, size_t *lines, const json_t *report)
{
	size_t i;
	json_t *v;
	int rc = 0;

	json_array_foreach(json_object_get(report, "duplicates"), i, v)
	{
		const json_t *hs = json_object_get(v, "hosts");
		cmdb_buf names = CMDB_BUF_INIT(64 * 1024);
		size_t j;
		json_t *n;

		json_array_foreach(hs, j, n) if (rc == 0) rc =
			cmdb__buf_printf(&names, "%shost/%s", j ? ", " : "", json_string_value(n));
		if (rc == 0)
			rc = body_line(b, lines, "duplicate identity", names.ptr ? names.ptr : "",
				json_string_value(json_object_get(v, "evidence")));
		cmdb__buf_dispose(&names);
	}
	json_array_foreach(json_object_get(report, "identity_changed"), i, v)
	{
		char *detail = cmdb__sprintf("%s: reinstalled or replaced?",
			json_string_value(json_object_get(v, "evidence")));

		if (rc == 0)
			rc = body_line(b, lines, "identity changed",
				json_string_value(json_object_get(v, "host")), detail);
		free(detail);
	}
	json_array_foreach(json_object_get(report, "not_in_inventory"), i, v) if (rc == 0) rc =
		body_line(b, lines, "not in inventory", json_string_value(v),
			"kept; scan --prune removes it");
	json_array_foreach(json_object_get(report, "pruned"), i, v) if (rc == 0) rc =
		body_line(b, lines, "pruned", json_string_value(v), NULL);
	return rc;
}

int cmdb__scan_message(char **out, const json_t *report)
{
	cmdb_buf b = CMDB_BUF_INIT(MSG_CAP);
	char *summary = NULL;
	size_t lines = 0, i;
	json_t *c;
	int rc;

	*out = NULL;
	if ((rc = cmdb__scan_summary(&summary, report)) < 0)
		return rc;
	rc = cmdb__buf_printf(&b, "%s\n", summary);
	if (rc == 0 &&
		(json_array_size(json_object_get(report, "changes")) || key_created(report) ||
			count(report, "unreachable") || count(report, "failed") ||
			json_array_size(json_object_get(report, "duplicates")) ||
			json_array_size(json_object_get(report, "identity_changed")) ||
			json_array_size(json_object_get(report, "not_in_inventory")) ||
			json_array_size(json_object_get(report, "pruned"))))
		rc = cmdb__buf_puts(&b, "\n");
	if (rc == 0)
		rc = key_line(&b, report);
	json_array_foreach(json_object_get(report, "changes"), i, c) if (rc == 0) rc =
		body_line(&b, &lines, "changed", json_string_value(json_object_get(c, "id")),
			json_string_value(json_object_get(c, "details")));
	if (rc == 0)
		rc = host_lines(&b, &lines, report);
	if (rc == 0)
		rc = other_lines(&b, &lines, report);
	free(summary);
	if (rc < 0) {
		cmdb__buf_dispose(&b);
		return rc;
	}
	*out = cmdb__buf_detach(&b, NULL);
	return 0;
}
