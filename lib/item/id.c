/*
 * Item ids and repository paths (see include/gitcmdb/id.h and docs/ids.md).
 *
 * The encoding is canonical: every raw name has exactly one encoded form, and
 * validation rejects any other spelling (lowercase hex, an allowed byte written
 * as %XX), so one name can never be stored under two ids.
 */
#include <stdio.h>
#include <string.h>

#include "gitcmdb/id.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

/* The item file name is the last component + ".yaml"; it must fit NAME_MAX too. */
#define LAST_COMPONENT_MAX (CMDB_ID_COMPONENT_MAX - 5)

static const char hexdigits[] = "0123456789ABCDEF";

static int is_allowed(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '@' || c == ':' || c == '+' || c == '-';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lowercase hex is not canonical */
}

/* Whether raw byte c at position pos is written literally by the encoder. */
static int literal_at(unsigned char c, size_t pos)
{
	return is_allowed(c) && !(pos == 0 && c == '.');
}

/*
 * Render untrusted text for an error message: printable ASCII as is, anything
 * else (newlines, ANSI escapes, NUL can't occur here) as \xHH, at most ~60 bytes.
 */
static const char *show(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 60) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
		} else {
			snprintf(dst + o, dstlen - o, "\\x%02X", c);
			o += 4;
		}
	}
	dst[o] = '\0';
	return dst;
}

/* Check one encoded component s[0..len) against the rules; what names the whole input. */
static int check_component(
	const char *s, size_t len, size_t max, const char *what, const char *whole)
{
	char shown[256];

	if (len == 0)
		return cmdb__error(CMDB_EINVALID, "invalid %s '%s': empty component", what,
			show(shown, sizeof(shown), whole, strlen(whole)));
	if (len > max)
		return cmdb__error(CMDB_EINVALID,
			"invalid %s '%s': component of %zu bytes (max %zu)", what,
			show(shown, sizeof(shown), whole, strlen(whole)), len, max);
	if (s[0] == '.')
		return cmdb__error(CMDB_EINVALID,
			"invalid %s '%s': component starts with '.' (write it as %%2E)", what,
			show(shown, sizeof(shown), whole, strlen(whole)));
	for (size_t i = 0, pos = 0; i < len; i++, pos++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (is_allowed(c))
			continue;
		if (c != '%')
			return cmdb__error(CMDB_EINVALID,
				"invalid %s '%s': byte 0x%02X must be %%-encoded", what,
				show(shown, sizeof(shown), whole, strlen(whole)), c);
		if (i + 2 >= len) {
			hi = lo = -1;
		} else {
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
		}
		if (hi < 0 || lo < 0)
			return cmdb__error(CMDB_EINVALID,
				"invalid %s '%s': '%%' must be followed by two uppercase hex "
				"digits",
				what, show(shown, sizeof(shown), whole, strlen(whole)));
		if (literal_at((unsigned char)(hi * 16 + lo), pos))
			return cmdb__error(CMDB_EINVALID,
				"invalid %s '%s': %%%c%c encodes an allowed byte (not canonical)",
				what, show(shown, sizeof(shown), whole, strlen(whole)), s[i + 1],
				s[i + 2]);
		i += 2;
	}
	return 0;
}

/* Validate a '/'-separated sequence; last_max is the limit for the final component. */
static int check_components(const char *s, size_t min_count, size_t last_max, const char *what)
{
	size_t count = 0;
	const char *p = s;
	char shown[256];
	int error;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		size_t max = slash ? CMDB_ID_COMPONENT_MAX : last_max;

		if ((error = check_component(p, len, max, what, s)) < 0)
			return error;
		count++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (count < min_count)
		return cmdb__error(CMDB_EINVALID, "invalid %s '%s': expected type/name", what,
			show(shown, sizeof(shown), s, strlen(s)));
	return 0;
}

static int check_type(const char *type, size_t len, const char *what, const char *whole)
{
	char shown[256];
	int ok = len > 0 && len <= 64 && type[0] >= 'a' && type[0] <= 'z';

	for (size_t i = 1; ok && i < len; i++)
		ok = (type[i] >= 'a' && type[i] <= 'z') || (type[i] >= '0' && type[i] <= '9') ||
			type[i] == '_';
	if (!ok)
		return cmdb__error(CMDB_EINVALID,
			"invalid %s '%s': the type must match [a-z][a-z0-9_]* (at most 64 bytes)",
			what, show(shown, sizeof(shown), whole, strlen(whole)));
	return 0;
}

int cmdb_id_validate(const char *id)
{
	size_t len;
	int error;

	if (!id || !*id)
		return cmdb__error(CMDB_EINVALID, "invalid id: empty");
	len = strlen(id);
	if (len > CMDB_ID_MAX)
		return cmdb__error(
			CMDB_EINVALID, "invalid id: %zu bytes (max %d)", len, CMDB_ID_MAX);
	if ((error = check_components(id, 2, LAST_COMPONENT_MAX, "id")) < 0)
		return error;
	return check_type(id, strcspn(id, "/"), "id", id);
}

int cmdb_path_validate(const char *path)
{
	size_t len;

	if (!path || !*path)
		return cmdb__error(CMDB_EINVALID, "invalid path: empty");
	len = strlen(path);
	if (len > CMDB_PATH_MAX)
		return cmdb__error(
			CMDB_EINVALID, "invalid path: %zu bytes (max %d)", len, CMDB_PATH_MAX);
	return check_components(path, 1, CMDB_ID_COMPONENT_MAX, "path");
}

int cmdb_id_encode_component(char **out, const char *raw, size_t len)
{
	char *enc = NULL;
	size_t o = 0;

	*out = NULL;
	if (!raw || len == 0)
		return cmdb__error(CMDB_EINVALID, "invalid name: empty");
	/* Worst case every byte becomes %XX; refuse early rather than allocate for a huge name. */
	if (len > CMDB_ID_COMPONENT_MAX)
		goto too_long;
	if (!(enc = cmdb__malloc(len * 3 + 1)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (literal_at(c, i)) {
			enc[o++] = (char)c;
		} else {
			enc[o++] = '%';
			enc[o++] = hexdigits[c >> 4];
			enc[o++] = hexdigits[c & 15];
		}
	}
	enc[o] = '\0';
	if (o > CMDB_ID_COMPONENT_MAX) {
		cmdb_free(enc);
		goto too_long;
	}
	*out = enc;
	return 0;
too_long:
	return cmdb__error(CMDB_EINVALID, "invalid name: longer than %d bytes once encoded",
		CMDB_ID_COMPONENT_MAX);
}

int cmdb_id_decode_component(char **out, size_t *out_len, const char *component)
{
	size_t len, o = 0;
	char *raw;
	int error;

	*out = NULL;
	if (!component)
		return cmdb__error(CMDB_EINVALID, "invalid component: empty");
	len = strlen(component);
	if (memchr(component, '/', len))
		return cmdb__error(CMDB_EINVALID, "invalid component: contains '/'");
	if ((error = check_component(
		     component, len, CMDB_ID_COMPONENT_MAX, "component", component)) < 0)
		return error;
	if (!(raw = cmdb__malloc(len + 1)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < len; i++) {
		if (component[i] == '%') {
			raw[o++] = (char)(hexval((unsigned char)component[i + 1]) * 16 +
				hexval((unsigned char)component[i + 2]));
			i += 2;
		} else {
			raw[o++] = component[i];
		}
	}
	raw[o] = '\0';
	*out = raw;
	if (out_len)
		*out_len = o;
	return 0;
}

int cmdb_id_build(char **out, const char *type, const char *const *names, size_t count)
{
	cmdb_buf buf = CMDB_BUF_INIT(CMDB_ID_MAX + 1);
	char *enc = NULL, *id = NULL;
	int error;

	*out = NULL;
	if (!type || (error = check_type(type, strlen(type), "type", type)) < 0) {
		error = type ? error : cmdb__error(CMDB_EINVALID, "invalid type: empty");
		goto done;
	}
	if (count == 0) {
		error = cmdb__error(CMDB_EINVALID, "invalid id: type '%s' without a name", type);
		goto done;
	}
	if ((error = cmdb__buf_puts(&buf, type)) < 0)
		goto too_long;
	for (size_t i = 0; i < count; i++) {
		if ((error = cmdb_id_encode_component(
			     &enc, names[i], names[i] ? strlen(names[i]) : 0)) < 0)
			goto done;
		if ((error = cmdb__buf_puts(&buf, "/")) < 0 ||
			(error = cmdb__buf_puts(&buf, enc)) < 0)
			goto too_long;
		cmdb_free(enc);
		enc = NULL;
	}
	if (!(id = cmdb__buf_detach(&buf, NULL))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if ((error = cmdb_id_validate(id)) < 0)
		goto done;
	*out = id;
	id = NULL;
	goto done;
too_long:
	if (error == CMDB_ETOOBIG)
		error = cmdb__error(CMDB_EINVALID, "invalid id: longer than %d bytes", CMDB_ID_MAX);
done:
	cmdb_free(enc);
	cmdb_free(id);
	cmdb__buf_dispose(&buf);
	return error;
}

int cmdb_id_to_path(char **out, const char *id)
{
	char *path;
	int error;

	*out = NULL;
	if ((error = cmdb_id_validate(id)) < 0)
		return error;
	if (!(path = cmdb__sprintf("%s.yaml", id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	*out = path;
	return 0;
}

int cmdb_id_from_path(char **out, const char *path)
{
	char shown[256];
	size_t len;
	char *id;
	int error;

	*out = NULL;
	len = path ? strlen(path) : 0;
	if (len <= 5 || strcmp(path + len - 5, ".yaml") != 0)
		return cmdb__error(CMDB_EINVALID, "not an item path '%s': expected <id>.yaml",
			show(shown, sizeof(shown), path ? path : "", len));
	if (!(id = cmdb__strndup(path, len - 5)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((error = cmdb_id_validate(id)) < 0) {
		cmdb_free(id);
		return error;
	}
	*out = id;
	return 0;
}

int cmdb_id_type(char **out, const char *id)
{
	char *type;
	int error;

	*out = NULL;
	if ((error = cmdb_id_validate(id)) < 0)
		return error;
	if (!(type = cmdb__strndup(id, strcspn(id, "/"))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	*out = type;
	return 0;
}

int cmdb_id_name(char **out, size_t *out_len, const char *id)
{
	int error;

	*out = NULL;
	if ((error = cmdb_id_validate(id)) < 0)
		return error;
	return cmdb_id_decode_component(out, out_len, strrchr(id, '/') + 1);
}

cmdb_path_kind cmdb_path_classify(const char *path)
{
	const char *slash = strchr(path, '/');
	size_t len = strlen(path);

	if (path[0] == '.')
		return CMDB_PATH_OTHER;
	if (strncmp(path, "file/", 5) == 0)
		return CMDB_PATH_RAW;
	if (strncmp(path, "schemas/", 8) == 0)
		return !strchr(path + 8, '/') && len > 13 && strcmp(path + len - 5, ".yaml") == 0
			? CMDB_PATH_SCHEMA
			: CMDB_PATH_OTHER;
	if (slash)
		return CMDB_PATH_ITEM;
	if (strcmp(path, "gitcmdb.yaml") == 0 || strcmp(path, "inventory.yaml") == 0 ||
		strcmp(path, "known_hosts") == 0)
		return CMDB_PATH_SETTINGS;
	return len > 5 && strcmp(path + len - 5, ".yaml") == 0 ? CMDB_PATH_ITEM : CMDB_PATH_OTHER;
}

int cmdb_path_managed(const char *path)
{
	cmdb_path_kind k = cmdb_path_classify(path);

	return k == CMDB_PATH_ITEM || k == CMDB_PATH_SCHEMA || k == CMDB_PATH_SETTINGS;
}

static const char *const record_prefixes[] = {"CHG", "INC", "PRB"};

const char *cmdb_record_id_prefix(cmdb_record_kind kind)
{
	return (unsigned)kind < sizeof(record_prefixes) / sizeof(*record_prefixes)
		? record_prefixes[kind]
		: NULL;
}

int cmdb_record_id_valid(cmdb_record_kind kind, const char *id)
{
	const char *prefix = cmdb_record_id_prefix(kind);
	size_t n, digits = 0;

	if (!prefix || !id || strncmp(id, prefix, 3) != 0 || id[3] != '-')
		return 0;
	n = strlen(id);
	for (const char *p = id + 4; *p; p++, digits++)
		if (*p < '0' || *p > '9')
			return 0;
	return digits >= CMDB_RECORD_ID_DIGITS && n <= CMDB_RECORD_ID_MAX;
}

int cmdb_record_id_parse(cmdb_record_kind *kind, const char *id)
{
	char shown[256];

	for (int k = CMDB_RECORD_CHANGE; k <= CMDB_RECORD_PROBLEM; k++) {
		if (cmdb_record_id_valid((cmdb_record_kind)k, id)) {
			*kind = (cmdb_record_kind)k;
			return 0;
		}
	}
	return cmdb__error(CMDB_EINVALID,
		"'%s' is not a record id: give CHG-, INC- or PRB- and at least %d digits "
		"(e.g. CHG-0042)",
		show(shown, sizeof(shown), id ? id : "", id ? strlen(id) : 0),
		CMDB_RECORD_ID_DIGITS);
}
