/*
 * Scalar typing: the YAML 1.2 core schema for reading, plus the YAML 1.1
 * resolvers (PyYAML's, with y/n added) so the writer also quotes what a 1.1
 * reader would mistype. The writer relies on one rule: a string is written plain
 * only when no reader we care about would take it for anything but that string.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml/yaml_scalar.h"

static int is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++) {
		if (strlen(*words) == len && memcmp(*words, s, len) == 0)
			return 1;
	}
	return 0;
}

static const char *const core_nulls[] = {"~", "null", "Null", "NULL", NULL};
static const char *const core_trues[] = {"true", "True", "TRUE", NULL};
static const char *const core_falses[] = {"false", "False", "FALSE", NULL};

static size_t span(const char *s, size_t len, const char *set)
{
	size_t i = 0;

	while (i < len && s[i] && strchr(set, s[i]))
		i++;
	return i;
}

#define DIGITS "0123456789"

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ ; *base gets 10, 8 or 16. */
static int core_int(const char *s, size_t len, int *base)
{
	size_t i = 0, n;

	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		n = span(s + 2, len - 2, s[1] == 'o' ? "01234567" : DIGITS "abcdefABCDEF");
		if (n == len - 2) {
			*base = s[1] == 'o' ? 8 : 16;
			return 1;
		}
		return 0;
	}
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	n = span(s + i, len - i, DIGITS);
	*base = 10;
	return n > 0 && i + n == len;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int core_float_number(const char *s, size_t len)
{
	size_t i = 0, n;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < len && s[i] == '.') {
		n = span(s + i + 1, len - i - 1, DIGITS);
		if (n == 0)
			return 0;
		i += 1 + n;
	} else {
		n = span(s + i, len - i, DIGITS);
		if (n == 0)
			return 0;
		i += n;
		if (i < len && s[i] == '.')
			i += 1 + span(s + i + 1, len - i - 1, DIGITS);
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		n = span(s + i, len - i, DIGITS);
		if (n == 0)
			return 0;
		i += n;
	}
	return i == len;
}

static const char *const core_specials[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
	"-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL};

int cmdb__yaml_core_typed(const char *s, size_t len)
{
	int base;

	return len == 0 || is_one_of(s, len, core_nulls) || is_one_of(s, len, core_trues) ||
		is_one_of(s, len, core_falses) || core_int(s, len, &base) ||
		core_float_number(s, len) || is_one_of(s, len, core_specials);
}

/* Numbers jansson cannot hold stay strings (see the header). */
static json_t *type_number(const char *s, size_t len)
{
	char tmp[64];
	char *end;
	int base;

	if (len >= sizeof(tmp))
		return NULL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	if (core_int(tmp, len, &base)) {
		if (base == 10) {
			long long v = strtoll(tmp, &end, 10);
			return errno ? NULL : json_integer(v);
		}
		unsigned long long u = strtoull(tmp + 2, &end, base);
		return (errno || u > INT64_MAX) ? NULL : json_integer((json_int_t)u);
	}
	if (core_float_number(tmp, len)) {
		double d = strtod(tmp, &end);
		return isfinite(d) ? json_real(d) : NULL;
	}
	return NULL;
}

int cmdb__yaml_type_plain(json_t **out, const char *s, size_t len)
{
	json_t *v = NULL;

	if (len == 0 || is_one_of(s, len, core_nulls))
		v = json_null();
	else if (is_one_of(s, len, core_trues))
		v = json_true();
	else if (is_one_of(s, len, core_falses))
		v = json_false();
	else if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.')
		v = type_number(s, len);
	if (!v && memchr(s, '\0', len) == NULL)
		v = json_stringn(s, len);
	if (!v)
		return -1;
	*out = v;
	return 0;
}

static const char *const yaml11_words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
	"NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off",
	"OFF", "~", "null", "Null", "NULL", "<<", "=", NULL};

/* PyYAML 1.1 implicit resolvers for numbers and timestamps (resolver.py), as POSIX EREs. */
static const char *const re11_src[] = {
	/* float */
	"^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9_]+([eE][-+][0-9]+)?"
	"|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$",
	/* int */
	"^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
	"|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
	/* timestamp */
	"^([0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ "
	"\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
	"(\\.[0-9]*)?([ "
	"\t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9])$",
};
#define RE11_COUNT (sizeof(re11_src) / sizeof(re11_src[0]))
/* Every character those expressions can match; anything else rules them out cheaply. */
#define RE11_CHARS "0123456789+-._:eExXbBabcdefABCDEFinfINFnaNtTzZ \t"
static regex_t re11[RE11_COUNT];
static int re11_ok;
static pthread_once_t re11_once = PTHREAD_ONCE_INIT;

static void re11_compile(void)
{
	for (size_t i = 0; i < RE11_COUNT; i++) {
		if (regcomp(&re11[i], re11_src[i], REG_EXTENDED | REG_NOSUB) != 0)
			return;
	}
	re11_ok = 1;
}

int cmdb__yaml_11_typed(const char *s, size_t len)
{
	if (len == 0 || is_one_of(s, len, yaml11_words))
		return 1;
	/* Numbers and timestamps start with one of these (PyYAML keys resolvers by first char). */
	if (!strchr("0123456789+-.", s[0]) || span(s, len, RE11_CHARS) != len)
		return 0;
	pthread_once(&re11_once, re11_compile);
	/* Without a NUL-terminated string or the regexes, err towards quoting. */
	if (!re11_ok || strlen(s) != len)
		return 1;
	for (size_t i = 0; i < RE11_COUNT; i++) {
		if (regexec(&re11[i], s, 0, NULL, 0) == 0)
			return 1;
	}
	return 0;
}

/* Decode one UTF-8 sequence (already validated by jansson/libyaml); returns its length. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && len >= 2) {
		*cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && len >= 3) {
		*cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
			(s[2] & 0x3F);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && len >= 4) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
			((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

/* Characters allowed raw in a plain scalar: printable, not a YAML 1.1 line break, not a BOM. */
static int plain_char(uint32_t cp)
{
	if (cp < 0x80)
		return cp > 0x20 && cp < 0x7F;
	if (cp < 0xA0 || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
		return 0;
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return cp <= 0x10FFFF;
}

int cmdb__yaml_plain_safe(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (len == 0 || strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) || s[len - 1] == ':')
		return 0;
	/* "..." at a line start ends a document. */
	if (len >= 3 && memcmp(s, "...", 3) == 0)
		return 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(u + i, len - i, &cp);

		if (cp == ' ') {
			/* No leading/trailing space, no ": " or " #". */
			if (i == 0 || i + 1 == len || s[i + 1] == '#' || s[i - 1] == ':')
				return 0;
		} else if (!plain_char(cp)) {
			return 0;
		}
		i += n;
	}
	return !cmdb__yaml_core_typed(s, len) && !cmdb__yaml_11_typed(s, len);
}

void cmdb__yaml_format_real(char *buf, size_t size, double d)
{
	char tmp[48];
	char *e;
	int prec, exp10;

	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* Shortest digits found; print them positionally while the exponent is modest. */
	exp10 = atoi(strchr(tmp, 'e') + 1);
	if (exp10 >= -5 && exp10 < 16 && exp10 + 1 > prec)
		prec = exp10 + 1;
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	/* YAML 1.1 needs a '.' in the mantissa; "1e+20" would be a string there. */
	if (strchr(tmp, '.')) {
		snprintf(buf, size, "%s", tmp);
	} else if ((e = strchr(tmp, 'e'))) {
		snprintf(buf, size, "%.*s.0%s", (int)(e - tmp), tmp, e);
	} else {
		snprintf(buf, size, "%s.0", tmp);
	}
}
