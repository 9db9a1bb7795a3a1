/* Line, token and json helpers shared by the collector parsers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

/* Garbage should give a readable error list, not thousands of lines. */
#define WARN_MAX_PER_SECTION 5
#define UNIQUE_MAX 4096

const cmdb__block *cmdb__block_find(const cmdb__section *sec, const char *label)
{
	size_t n = strlen(label);

	for (size_t i = 0; i < sec->nblocks; i++)
		if (sec->blocks[i].label_len == n && memcmp(sec->blocks[i].label, label, n) == 0)
			return &sec->blocks[i];
	return NULL;
}

_Thread_local uint64_t cmdb__parse_deadline_ms;
static _Thread_local unsigned ticks;
static _Thread_local uint64_t expired; /* the deadline last found past (the clock only grows) */

int cmdb__past_deadline(void)
{
	struct timespec t;

	if (!cmdb__parse_deadline_ms)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000 >= cmdb__parse_deadline_ms;
}

/* cmdb__past_deadline, asking the clock only every 64th call: called once per line. */
static int deadline_tick(void)
{
	if (!cmdb__parse_deadline_ms)
		return 0;
	if (expired == cmdb__parse_deadline_ms)
		return 1;
	if ((++ticks & 63) || !cmdb__past_deadline())
		return 0;
	expired = cmdb__parse_deadline_ms;
	return 1;
}

int cmdb__line_next(cmdb__tok *line, const char **pos, const char *end)
{
	const char *p = *pos, *nl;

	if (p >= end || deadline_tick())
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	line->p = p;
	line->len = (size_t)((nl ? nl : end) - p);
	if (line->len && p[line->len - 1] == '\r')
		line->len--;
	*pos = nl ? nl + 1 : end;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

size_t cmdb__split_ws(cmdb__tok *toks, size_t max, cmdb__tok line)
{
	size_t n = 0, i = 0;

	while (n < max) {
		while (i < line.len && is_blank(line.p[i]))
			i++;
		if (i >= line.len)
			break;
		toks[n].p = line.p + i;
		while (i < line.len && !is_blank(line.p[i]))
			i++;
		toks[n].len = (size_t)(line.p + i - toks[n].p);
		n++;
	}
	return n;
}

size_t cmdb__split_char(cmdb__tok *toks, size_t max, cmdb__tok line, char sep)
{
	size_t n = 0;
	const char *p = line.p, *end = line.p + line.len;

	if (max == 0)
		return 0;
	for (;;) {
		const char *s = (n + 1 < max) ? memchr(p, sep, (size_t)(end - p)) : NULL;

		toks[n].p = p;
		toks[n].len = (size_t)((s ? s : end) - p);
		n++;
		if (!s)
			break;
		p = s + 1;
	}
	return n;
}

cmdb__tok cmdb__trim(cmdb__tok t)
{
	while (t.len && is_blank(t.p[0])) {
		t.p++;
		t.len--;
	}
	while (t.len && is_blank(t.p[t.len - 1]))
		t.len--;
	return t;
}

int cmdb__tok_eq(cmdb__tok t, const char *s)
{
	return strlen(s) == t.len && memcmp(t.p, s, t.len) == 0;
}

int cmdb__tok_prefix(cmdb__tok t, const char *s)
{
	size_t n = strlen(s);

	return t.len >= n && memcmp(t.p, s, n) == 0;
}

int cmdb__tok_u64(uint64_t *out, cmdb__tok t)
{
	uint64_t v = 0;

	if (t.len == 0 || t.len > 19)
		return -1;
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(t.p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* "\xHH" at s is one the encoding makes (00, 5C, 80-FF in upper-case hex). */
static int escape_at(const char *s, size_t left)
{
	if (left < 4 || s[0] != '\\' || s[1] != 'x' || !upper_hex(s[2]) || !upper_hex(s[3]))
		return 0;
	return (s[2] == '0' && s[3] == '0') || (s[2] == '5' && s[3] == 'C') || s[2] >= '8';
}

char *cmdb__sanitize(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *copy;
	size_t i = 0, o = 0;

	/* At most 4 bytes out for each byte in. */
	if (len > (SIZE_MAX - 1) / 4 || !(copy = cmdb__malloc(4 * len + 1)))
		return NULL;
	while (i < len) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i);
		unsigned char c = (unsigned char)s[i];

		if (n == 0 || (c == '\\' && escape_at(s + i, len - i))) {
			copy[o++] = '\\';
			copy[o++] = 'x';
			copy[o++] = hex[c >> 4];
			copy[o++] = hex[c & 15];
			i++;
			continue;
		}
		memcpy(copy + o, s + i, n);
		i += n;
		o += n;
	}
	copy[o] = '\0';
	return copy;
}

json_t *cmdb__jstr(const char *s, size_t len)
{
	char *copy = cmdb__sanitize(s, len);
	json_t *j;

	if (!copy)
		return NULL;
	j = json_string(copy);
	free(copy);
	return j;
}

int cmdb__obj_set(json_t *obj, cmdb__tok key, json_t *value)
{
	char *k;
	int rc;

	if (!value)
		return cmdb__oom();
	if (!(k = cmdb__sanitize(key.p, key.len))) {
		json_decref(value);
		return cmdb__oom();
	}
	rc = json_object_set_new(obj, k, value);
	free(k);
	return rc < 0 ? cmdb__oom() : 0;
}

json_t *cmdb__jtok(cmdb__tok t)
{
	return cmdb__jstr(t.p, t.len);
}

int cmdb__set_tok(json_t *obj, const char *key, cmdb__tok t)
{
	json_t *v;

	if (t.len == 0)
		return 0;
	if (!(v = cmdb__jtok(t)) || json_object_set_new(obj, key, v) < 0)
		return cmdb__oom();
	return 0;
}

int cmdb__set_int(json_t *obj, const char *key, uint64_t v)
{
	json_t *j = json_integer((json_int_t)v);

	if (!j || json_object_set_new(obj, key, j) < 0)
		return cmdb__oom();
	return 0;
}

int cmdb__append_unique(json_t *arr, json_t *s)
{
	size_t i;
	json_t *e;

	if (!s)
		return cmdb__oom();
	/* Bounded so hostile input cannot make de-duplication quadratic without end. */
	if (json_array_size(arr) >= UNIQUE_MAX || cmdb__past_deadline()) {
		json_decref(s);
		return 0;
	}
	json_array_foreach(arr, i, e)
	{
		if (json_equal(e, s)) {
			json_decref(s);
			return 0;
		}
	}
	if (json_array_append_new(arr, s) < 0)
		return cmdb__oom();
	return 0;
}

void cmdb__collect_warn(json_t *errors, const char *section, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t i, count = 0;
	json_t *e;

	if (!errors)
		return;
	json_array_foreach(errors, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "section"));

		if (s && strcmp(s, section) == 0)
			count++;
	}
	if (count > WARN_MAX_PER_SECTION)
		return;
	if (count == WARN_MAX_PER_SECTION) {
		snprintf(msg, sizeof(msg), "more problems not shown");
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	/* Best effort: a warning lost to OOM must not turn into a failure. */
	json_array_append_new(errors,
		json_pack("{s:s, s:o*}", "section", section, "message",
			cmdb__jstr(msg, strlen(msg))));
}

int cmdb__oom(void)
{
	return cmdb__error(CMDB_ERROR, "out of memory");
}
