/*
 * Secret redaction for captured files: a line matching any pattern becomes
 * "<redacted hmac-sha256:HEX>" and a PEM private key (a block, or one line with
 * literal "\n" escapes as in a JSON service-account file) becomes one such line.
 * The HMAC key lives outside the repository (redact_key.c), so the repository
 * shows that a secret changed without giving anyone a way to test guesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gitcmdb/collect.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collectors.h"
#include "collect/redact.h"

#define PATTERNS_MAX 128
#define REDACT_MAX (64u * 1024 * 1024)

typedef struct {
	const char *re;
	int icase;
} pattern;

/*
 * Always on, whatever gitcmdb.yaml says: things that are secrets wherever they
 * appear (with PEM private keys, handled in redact_into).
 */
static const pattern always_patterns[] = {
	{"://[^/[:space:]:@]+:[^/[:space:]@]+@", 1}, /* a password in a URL */
	{"\\$(1|2[aby]?|5|6|y|gy|7)\\$[^[:space:]:]+", 1}, /* a crypt(3) password hash */
	/* An HTTP Authorization header with its credentials, in any quoting. */
	{"authorization[\"']?[[:space:]]*[:=]?[[:space:]]*[\"']?(bearer|basic|token|digest|"
	 "negotiate|"
	 "ntlm)[[:space:]]+[^[:space:]\"']",
		1},
	{"bearer[[:space:]]+[A-Za-z0-9._~+/-]{16,}", 1}, /* a bearer token anywhere */
	{NULL, 0},
};

/*
 * Defaults aim at assignments, not at words: "db_password = x", "\"api_key\": x",
 * "export DB_PASS=x", "requirepass x", pgpass lines. A line that merely mentions a
 * word ("PasswordAuthentication no", "password_encryption = scram-sha-256") stays
 * readable. A configured list replaces these.
 */
#define SECRET_WORD                                                                                \
	"(passw(or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?|auth[_-]?"  \
	"key)"
#define SECRET_SUFFIX "([_.-]?(key|hash|base|value|string|id|b64|data|access[_-]?key|[0-9]+))*"
static const pattern default_patterns[] = {
	/* key names in any quoting ("key", 'key', key) followed by = or : */
	{SECRET_WORD SECRET_SUFFIX "[\"']?[[:space:]]*[=:]", 1},
	{"^[[:space:]]*[A-Za-z0-9_.-]*(pass|passw(or)?d|passphrase|secret|token|api[_-]?key|"
	 "masterauth)[[:space:]]+[^[:space:]]",
		1},
	{"(^|[^a-z0-9])(pass|pwd)[\"']?[[:space:]]*[=:]", 1},
	/* environment style: *_PASS*, *_PWD, *_TOKEN*, *_SECRET*, *_KEY (upper case only) */
	{"(^|[^A-Za-z0-9_])[A-Z][A-Z0-9_]*_(PASS[A-Z0-9_]*|PWD|TOKEN[A-Z0-9_]*|SECRET[A-Z0-9_]*|"
	 "KEY)"
	 "=",
		0},
	/* .pgpass: host:port:database:user:password (port a number or *, \: escapes) */
	{"^[[:space:]]*([^:#[:space:]\\\\]|\\\\.)+:([0-9]{1,5}|\\*):([^:\\\\]|\\\\.)+:([^:\\\\]|"
	 "\\\\.)+:([^:\\\\]|\\\\.)+$",
		1},
	{NULL, 0},
};

void cmdb_redactor_free(cmdb_redactor *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	for (size_t i = 0; i < r->nnames; i++)
		regfree(&r->names[i]);
	free(r->re);
	free(r->key_path);
	OPENSSL_cleanse(r->key, sizeof(r->key));
	free(r);
}

static int compile_one(cmdb_redactor *r, const char *p, int icase, size_t i)
{
	int rc;

	if (!p)
		return cmdb__error(CMDB_EINVALID, "redaction patterns[%zu]: expected a string", i);
	if ((rc = regcomp(&r->re[r->n], p, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0))) !=
		0) {
		char msg[128];

		regerror(rc, &r->re[r->n], msg, sizeof(msg));
		regfree(&r->re[r->n]);
		return cmdb__error(CMDB_EINVALID, "redaction patterns[%zu] '%s': %s", i, p, msg);
	}
	r->n++;
	return 0;
}

static size_t count_patterns(const pattern *p)
{
	size_t n = 0;

	while (p[n].re)
		n++;
	return n;
}

static int compile(cmdb_redactor *r, const json_t *patterns)
{
	size_t count, always = count_patterns(always_patterns);
	int err;

	if (patterns && (!json_is_array(patterns) || json_array_size(patterns) > PATTERNS_MAX))
		return cmdb__error(CMDB_EINVALID,
			"redaction patterns: expected a list of at most %d regular expressions",
			PATTERNS_MAX);
	count = patterns ? json_array_size(patterns) : count_patterns(default_patterns);
	if (!(r->re = cmdb__calloc(count + always, sizeof(regex_t))))
		return cmdb__oom();
	for (size_t i = 0; i < always; i++)
		if ((err = compile_one(r, always_patterns[i].re, always_patterns[i].icase, i)) < 0)
			return err;
	for (size_t i = 0; i < count; i++) {
		err = patterns
			? compile_one(r, json_string_value(json_array_get(patterns, i)), 1, i)
			: compile_one(r, default_patterns[i].re, default_patterns[i].icase, i);
		if (err < 0)
			return err;
	}
	return cmdb__redact_compile_names(r);
}

static int redactor_new(cmdb_redactor **out, const json_t *patterns, const char *key_file,
	const char *setting, int ephemeral)
{
	cmdb_redactor *r = cmdb__calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return cmdb__oom();
	if ((err = compile(r, patterns)) < 0)
		goto done;
	if ((err = ephemeral ? cmdb__redactor_random_key(r)
			     : cmdb__redactor_load_key(r, key_file, setting)) < 0)
		goto done;
	*out = r;
	r = NULL;
done:
	cmdb_redactor_free(r);
	return err;
}

int cmdb_redactor_new(cmdb_redactor **out, const json_t *patterns, const char *key_file)
{
	return redactor_new(out, patterns, key_file, NULL, 0);
}

int cmdb_redactor_new_ephemeral(cmdb_redactor **out, const json_t *patterns)
{
	return redactor_new(out, patterns, NULL, NULL, 1);
}

/* gitcmdb.yaml "redaction": a list of patterns, or {patterns: [...], key_file: /path}. */
int cmdb_redactor_new_from_settings(
	cmdb_redactor **out, const json_t *settings, const char *key_file)
{
	const json_t *red = json_object_get(settings, "redaction"), *patterns = NULL, *kf = NULL;
	const char *k;
	json_t *v;

	*out = NULL;
	if (json_is_array(red)) {
		patterns = red;
	} else if (json_is_object(red)) {
		json_object_foreach((json_t *)red, k, v) if (strcmp(k, "patterns") != 0 &&
			strcmp(k, "key_file") != 0) return cmdb__error(CMDB_EINVALID,
			"gitcmdb.yaml: redaction: unknown key '%s' (known: patterns, key_file)", k);
		patterns = json_object_get(red, "patterns");
		kf = json_object_get(red, "key_file");
		if (json_is_null(patterns))
			patterns = NULL;
		if (patterns && !json_is_array(patterns))
			return cmdb__error(CMDB_EINVALID,
				"gitcmdb.yaml: redaction.patterns: expected a list of regular "
				"expressions");
		if (json_is_null(kf))
			kf = NULL;
		if (kf && (!json_is_string(kf) || json_string_value(kf)[0] != '/'))
			return cmdb__error(CMDB_EINVALID,
				"gitcmdb.yaml: redaction.key_file: expected an absolute path");
	} else if (red && !json_is_null(red)) {
		return cmdb__error(CMDB_EINVALID,
			"gitcmdb.yaml: redaction: expected a list of patterns or a map with "
			"patterns and key_file");
	}
	return redactor_new(out, patterns, key_file, json_string_value(kf), 0);
}

int cmdb__redact_matches(const cmdb_redactor *r, const char *line, size_t len)
{
	char small[1024], *s = small;
	int hit = 0;

	/* regexec needs a NUL-terminated string; a NUL inside must not hide what follows. */
	if (len >= sizeof(small) && !(s = cmdb__malloc(len + 1)))
		return -1;
	for (size_t i = 0; i < len; i++)
		s[i] = line[i] ? line[i] : ' ';
	s[len] = '\0';
	for (size_t i = 0; i < r->n && !hit; i++)
		hit = regexec(&r->re[i], s, 0, NULL, 0) == 0;
	if (s != small)
		free(s);
	return hit;
}

int cmdb__redact_put(cmdb_buf *b, const cmdb_redactor *r, const char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int err;

	if (!HMAC(EVP_sha256(), r->key, (int)r->key_len, (const unsigned char *)data, len, md,
		    &mdlen))
		return cmdb__error(CMDB_ERROR, "redaction: HMAC failed");
	for (unsigned int i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	if ((err = cmdb__buf_puts(b, CMDB__FINGERPRINT_PREFIX)) < 0 ||
		(err = cmdb__buf_put(b, hex, 2 * (size_t)mdlen)) < 0)
		return err;
	return cmdb__buf_puts(b, ">");
}

/* The position of needle in [l, l + n), or NULL. */
static const char *find(const char *l, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(l + i, needle, k) == 0)
			return l + i;
	return NULL;
}

static const char *find_last(const char *l, size_t n, const char *needle)
{
	const char *last = NULL, *p = l, *end = l + n;

	while ((p = find(p, (size_t)(end - p), needle))) {
		last = p;
		p++;
	}
	return last;
}

/*
 * A private key starts on this line ("-----BEGIN ... PRIVATE KEY-----" anywhere):
 * 0 no, 1 yes and it ends on the same line (literal \n escapes), 2 yes and it
 * goes on over the next lines.
 */
static int pem_begins(const char *l, size_t n)
{
	const char *b = find_last(l, n, "-----BEGIN "), *k;

	if (!(k = find(l, n, "-----BEGIN ")) || !find(k, (size_t)(l + n - k), "PRIVATE KEY"))
		return 0;
	return find(b, (size_t)(l + n - b), "-----END ") ? 1 : 2;
}

static int pem_ends(const char *l, size_t n)
{
	const char *e = find(l, n, "-----END ");

	return e && find(e, (size_t)(l + n - e), "PRIVATE KEY");
}

/* After a BEGIN line: the end of the END line, or of the text (before a final newline). */
static const char *pem_block_end(const char *after_begin, const char *end)
{
	const char *q = after_begin;

	while (q < end) {
		const char *qn = memchr(q, '\n', (size_t)(end - q)), *qe = qn ? qn : end;

		if (pem_ends(q, (size_t)(qe - q)))
			return qe;
		q = qn ? qn + 1 : end;
	}
	return end[-1] == '\n' ? end - 1 : end;
}

static int redact_into(cmdb_buf *b, const cmdb_redactor *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *body = p;
		int hit, pem;

		while (body < eol && (*body == ' ' || *body == '\t'))
			body++;
		if ((pem = pem_begins(body, (size_t)(eol - body))) != 0) {
			/* The whole key, BEGIN to END (or to the end of the text), is one secret.
			 */
			if (pem == 2 && nl) {
				eol = pem_block_end(nl + 1, end);
				nl = eol < end ? eol : NULL;
			}
			hit = 1;
		} else if ((hit = cmdb__redact_matches(r, body, (size_t)(eol - body))) < 0) {
			return cmdb__oom();
		}
		if (hit && (err = cmdb__buf_put(b, p, (size_t)(body - p))) == 0)
			err = cmdb__redact_put(b, r, body, (size_t)(eol - body));
		else if (!hit)
			err = cmdb__buf_put(b, p, (size_t)(eol - p));
		if (err < 0 || (nl && (err = cmdb__buf_put(b, "\n", 1)) < 0))
			return err;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int cmdb_redact(char **out, size_t *out_len, const cmdb_redactor *r, const char *text, size_t len)
{
	cmdb_buf b = CMDB_BUF_INIT(REDACT_MAX);
	int err;

	*out = NULL;
	*out_len = 0;
	if (!r)
		return cmdb__error(CMDB_EINVALID, "redaction: no redactor");
	if ((err = redact_into(&b, r, text, len)) < 0)
		goto done;
	if (!(*out = cmdb__buf_detach(&b, out_len)))
		err = cmdb__oom();
done:
	cmdb__buf_dispose(&b);
	return err;
}

size_t cmdb__fingerprint_at(const char *s, size_t left)
{
	static const size_t plen = sizeof(CMDB__FINGERPRINT_PREFIX) - 1;

	if (left < CMDB__FINGERPRINT_LEN || memcmp(s, CMDB__FINGERPRINT_PREFIX, plen) != 0 ||
		s[CMDB__FINGERPRINT_LEN - 1] != '>')
		return 0;
	for (size_t i = plen; i < CMDB__FINGERPRINT_LEN - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return CMDB__FINGERPRINT_LEN;
}

int cmdb__redact_only_fingerprints_differ(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	int differ = 0;

	while (i < alen && j < blen) {
		size_t fa = cmdb__fingerprint_at(a + i, alen - i),
		       fb = cmdb__fingerprint_at(b + j, blen - j);

		if (fa && fb) {
			differ |= memcmp(a + i, b + j, fa) != 0;
			i += fa;
			j += fb;
			continue;
		}
		if (a[i] != b[j])
			return 0;
		i++;
		j++;
	}
	return i == alen && j == blen && differ;
}
