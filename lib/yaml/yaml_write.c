/*
 * Canonical YAML writer, hand-written so the bytes are ours to keep stable:
 * block style, 2-space indent, sorted keys (item keys in item order), no line
 * folding, and each string in the first style that reads back as exactly that
 * string: plain, then literal block, then double-quoted with escapes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "yaml/yaml_scalar.h"

/* libyaml and PyYAML refuse implicit keys longer than 1024 characters. */
#define LONG_KEY 1000

typedef struct {
	cmdb_buf out;
	unsigned flags;
} writer;

typedef struct {
	const char *key;
	size_t key_len;
	json_t *value;
	int rank;
} entry;

static const char *const item_order[] = {
	"type", "name", "source", "attributes", "annotations", "relations"};
#define ITEM_KEYS (int)(sizeof(item_order) / sizeof(item_order[0]))

static int put(writer *w, const char *s, size_t n)
{
	return cmdb__buf_put(&w->out, s, n);
}

static int puts_(writer *w, const char *s)
{
	return cmdb__buf_put(&w->out, s, strlen(s));
}

static int indent(writer *w, int n)
{
	static const char spaces[] = "                                ";
	int err = 0;

	while (!err && n > 0) {
		int k = n > 32 ? 32 : n;

		err = put(w, spaces, (size_t)k);
		n -= k;
	}
	return err;
}

static size_t utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

static uint32_t utf8_cp(const unsigned char *s, size_t n)
{
	if (n == 2)
		return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	if (n == 3)
		return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
			(s[2] & 0x3F);
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
		((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* The escape for a character that must not appear raw, or NULL. */
static const char *escape_of(uint32_t cp, char tmp[12])
{
	switch (cp) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\a': return "\\a";
	case '\b': return "\\b";
	case '\t': return "\\t";
	case '\n': return "\\n";
	case '\v': return "\\v";
	case '\f': return "\\f";
	case '\r': return "\\r";
	case 0x1B: return "\\e";
	case 0x85: return "\\N";
	case 0x2028: return "\\L";
	case 0x2029: return "\\P";
	}
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
		snprintf(tmp, 12, "\\x%02X", (unsigned)cp);
		return tmp;
	}
	if (cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
		snprintf(tmp, 12, "\\u%04X", (unsigned)cp);
		return tmp;
	}
	return NULL;
}

static int emit_double_quoted(writer *w, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	int err = put(w, "\"", 1);

	while (!err && i < len) {
		size_t n = utf8_len(u[i]);
		char tmp[12];
		const char *esc;

		if (n > len - i)
			n = len - i;
		esc = escape_of(n == 1 ? u[i] : utf8_cp(u + i, n), tmp);
		if (esc) {
			err = put(w, s + run, i - run);
			if (!err)
				err = puts_(w, esc);
			run = i + n;
		}
		i += n;
	}
	if (!err)
		err = put(w, s + run, len - run);
	return err ? err : put(w, "\"", 1);
}

/*
 * A literal block reads back exactly when: there is a newline and some text, no
 * character needs escaping, no line ends in blanks, the first text line does not
 * start with a blank (it sets the indentation), and at most one newline ends the
 * string (keep-chomping would leave blank lines at the end of the file).
 */
static int literal_safe(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	int seen_text = 0;
	size_t i;

	if (len < 2 || !memchr(s, '\n', len) || (s[len - 1] == '\n' && s[len - 2] == '\n'))
		return 0;
	for (i = 0; i < len;) {
		size_t n = utf8_len(u[i]);
		char tmp[12];

		if (n > len - i)
			return 0;
		if (u[i] == '\n') {
			if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				return 0;
		} else if (u[i] != '\t' && escape_of(n == 1 ? u[i] : utf8_cp(u + i, n), tmp)) {
			return 0;
		} else if (!seen_text) {
			if (u[i] == ' ' || u[i] == '\t')
				return 0;
			seen_text = 1;
		}
		i += n;
	}
	return seen_text && s[len - 1] != ' ' && s[len - 1] != '\t';
}

/* Write "|" or "|-", then each line at ind (empty lines stay empty). */
static int emit_literal(writer *w, const char *s, size_t len, int ind)
{
	int clip = s[len - 1] == '\n';
	size_t end = clip ? len - 1 : len, start = 0;
	int err = puts_(w, clip ? "|\n" : "|-\n");

	while (!err && start <= end) {
		const char *nl = memchr(s + start, '\n', end - start);
		size_t stop = nl ? (size_t)(nl - s) : end;

		if (stop > start && !(err = indent(w, ind)))
			err = put(w, s + start, stop - start);
		if (!err)
			err = put(w, "\n", 1);
		start = stop + 1;
	}
	return err;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_len(s[i]);
		uint32_t cp;

		if (s[i] >= 0x80 && (s[i] < 0xC2 || s[i] > 0xF4))
			return 0;
		if (n > len - i)
			return 0;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		}
		if (n > 1) {
			cp = utf8_cp(s + i, n);
			if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
				(cp >= 0xD800 && cp <= 0xDFFF))
				return 0;
		}
		i += n;
	}
	return 1;
}

/* The writer refuses what the reader would refuse, so the round trip always holds. */
static int check_string(const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return cmdb__error(CMDB_EINVALID,
			"cannot write a string holding a NUL character as YAML (gitcmdb does not "
			"store NUL)");
	if (!valid_utf8((const unsigned char *)s, len))
		return cmdb__error(
			CMDB_EINVALID, "cannot write a string that is not valid UTF-8 as YAML");
	return 0;
}

/*
 * A string value (or a key when block_ind < 0). Returns 1 when it wrote a
 * literal block, which ends its own last line; 0 when the caller ends the line.
 */
static int emit_string(writer *w, const char *s, size_t len, int block_ind)
{
	int err;

	if ((err = check_string(s, len)) < 0)
		return err;
	if (cmdb__yaml_plain_safe(s, len))
		return put(w, s, len);
	if (block_ind >= 0 && literal_safe(s, len))
		return (err = emit_literal(w, s, len, block_ind)) < 0 ? err : 1;
	return emit_double_quoted(w, s, len);
}

/* A scalar or empty collection, ending with the newline. */
static int emit_leaf(writer *w, const json_t *v, int block_ind)
{
	char num[48];
	int err;

	switch (json_typeof(v)) {
	case JSON_OBJECT: err = puts_(w, "{}"); break;
	case JSON_ARRAY: err = puts_(w, "[]"); break;
	case JSON_NULL: err = puts_(w, "null"); break;
	case JSON_TRUE: err = puts_(w, "true"); break;
	case JSON_FALSE: err = puts_(w, "false"); break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		err = puts_(w, num);
		break;
	case JSON_REAL:
		cmdb__yaml_format_real(num, sizeof(num), json_real_value(v));
		err = puts_(w, num);
		break;
	case JSON_STRING:
		if ((err = emit_string(w, json_string_value(v), json_string_length(v), block_ind)) >
			0)
			return 0;
		break;
	default: return cmdb__error(CMDB_EINVALID, "cannot write an unknown JSON type as YAML");
	}
	return err ? err : put(w, "\n", 1);
}

static int is_branch(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v)) ||
		(json_is_array(v) && json_array_size(v));
}

static int emit_mapping(writer *w, const json_t *obj, int ind, int first_inline, int depth);
static int emit_sequence(writer *w, const json_t *arr, int ind, int first_inline, int depth);

/* After "-" or an explicit ":" at column ind: compact collection or leaf. */
static int emit_after_dash(writer *w, const json_t *v, int ind, int depth)
{
	int err = put(w, " ", 1);

	if (err)
		return err;
	if (json_is_object(v) && json_object_size(v))
		return emit_mapping(w, v, ind + 2, 1, depth + 1);
	if (json_is_array(v) && json_array_size(v))
		return emit_sequence(w, v, ind + 2, 1, depth + 1);
	return emit_leaf(w, v, ind + 2);
}

/* After a key at column ind. */
static int emit_after_key(writer *w, const json_t *v, int ind, int depth)
{
	int err;

	if (!is_branch(v))
		return (err = put(w, ": ", 2)) ? err : emit_leaf(w, v, ind + 2);
	if ((err = put(w, ":\n", 2)))
		return err;
	if (json_is_object(v))
		return emit_mapping(w, v, ind + 2, 0, depth + 1);
	return emit_sequence(w, v, ind + 2, 0, depth + 1);
}

static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->key, y->key);
}

static int key_rank(const char *key, int item)
{
	for (int i = 0; item && i < ITEM_KEYS; i++) {
		if (strcmp(key, item_order[i]) == 0)
			return i;
	}
	return ITEM_KEYS;
}

static int emit_key(writer *w, const entry *e, int ind, int depth)
{
	writer k = {CMDB_BUF_INIT(0), 0};
	int err;

	if ((err = emit_string(&k, e->key, e->key_len, -1)) < 0)
		goto done;
	if (k.out.len <= LONG_KEY) {
		if (!(err = put(w, k.out.ptr, k.out.len)))
			err = emit_after_key(w, e->value, ind, depth);
		goto done;
	}
	/* Too long for an implicit key: "? key" then ": value" on the next line. */
	if ((err = put(w, "? ", 2)) || (err = put(w, k.out.ptr, k.out.len)) ||
		(err = put(w, "\n", 1)) || (err = indent(w, ind)) || (err = put(w, ":", 1)))
		goto done;
	err = emit_after_dash(w, e->value, ind, depth);
done:
	cmdb__buf_dispose(&k.out);
	return err;
}

static int emit_mapping(writer *w, const json_t *obj, int ind, int first_inline, int depth)
{
	size_t n = json_object_size(obj), i = 0;
	entry *e = NULL;
	void *it;
	int err = 0;

	if (depth > CMDB_YAML_MAX_DEPTH)
		return cmdb__error(
			CMDB_EINVALID, "value nests deeper than %d levels", CMDB_YAML_MAX_DEPTH);
	if (!(e = cmdb__calloc(n, sizeof(*e))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (it = json_object_iter((json_t *)obj); it && i < n;
		it = json_object_iter_next((json_t *)obj, it), i++) {
		e[i].key = json_object_iter_key(it);
		e[i].key_len = json_object_iter_key_len(it);
		e[i].value = json_object_iter_value(it);
		e[i].rank = key_rank(e[i].key, depth == 1 && (w->flags & CMDB_YAML_ITEM));
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	for (i = 0; i < n && !err; i++) {
		if (!(i == 0 && first_inline))
			err = indent(w, ind);
		if (!err)
			err = emit_key(w, &e[i], ind, depth);
	}
	cmdb_free(e);
	return err;
}

static int emit_sequence(writer *w, const json_t *arr, int ind, int first_inline, int depth)
{
	size_t i;
	json_t *v;
	int err = 0;

	if (depth > CMDB_YAML_MAX_DEPTH)
		return cmdb__error(
			CMDB_EINVALID, "value nests deeper than %d levels", CMDB_YAML_MAX_DEPTH);
	json_array_foreach((json_t *)arr, i, v)
	{
		if (!(i == 0 && first_inline) && (err = indent(w, ind)))
			break;
		if ((err = put(w, "-", 1)) || (err = emit_after_dash(w, v, ind, depth)))
			break;
	}
	return err;
}

int cmdb_yaml_emit(char **out, size_t *out_len, const json_t *value, unsigned flags)
{
	writer w;
	size_t len;
	char *s;
	int err;

	cmdb__buf_init(&w.out, CMDB_YAML_MAX_BYTES);
	w.flags = flags;
	if (!value) {
		err = cmdb__error(CMDB_EINVALID, "no value to write as YAML");
		goto done;
	}
	if (json_is_object(value) && json_object_size(value))
		err = emit_mapping(&w, value, 0, 0, 1);
	else if (json_is_array(value) && json_array_size(value))
		err = emit_sequence(&w, value, 0, 0, 1);
	else
		err = emit_leaf(&w, value, 2);
	if (err < 0)
		goto done;
	if (!(s = cmdb__buf_detach(&w.out, &len))) {
		err = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	*out = s;
	if (out_len)
		*out_len = len;
done:
	cmdb__buf_dispose(&w.out);
	return err;
}
