#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli_print.h"

typedef enum {
	ESC_FIELD, /* every control escaped */
	ESC_TEXT, /* newline and tab kept as layout */
	ESC_TSV, /* tab, newline, backslash as \t \n \\ */
} esc_mode;

/* Where escaped bytes go: a FILE, a buffer already sized by a counting pass, or nowhere
 * (counting). len counts the bytes either way. */
typedef struct {
	FILE *f;
	char *buf;
	size_t len;
} sink;

static void put(sink *k, const char *s, size_t n)
{
	if (k->f)
		fwrite(s, 1, n, k->f);
	else if (k->buf)
		memcpy(k->buf + k->len, s, n);
	k->len += n;
}

/* The length of the valid UTF-8 sequence at s (with its code point), or 0 when s[0]
 * starts none: overlong forms, surrogates and values past U+10FFFF are invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t v, min;
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, v = s[0] & 0x1Fu, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, v = s[0] & 0x0Fu, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, v = s[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static void put_hex(sink *k, const unsigned char *s, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		char e[4] = {'\\', 'x', digits[s[i] >> 4], digits[s[i] & 0xF]};

		put(k, e, sizeof(e));
	}
}

/* The one escaping rule of the CLI; raw runs are written in one piece. */
static void escape(sink *k, const char *str, size_t n, esc_mode mode)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_seq(s + i, n - i, &cp);
		int control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
		const char *named = NULL;

		if (len && !control && !(mode == ESC_TSV && cp == '\\')) {
			i += len;
			continue;
		}
		if (len && mode == ESC_TEXT && (cp == '\n' || cp == '\t')) {
			i += len;
			continue;
		}
		if (mode == ESC_TSV && len)
			named = cp == '\t'   ? "\\t"
				: cp == '\n' ? "\\n"
				: cp == '\\' ? "\\\\"
					     : NULL;
		put(k, str + run, i - run);
		if (named)
			put(k, named, 2);
		else
			put_hex(k, s + i, len ? len : 1);
		i += len ? len : 1;
		run = i;
	}
	put(k, str + run, n - run);
}

void cli_put_field(FILE *f, const char *s)
{
	sink k = {f, NULL, 0};

	escape(&k, s, strlen(s), ESC_FIELD);
}

void cli_put_text(FILE *f, const char *s, size_t n)
{
	sink k = {f, NULL, 0};

	escape(&k, s, n, ESC_TEXT);
}

void cli_put_tsv(FILE *f, const char *s)
{
	sink k = {f, NULL, 0};

	escape(&k, s, strlen(s), ESC_TSV);
}

/* A %s argument: precision cuts the raw string (as printf would), width pads the escaped
 * one. */
static void put_string(FILE *f, const char *s, int width, int prec, int left)
{
	size_t n = s ? (prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s)) : 6;
	sink count = {NULL, NULL, 0}, out = {f, NULL, 0};

	if (!s)
		s = "(null)";
	escape(&count, s, n, ESC_FIELD);
	for (size_t i = count.len; !left && width > 0 && i < (size_t)width; i++)
		fputc(' ', f);
	escape(&out, s, n, ESC_FIELD);
	for (size_t i = count.len; left && width > 0 && i < (size_t)width; i++)
		fputc(' ', f);
}

/* The spec was cut from a format the compiler checked (format attribute) and rebuilt
 * with its '*' resolved: safe to hand back to fprintf. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void put_number(FILE *f, const char *spec, const char *len, char conv, va_list *ap)
{
	int l = len[0] == 'l' ? (len[1] == 'l' ? 2 : 1) : 0;

	if (strchr("diouxX", conv)) {
		int sign = conv == 'd' || conv == 'i';

		if (len[0] == 'z')
			sign ? fprintf(f, spec, va_arg(*ap, ssize_t))
			     : fprintf(f, spec, va_arg(*ap, size_t));
		else if (len[0] == 'j')
			sign ? fprintf(f, spec, va_arg(*ap, intmax_t))
			     : fprintf(f, spec, va_arg(*ap, uintmax_t));
		else if (len[0] == 't')
			fprintf(f, spec, va_arg(*ap, ptrdiff_t));
		else if (l == 2)
			sign ? fprintf(f, spec, va_arg(*ap, long long))
			     : fprintf(f, spec, va_arg(*ap, unsigned long long));
		else if (l == 1)
			sign ? fprintf(f, spec, va_arg(*ap, long))
			     : fprintf(f, spec, va_arg(*ap, unsigned long));
		else
			sign ? fprintf(f, spec, va_arg(*ap, int))
			     : fprintf(f, spec, va_arg(*ap, unsigned));
	} else if (conv == 'c') {
		fprintf(f, spec, va_arg(*ap, int));
	} else if (conv == 'p') {
		fprintf(f, spec, va_arg(*ap, void *));
	} else if (len[0] == 'L') {
		fprintf(f, spec, va_arg(*ap, long double));
	} else {
		fprintf(f, spec, va_arg(*ap, double));
	}
}

#pragma GCC diagnostic pop

/* "*" or digits at *p (advancing it) into *v; 0 when neither is there. */
static int spec_number(int *v, const char **p, va_list *ap)
{
	if (**p == '*') {
		(*p)++;
		*v = va_arg(*ap, int);
		return 1;
	}
	if (**p < '0' || **p > '9')
		return 0;
	for (*v = 0; **p >= '0' && **p <= '9'; (*p)++)
		*v = *v * 10 + (**p - '0');
	return 1;
}

/* One conversion at p (just past the '%'); returns the format after it. */
static const char *convert(FILE *f, const char *p, va_list *ap)
{
	char spec[48], len[3] = "";
	size_t nflags = strspn(p, "-+ #0"), nlen;
	int width = 0, prec = -1, left = memchr(p, '-', nflags) != NULL;
	const char *flags = p;

	p += nflags;
	if (spec_number(&width, &p, ap) && width < 0)
		left = 1, width = -width; /* a negative '*' width means '-' */
	if (*p == '.') {
		p++;
		prec = 0;
		if (spec_number(&prec, &p, ap) && prec < 0)
			prec = -1; /* a negative '*' precision counts as none */
	}
	nlen = strspn(p, "hljztL");
	if (nlen > 2 || !*(p + nlen))
		return p + nlen; /* the format attribute rules this out */
	memcpy(len, p, nlen);
	p += nlen;
	if (*p == '%') {
		fputc('%', f);
	} else if (*p == 's') {
		put_string(f, va_arg(*ap, const char *), width, prec, left);
	} else {
		/* flags (with '-' when a '*' width was negative), width, precision, length */
		snprintf(spec, sizeof(spec), "%%%s%.*s%.0d%s%.0d%s%c", left ? "-" : "",
			(int)(nflags > 8 ? 8 : nflags), flags, width, prec >= 0 ? "." : "",
			prec > 0 ? prec : 0, len, *p);
		put_number(f, spec, len, *p, ap);
	}
	return p + 1;
}

void cli_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	va_list aq;
	const char *p = fmt;

	va_copy(aq, ap);
	while (*p) {
		const char *pct = strchr(p, '%');

		if (!pct) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(pct - p), f);
		p = convert(f, pct + 1, &aq);
	}
	va_end(aq);
}

void cli_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vfprintf(f, fmt, ap);
	va_end(ap);
}

void cli_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vfprintf(stdout, fmt, ap);
	va_end(ap);
}

/* s escaped as a field, as a new jansson string. */
static json_t *escaped_string(const char *s, size_t n)
{
	sink count = {NULL, NULL, 0}, out = {NULL, NULL, 0};
	json_t *v;

	escape(&count, s, n, ESC_FIELD);
	if (count.len == n) /* nothing to escape: the common case */
		return json_stringn_nocheck(s, n);
	if (!(out.buf = malloc(count.len + 1)))
		return NULL;
	escape(&out, s, n, ESC_FIELD);
	v = json_stringn_nocheck(out.buf, out.len);
	free(out.buf);
	return v;
}

json_t *cli_display_copy(const json_t *v)
{
	json_t *out = NULL, *e, *c;
	const char *key;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING: return escaped_string(json_string_value(v), json_string_length(v));
	case JSON_ARRAY:
		if (!(out = json_array()))
			return NULL;
		json_array_foreach((json_t *)v, i, e)
		{
			if (!(c = cli_display_copy(e)) || json_array_append_new(out, c) < 0)
				goto fail;
		}
		return out;
	case JSON_OBJECT:
		if (!(out = json_object()))
			return NULL;
		json_object_foreach((json_t *)v, key, e)
		{
			json_t *k = escaped_string(key, strlen(key));
			int rc = k && (c = cli_display_copy(e))
				? json_object_set_new(out, json_string_value(k), c)
				: -1;

			json_decref(k);
			if (rc < 0)
				goto fail;
		}
		return out;
	default: return json_deep_copy(v);
	}
fail:
	json_decref(out);
	return NULL;
}
