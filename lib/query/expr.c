/*
 * The find expression language (docs/queries.md): a conjunction of terms
 * "PATH OP VALUE" separated by ',' or the word "and". Values compare by what they
 * are: numbers as numbers (when the stored value is an int or real), everything
 * else in package-version order, which for plain words is ordinary byte order with
 * digit runs compared as numbers ("web9" < "web10").
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/glob.h"
#include "query/expr.h"

typedef struct {
	const char *src;
	size_t pos;
} cursor;

static int col(const cursor *c)
{
	return (int)c->pos + 1;
}

static int peek(const cursor *c)
{
	return (unsigned char)c->src[c->pos];
}

static void skip_ws(cursor *c)
{
	while (peek(c) == ' ' || peek(c) == '\t')
		c->pos++;
}

static int is_op_char(int ch)
{
	return ch == '=' || ch == '!' || ch == '<' || ch == '>' || ch == '~';
}

/* "and" (any case) followed by whitespace, at offset p. */
static int is_and_at(const char *s, size_t p)
{
	return (s[p] == 'a' || s[p] == 'A') && (s[p + 1] == 'n' || s[p + 1] == 'N') &&
		(s[p + 2] == 'd' || s[p + 2] == 'D') && (s[p + 3] == ' ' || s[p + 3] == '\t');
}

const char *cmdb__expr_op_name(cmdb_expr_op op)
{
	static const char *const names[] = {"exists", "=", "!=", "<", "<=", ">", ">=", "~", "!~"};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static int parse_path(cmdb_expr_term *t, cursor *c)
{
	size_t start = c->pos;
	const char *star;

	while (peek(c) && peek(c) > ' ' && !is_op_char(peek(c)) && peek(c) != ',' &&
		peek(c) != '"' && peek(c) != '\'' && peek(c) != 0x7f)
		c->pos++;
	if (c->pos == start) {
		if (peek(c) && (peek(c) < ' ' || peek(c) == 0x7f))
			return cmdb__error(
				CMDB_EINVALID, "expression:1:%d: control character", col(c));
		return cmdb__error(CMDB_EINVALID,
			"expression:1:%d: expected an attribute path "
			"such as attributes.os.id",
			col(c));
	}
	if (!(t->path = cmdb__strndup(c->src + start, c->pos - start)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	star = strchr(t->path, '*');
	t->wildcard = star != NULL;
	t->prefix_len = star ? (size_t)(star - t->path) : strlen(t->path);
	return 0;
}

static int parse_op(cmdb_expr_term *t, cursor *c)
{
	static const struct {
		const char *text;
		cmdb_expr_op op;
	} ops[] = {{"!=", CMDB_OP_NE}, {"!~", CMDB_OP_NRE}, {"<=", CMDB_OP_LE}, {">=", CMDB_OP_GE},
		{"==", CMDB_OP_EQ}, {"=", CMDB_OP_EQ}, {"<", CMDB_OP_LT}, {">", CMDB_OP_GT},
		{"~", CMDB_OP_RE}};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(c->src + c->pos, ops[i].text, n) == 0) {
			t->op = ops[i].op;
			c->pos += n;
			if (is_op_char(peek(c)))
				return cmdb__error(CMDB_EINVALID,
					"expression:1:%d: unexpected '%c' after '%s' (quote a "
					"value "
					"that starts with it)",
					col(c), peek(c), ops[i].text);
			return 0;
		}
	}
	return cmdb__error(CMDB_EINVALID,
		"expression:1:%d: expected an operator (=, !=, <, <=, >, >=, ~, !~) after '%s'",
		col(c), t->path);
}

static int parse_quoted(char **out, cursor *c)
{
	int q = peek(c), start_col = col(c);
	char *buf = cmdb__malloc(strlen(c->src + c->pos) + 1);
	size_t n = 0;

	if (!buf)
		return cmdb__error(CMDB_ERROR, "out of memory");
	c->pos++;
	while (peek(c) && peek(c) != q) {
		if (peek(c) == '\\' && (c->src[c->pos + 1] == q || c->src[c->pos + 1] == '\\'))
			c->pos++;
		buf[n++] = c->src[c->pos++];
	}
	if (!peek(c)) {
		free(buf);
		return cmdb__error(
			CMDB_EINVALID, "expression:1:%d: unterminated quoted value", start_col);
	}
	c->pos++;
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* A bare value runs to ',' or " and " or the end; trailing blanks are not part of it. */
static int parse_bare(char **out, cursor *c)
{
	size_t start = c->pos, end;

	while (peek(c) && peek(c) != ',') {
		if ((peek(c) == ' ' || peek(c) == '\t')) {
			size_t p = c->pos;

			while (c->src[p] == ' ' || c->src[p] == '\t')
				p++;
			if (is_and_at(c->src, p))
				break;
		}
		if (peek(c) < ' ' || peek(c) == 0x7f)
			return cmdb__error(
				CMDB_EINVALID, "expression:1:%d: control character", col(c));
		c->pos++;
	}
	end = c->pos;
	while (end > start && (c->src[end - 1] == ' ' || c->src[end - 1] == '\t'))
		end--;
	if (end == start)
		return cmdb__error(CMDB_EINVALID, "expression:1:%d: expected a value", col(c));
	if (!(*out = cmdb__strndup(c->src + start, end - start)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int as_number(const char *s, double *out)
{
	char *end;
	double d;

	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return 0;
	d = strtod(s, &end);
	if (*end || !isfinite(d))
		return 0;
	*out = d;
	return 1;
}

static int parse_value(cmdb_expr_term *t, cursor *c)
{
	int vcol, rc;

	skip_ws(c);
	vcol = col(c);
	rc = (peek(c) == '"' || peek(c) == '\'') ? parse_quoted(&t->value, c)
						 : parse_bare(&t->value, c);
	if (rc < 0)
		return rc;
	t->value_is_num = as_number(t->value, &t->num);
	if (t->op == CMDB_OP_RE || t->op == CMDB_OP_NRE) {
		int err = regcomp(&t->re, t->value, REG_EXTENDED | REG_NOSUB);

		if (err != 0) {
			char msg[128];

			regerror(err, &t->re, msg, sizeof(msg));
			t->op = CMDB_OP_EQ; /* nothing compiled: free must not regfree */
			return cmdb__error(CMDB_EINVALID,
				"expression:1:%d: bad regular expression '%s': %s", vcol, t->value,
				msg);
		}
	}
	return 0;
}

static int parse_term(cmdb_expr_term *t, cursor *c)
{
	int rc;

	skip_ws(c);
	t->column = col(c);
	t->op = CMDB_OP_EXISTS;
	if ((rc = parse_path(t, c)) < 0)
		return rc;
	skip_ws(c);
	if (!peek(c) || peek(c) == ',' || is_and_at(c->src, c->pos))
		return 0;
	if ((rc = parse_op(t, c)) < 0)
		return rc;
	return parse_value(t, c);
}

/* After a term: the end, or a separator that must be followed by another term. */
static int parse_separator(cursor *c, int *more)
{
	skip_ws(c);
	*more = 0;
	if (!peek(c))
		return 0;
	if (peek(c) == ',')
		c->pos++;
	else if (is_and_at(c->src, c->pos))
		c->pos += 3;
	else
		return cmdb__error(CMDB_EINVALID,
			"expression:1:%d: expected ',' or 'and' between terms", col(c));
	skip_ws(c);
	if (!peek(c))
		return cmdb__error(CMDB_EINVALID,
			"expression:1:%d: expected a term after the separator", col(c));
	*more = 1;
	return 0;
}

int cmdb__expr_parse(cmdb_expr **out, const char *src)
{
	cmdb_expr *e = NULL;
	cursor c = {src, 0};
	int rc, more = 1;

	*out = NULL;
	if (!src)
		return cmdb__error(CMDB_EINVALID, "expression:1:1: empty expression");
	if (strlen(src) > CMDB_EXPR_MAX_LEN)
		return cmdb__error(
			CMDB_EINVALID, "expression: longer than %d bytes", CMDB_EXPR_MAX_LEN);
	skip_ws(&c);
	if (!peek(&c))
		return cmdb__error(CMDB_EINVALID, "expression:1:%d: empty expression", col(&c));
	if (!(e = cmdb__calloc(1, sizeof(*e))) ||
		!(e->terms = cmdb__calloc(CMDB_EXPR_MAX_TERMS, sizeof(*e->terms)))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	while (more) {
		if (e->count == CMDB_EXPR_MAX_TERMS) {
			rc = cmdb__error(CMDB_EINVALID, "expression:1:%d: more than %d terms",
				col(&c), CMDB_EXPR_MAX_TERMS);
			goto done;
		}
		rc = parse_term(&e->terms[e->count++], &c);
		if (rc < 0 || (rc = parse_separator(&c, &more)) < 0)
			goto done;
	}
	*out = e;
	e = NULL;
	rc = 0;
done:
	cmdb__expr_free(e);
	return rc;
}

void cmdb__expr_free(cmdb_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; e->terms && i < e->count; i++) {
		cmdb_expr_term *t = &e->terms[i];

		if (t->value && (t->op == CMDB_OP_RE || t->op == CMDB_OP_NRE))
			regfree(&t->re);
		free(t->path);
		free(t->value);
	}
	free(e->terms);
	free(e);
}

/* '*' only (any run, dots included; a '?' is literal): see util/glob.h. */
int cmdb__expr_path_match(const cmdb_expr_term *t, const char *path)
{
	return t->wildcard ? cmdb__glob_match(t->path, path, 0) : strcmp(t->path, path) == 0;
}

/* The positive test (=, <, ~, ...) on one scalar; NE/NRE are its negation. */
static int scalar_test(const cmdb_expr_term *t, cmdb_expr_op op, const char *value,
	const char *vtype, cmdb_version_scheme scheme)
{
	int numeric = vtype && (!strcmp(vtype, "int") || !strcmp(vtype, "real")) && t->value_is_num;
	double v = 0;
	int c;

	if (!value)
		return op == CMDB_OP_EQ && strcmp(t->value, "null") == 0;
	if (numeric && !as_number(value, &v))
		numeric = 0;
	switch (op) {
	case CMDB_OP_EQ: return numeric ? v == t->num : strcmp(value, t->value) == 0;
	case CMDB_OP_RE: return regexec(&t->re, value, 0, NULL, 0) == 0;
	default: break;
	}
	if (vtype && !strcmp(vtype, "null"))
		return 0; /* null has no order */
	c = numeric ? (v > t->num) - (v < t->num) : cmdb_version_cmp(value, t->value, scheme);
	switch (op) {
	case CMDB_OP_LT: return c < 0;
	case CMDB_OP_LE: return c <= 0;
	case CMDB_OP_GT: return c > 0;
	case CMDB_OP_GE: return c >= 0;
	default: return 0;
	}
}

static int list_any(
	const cmdb_expr_term *t, cmdb_expr_op op, const char *value, cmdb_version_scheme scheme)
{
	json_t *arr = json_loads(value, JSON_DECODE_ANY, NULL), *el;
	size_t i;
	int hit = 0;

	if (!json_is_array(arr)) {
		json_decref(arr);
		return scalar_test(t, op, value, "string", scheme);
	}
	json_array_foreach(arr, i, el)
	{
		char num[64];
		const char *s = num, *vt = "string";

		if (json_is_string(el)) {
			s = json_string_value(el);
		} else if (json_is_integer(el)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(el));
			vt = "int";
		} else if (json_is_real(el)) {
			snprintf(num, sizeof(num), "%.17g", json_real_value(el));
			vt = "real";
		} else if (json_is_boolean(el))
			s = json_is_true(el) ? "true" : "false";
		else
			continue; /* nested containers and nulls are not compared */
		if ((hit = scalar_test(t, op, s, vt, scheme)))
			break;
	}
	json_decref(arr);
	return hit;
}

int cmdb__expr_value_match(
	const cmdb_expr_term *t, const char *value, const char *vtype, cmdb_version_scheme scheme)
{
	cmdb_expr_op pos;
	int hit;

	if (t->op == CMDB_OP_EXISTS)
		return 1;
	pos = t->op == CMDB_OP_NE ? CMDB_OP_EQ : t->op == CMDB_OP_NRE ? CMDB_OP_RE : t->op;
	if (value && vtype && !strcmp(vtype, "list"))
		hit = list_any(t, pos, value, scheme);
	else
		hit = scalar_test(t, pos, value, vtype, scheme);
	return pos == t->op ? hit : !hit;
}
