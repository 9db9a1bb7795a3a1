/*
 * Redaction of values taken from a host's command lines and environment (a
 * service's exec, a mount source; containers later): only the secret values
 * become fingerprints, so "/usr/bin/app --db-password=<redacted hmac-sha256:…>
 * --token <redacted hmac-sha256:…> --verbose" still says what runs.
 *
 * Arguments are blank-separated words (systemd prints argv that way); a value
 * in quotes runs to its closing quote across words. What is a secret:
 *   --flag=value, -Dname=value, NAME=value, a=1,name=value   name is a secret name
 *   --flag value                                              flag is a secret name
 *   Authorization: Bearer|Basic|... value, Bearer value       the credential
 *   scheme://user:password@host                               the password
 *   -----BEGIN ... PRIVATE KEY----- ... -----END ...          the whole key
 *   $6$salt$hash (crypt(3))                                   the hash
 *   mysql -pPASSWORD                                          the password
 * Secret names (case-insensitive unless noted): those ending in password,
 * passwd, passphrase, secret, token, api_key, private_key, credentials,
 * auth_key, requirepass, masterauth (optionally followed by _key, _hash, _id...),
 * or in a "pass"/"pwd" word; and upper-case environment names *_PASS*, *_PWD,
 * *_TOKEN*, *_SECRET*, *_KEY. Then, as a safety net, the words that were left
 * alone go through the file patterns: if any matches, everything after the
 * program is one fingerprint (the program too, if it matches by itself).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collectors.h"
#include "collect/redact.h"

#define CMD_MAX (16u * 1024 * 1024)
#define NAME_MAX_LEN 256

static const struct {
	const char *re;
	int icase;
} name_patterns[] = {
	{"(passw(or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?|auth[_-]?"
	 "key|requirepass|masterauth)([_.-]?(key|hash|base|value|string|id|b64|data|access[_-]?"
	 "key|[0-9]+))*$",
		1},
	{"(^|[^a-z0-9])(pass|pwd)$", 1},
	{"^[A-Z][A-Z0-9_]*_(PASS[A-Z0-9_]*|PWD|TOKEN[A-Z0-9_]*|SECRET[A-Z0-9_]*|KEY)$", 0},
};

int cmdb__redact_compile_names(cmdb_redactor *r)
{
	for (size_t i = 0; i < sizeof(name_patterns) / sizeof(name_patterns[0]); i++) {
		int flags = REG_EXTENDED | REG_NOSUB | (name_patterns[i].icase ? REG_ICASE : 0);

		if (regcomp(&r->names[i], name_patterns[i].re, flags) != 0)
			return cmdb__error(CMDB_ERROR, "redaction: built-in name pattern %zu", i);
		r->nnames++;
	}
	return 0;
}

int cmdb__redact_secret_name(const cmdb_redactor *r, const char *name, size_t len)
{
	char s[NAME_MAX_LEN + 1];

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	memcpy(s, name, len);
	s[len] = '\0';
	for (size_t i = 0; i < r->nnames; i++)
		if (regexec(&r->names[i], s, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

typedef struct {
	size_t s, e;
} span;

typedef struct {
	const cmdb_redactor *r;
	const char *t;
	size_t n;
	span *tok; /* words */
	size_t ntok;
	unsigned char *used; /* word i is (part of) a redaction: not left for the safety net */
	span *sp; /* spans to replace, in order, never overlapping */
	size_t nsp;
} cmdline;

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int quote(char c)
{
	return c == '"' || c == '\'';
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '.' || c == '-';
}

static int tokenize(cmdline *c)
{
	size_t i = 0;

	if (!(c->tok = cmdb__calloc(c->n / 2 + 1, sizeof(*c->tok))) ||
		!(c->used = cmdb__calloc(c->n / 2 + 1, 1)) ||
		!(c->sp = cmdb__calloc(c->n + 2, sizeof(*c->sp))))
		return cmdb__oom();
	while (i < c->n) {
		while (i < c->n && blank(c->t[i]))
			i++;
		if (i >= c->n)
			break;
		c->tok[c->ntok].s = i;
		while (i < c->n && !blank(c->t[i]))
			i++;
		c->tok[c->ntok++].e = i;
	}
	return 0;
}

static size_t last_end(const cmdline *c)
{
	return c->nsp ? c->sp[c->nsp - 1].e : 0;
}

/* Replace [s, e) (never before an earlier span); the words it touches are used. */
static void add_span(cmdline *c, size_t s, size_t e)
{
	size_t fp = cmdb__fingerprint_at(c->t + s, c->n - s);

	/* Already a fingerprint (redacted twice): keep it as it is. */
	if (fp && s + fp > e)
		e = s + fp;
	for (size_t i = 0; i < c->ntok; i++)
		if (c->tok[i].s < e && c->tok[i].e > s)
			c->used[i] = 1;
	if (fp || e <= s || s < last_end(c))
		return;
	c->sp[c->nsp++] = (span){s, e};
}

/* Position of needle in t[from, n), or n. */
static size_t find(const cmdline *c, size_t from, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = from; i + k <= c->n; i++)
		if (memcmp(c->t + i, needle, k) == 0)
			return i;
	return c->n;
}

/*
 * The value starting at vs in word w: a quoted value runs to its closing quote
 * (which stays); else to the end of the word, before a closing quote that opened
 * the word, and before ",name=" / "&name=" / ";name=" of a following assignment.
 */
static void add_value(cmdline *c, size_t w, size_t vs)
{
	size_t e = c->tok[w].e, ws = c->tok[w].s;

	if (vs >= c->n)
		return;
	if (quote(c->t[vs])) {
		size_t q = vs + 1;

		while (q < c->n && c->t[q] != c->t[vs])
			q++;
		add_span(c, vs + 1, q);
		return;
	}
	if (e > vs + 1 && quote(c->t[ws]) && c->t[e - 1] == c->t[ws])
		e--;
	for (size_t i = vs; i < e; i++) {
		size_t j = i + 1;

		if (c->t[i] != ',' && c->t[i] != '&' && c->t[i] != ';')
			continue;
		while (j < e && name_char(c->t[j]))
			j++;
		if (j > i + 1 && j < e && c->t[j] == '=') {
			e = i;
			break;
		}
	}
	add_span(c, vs, e);
}

/* "name=value" pairs anywhere in word w: --flag=v, -Dx.password=v, ENV=v, a=1,b=v, ?token=v. */
static void assignments(cmdline *c, size_t w)
{
	size_t pos = c->tok[w].s, te = c->tok[w].e;

	while (pos < te && (quote(c->t[pos]) || (c->t[pos] == '-' && pos < c->tok[w].s + 2)))
		pos++;
	while (pos < te) {
		size_t ne = pos;

		while (ne < te && name_char(c->t[ne]))
			ne++;
		if (ne > pos && ne < te && c->t[ne] == '=') {
			if (cmdb__redact_secret_name(c->r, c->t + pos, ne - pos)) {
				add_value(c, w, ne + 1);
				if (last_end(c) >= te || c->used[w] == 0)
					return;
				pos = last_end(c) > pos ? last_end(c) : ne + 1;
				continue;
			}
			pos = ne + 1;
			continue;
		}
		while (pos < te && !strchr(",;&?", c->t[pos]))
			pos++;
		pos++;
	}
}

/* The word without quotes at either end, for comparisons. */
static int word_is(const cmdline *c, size_t w, const char *s, int suffix)
{
	size_t a = c->tok[w].s, b = c->tok[w].e, k = strlen(s);

	while (a < b && quote(c->t[a]))
		a++;
	while (b > a && quote(c->t[b - 1]))
		b--;
	if (b - a < k || (!suffix && b - a != k))
		return 0;
	return strncasecmp(c->t + b - k, s, k) == 0;
}

static int opening_quote_at(const cmdline *c, size_t w)
{
	return quote(c->t[c->tok[w].s]);
}

/* The value word after word w (quoted the way word `open` opened), if there is one. */
static void next_value(cmdline *c, size_t w, size_t open)
{
	size_t v = w + 1, s, e;

	if (v >= c->ntok)
		return;
	s = c->tok[v].s;
	e = c->tok[v].e;
	if (quote(c->t[s])) {
		add_value(c, v, s);
		return;
	}
	if (opening_quote_at(c, open) && e > s + 1 && c->t[e - 1] == c->t[c->tok[open].s])
		e--;
	add_span(c, s, e);
}

/* Authorization: <scheme> <credentials>, Bearer <token>, --flag <value>. */
static int separate_value(cmdline *c, size_t w)
{
	static const char *const schemes[] = {
		"bearer", "basic", "token", "digest", "negotiate", "ntlm", NULL};
	size_t s = c->tok[w].s, e = c->tok[w].e;

	if (word_is(c, w, "authorization:", 1)) {
		size_t v = w + 1;

		c->used[w] = 1;
		for (size_t k = 0; schemes[k] && v < c->ntok; k++)
			if (word_is(c, v, schemes[k], 0)) {
				c->used[v++] = 1;
				break;
			}
		next_value(c, v - 1, w);
		return 1;
	}
	if (word_is(c, w, "bearer", 0)) {
		c->used[w] = 1;
		next_value(c, w, w);
		return 1;
	}
	while (s < e && quote(c->t[s]))
		s++;
	while (e > s && quote(c->t[e - 1]))
		e--;
	if (s >= e || c->t[s] != '-' || memchr(c->t + s, '=', e - s))
		return 0;
	while (s < e && c->t[s] == '-')
		s++;
	if (!cmdb__redact_secret_name(c->r, c->t + s, e - s))
		return 0;
	c->used[w] = 1;
	if (w + 1 < c->ntok && strncmp(c->t + c->tok[w + 1].s, "--", 2) != 0)
		next_value(c, w, w);
	return 1;
}

/* A private key from this word on, to its END line (or the end of the text). */
static int pem(cmdline *c, size_t w)
{
	size_t b = find(c, c->tok[w].s, "-----BEGIN "), k, e;

	if (b >= c->tok[w].e || (k = find(c, b, "PRIVATE KEY")) >= c->n || k > b + 80)
		return 0;
	if ((e = find(c, k, "-----END ")) < c->n && (e = find(c, e, "PRIVATE KEY")) < c->n)
		e = find(c, e, "-----") < c->n ? find(c, e, "-----") + 5 : c->n;
	else
		e = c->n;
	add_span(c, b, e);
	return 1;
}

/* scheme://user:password@host: the password. */
static void url_passwords(cmdline *c, size_t w)
{
	size_t te = c->tok[w].e;

	for (size_t p = find(c, c->tok[w].s, "://"); p < te; p = find(c, p + 3, "://")) {
		size_t q = p + 3, colon = 0;

		for (; q < te && c->t[q] != '/' && c->t[q] != '@'; q++)
			if (c->t[q] == ':' && !colon)
				colon = q;
		if (q < te && c->t[q] == '@' && colon)
			add_span(c, colon + 1, q);
	}
}

/* A crypt(3) hash ($id$...), or mysql's -pPASSWORD. */
static void hashes(cmdline *c, size_t w, int mysql)
{
	static const char *const ids[] = {
		"$1$", "$2a$", "$2b$", "$2y$", "$2$", "$5$", "$6$", "$y$", "$gy$", "$7$", NULL};
	size_t s = c->tok[w].s, te = c->tok[w].e;

	if (mysql && w > 0 && te > s + 2 && c->t[s] == '-' && c->t[s + 1] == 'p') {
		add_span(c, s + 2, te);
		return;
	}
	for (size_t i = 0; ids[i]; i++) {
		size_t p = find(c, s, ids[i]), k = strlen(ids[i]);

		if (p + k < te) {
			add_span(c, p, te);
			return;
		}
	}
}

static int is_mysql(const cmdline *c)
{
	size_t s, e;

	if (c->ntok == 0)
		return 0;
	s = c->tok[0].s;
	e = c->tok[0].e;
	for (size_t i = s; i < e; i++)
		if (c->t[i] == '/')
			s = i + 1;
	return (e - s >= 5 && strncmp(c->t + s, "mysql", 5) == 0) ||
		(e - s >= 7 && strncmp(c->t + s, "mariadb", 7) == 0);
}

/* The words nobody redacted, from word `from` on, through the file patterns. */
static int leftovers_match(const cmdline *c, size_t from, size_t to)
{
	cmdb_buf b = CMDB_BUF_INIT(CMD_MAX);
	int hit = 0, err = 0;

	for (size_t i = from; i < to && err == 0; i++)
		if (!c->used[i] &&
			(err = cmdb__buf_put(&b, c->t + c->tok[i].s, c->tok[i].e - c->tok[i].s)) ==
				0)
			err = cmdb__buf_put(&b, " ", 1);
	if (err == 0 && b.len && (hit = cmdb__redact_matches(c->r, b.ptr, b.len - 1)) < 0)
		err = cmdb__oom();
	cmdb__buf_dispose(&b);
	return err < 0 ? err : hit;
}

static int find_spans(cmdline *c)
{
	int mysql = is_mysql(c), prog, hit = 0;

	for (size_t w = 0; w < c->ntok; w++) {
		if (c->tok[w].s < last_end(c))
			continue;
		if (pem(c, w) || separate_value(c, w))
			continue;
		assignments(c, w);
		url_passwords(c, w);
		hashes(c, w, mysql);
	}
	if (c->ntok == 0)
		return 0;
	if ((prog = leftovers_match(c, 0, 1)) < 0)
		return prog;
	if (!prog && (hit = leftovers_match(c, 1, c->ntok)) <= 0)
		return hit;
	/* A secret no rule understood: all of it goes (after the program, unless that matched). */
	c->nsp = 0;
	c->sp[c->nsp++] = (span){prog ? c->tok[0].s : c->tok[1].s, c->tok[c->ntok - 1].e};
	return 0;
}

int cmdb_redact_command(char **out, const cmdb_redactor *r, const char *cmd, size_t len)
{
	cmdline c = {r, cmd, len, NULL, 0, NULL, NULL, 0};
	cmdb_buf b = CMDB_BUF_INIT(CMD_MAX);
	size_t at = 0;
	int err;

	*out = NULL;
	if (!r)
		return cmdb__error(CMDB_EINVALID, "redaction: no redactor");
	if ((err = tokenize(&c)) < 0 || (err = find_spans(&c)) < 0)
		goto done;
	for (size_t i = 0; i < c.nsp && err == 0; i++) {
		if ((err = cmdb__buf_put(&b, cmd + at, c.sp[i].s - at)) == 0)
			err = cmdb__redact_put(&b, r, cmd + c.sp[i].s, c.sp[i].e - c.sp[i].s);
		at = c.sp[i].e;
	}
	if (err == 0 && (err = cmdb__buf_put(&b, cmd + at, len - at)) == 0 &&
		!(*out = cmdb__buf_detach(&b, NULL)))
		err = cmdb__oom();
done:
	free(c.tok);
	free(c.used);
	free(c.sp);
	cmdb__buf_dispose(&b);
	return err;
}
