/*
 * Secret redaction for captured files: a line matching any pattern becomes
 * "<redacted hmac-sha256:HEX>" and a PEM private key block becomes one such
 * line. The HMAC key lives outside the repository, so the repository shows that
 * a secret changed without giving anyone a way to test guesses against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "gitcmdb/collect.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collectors.h"

#define KEY_LEN 32
#define KEY_MIN 16
#define PATTERNS_MAX 128
#define REDACT_MAX (64u * 1024 * 1024)

struct cmdb_redactor {
	regex_t *re;
	size_t n;
	unsigned char key[64];
	size_t key_len;
};

/*
 * Defaults aim at assignments, not at words: "db_password = x", "client_secret: x",
 * "requirepass x". A line that merely mentions a word ("PasswordAuthentication no",
 * "# may bypass") stays readable. A configured list replaces these.
 */
static const char *const default_patterns[] = {
	"(passw(or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_."
	"-]*[[:space:]]*[=:]",
	"^[[:space:]]*[A-Za-z0-9_.-]*(pass|passw(or)?d|passphrase|secret|token|api[_-]?key)[[:"
	"space:]]+[^[:space:]]",
	NULL,
};

/*
 * Always on, whatever gitcmdb.yaml says: things that are secrets wherever they
 * appear (with PEM private key blocks, handled separately).
 */
static const char *const always_patterns[] = {
	"://[^/[:space:]:@]+:[^/[:space:]@]+@", /* a password in a URL */
	"\\$(1|2[aby]?|5|6|y|gy|7)\\$[^[:space:]:]+", /* a crypt(3) password hash */
	NULL,
};

void cmdb_redactor_free(cmdb_redactor *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	free(r->re);
	OPENSSL_cleanse(r->key, sizeof(r->key));
	free(r);
}

static int compile_one(cmdb_redactor *r, const char *p, size_t i)
{
	int rc;

	if (!p)
		return cmdb__error(CMDB_EINVALID, "redaction patterns[%zu]: expected a string", i);
	if ((rc = regcomp(&r->re[r->n], p, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		char msg[128];

		regerror(rc, &r->re[r->n], msg, sizeof(msg));
		return cmdb__error(CMDB_EINVALID, "redaction patterns[%zu] '%s': %s", i, p, msg);
	}
	r->n++;
	return 0;
}

static int compile(cmdb_redactor *r, const json_t *patterns)
{
	size_t count = 0, always = 0;
	int err;

	if (patterns && (!json_is_array(patterns) || json_array_size(patterns) > PATTERNS_MAX))
		return cmdb__error(CMDB_EINVALID,
			"redaction patterns: expected a list of at most %d regular expressions",
			PATTERNS_MAX);
	if (patterns)
		count = json_array_size(patterns);
	else
		while (default_patterns[count])
			count++;
	while (always_patterns[always])
		always++;
	if (!(r->re = cmdb__calloc(count + always, sizeof(regex_t))))
		return cmdb__oom();
	for (size_t i = 0; i < always; i++)
		if ((err = compile_one(r, always_patterns[i], i)) < 0)
			return err;
	for (size_t i = 0; i < count; i++)
		if ((err = compile_one(r,
			     patterns ? json_string_value(json_array_get(patterns, i))
				      : default_patterns[i],
			     i)) < 0)
			return err;
	return 0;
}

/* The default key file: $XDG_CONFIG_HOME/gitcmdb/redaction.key or ~/.config/gitcmdb/redaction.key.
 */
static int default_key_path(char **out, char **dir)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		*dir = cmdb__sprintf("%s/gitcmdb", xdg);
	else if (home && home[0] == '/')
		*dir = cmdb__sprintf("%s/.config/gitcmdb", home);
	else
		return cmdb__error(CMDB_ENOTFOUND,
			"redaction key: neither XDG_CONFIG_HOME nor HOME is set; give a key file "
			"path");
	if (!*dir || !(*out = cmdb__sprintf("%s/redaction.key", *dir))) {
		free(*dir);
		*dir = NULL;
		return cmdb__oom();
	}
	return 0;
}

/* mkdir -p of dir with 0700 for what we create. */
static int make_dirs(const char *dir)
{
	char *p = cmdb__strdup(dir);
	int err = 0;

	if (!p)
		return cmdb__oom();
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			err = cmdb__error(CMDB_ERROR, "redaction key: cannot create %s: %s", p,
				strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return err;
}

/* Write a fresh random key to path atomically (temp file + link), losing races gracefully. */
static int create_key(const char *path)
{
	unsigned char key[KEY_LEN];
	char *tmp = cmdb__sprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = -1, err = 0;

	if (!tmp)
		return cmdb__oom();
	if (RAND_bytes(key, sizeof(key)) != 1) {
		err = cmdb__error(CMDB_ERROR, "redaction key: no random bytes available");
		goto done;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600)) < 0 ||
		write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0) {
		err = cmdb__error(
			CMDB_ERROR, "redaction key: cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (link(tmp, path) < 0 && errno != EEXIST)
		err = cmdb__error(
			CMDB_ERROR, "redaction key: cannot create %s: %s", path, strerror(errno));
done:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	OPENSSL_cleanse(key, sizeof(key));
	free(tmp);
	return err;
}

static int read_key(cmdb_redactor *r, const char *path)
{
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return cmdb__error(errno == ENOENT ? CMDB_ENOTFOUND : CMDB_ERROR,
			"redaction key %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = cmdb__error(CMDB_EINVALID, "redaction key %s: not a regular file", path);
		goto done;
	}
	if (st.st_mode & 077) {
		err = cmdb__error(CMDB_EINVALID,
			"redaction key %s: readable by others; run chmod 600 %s", path, path);
		goto done;
	}
	if ((n = read(fd, r->key, sizeof(r->key))) < KEY_MIN) {
		err = cmdb__error(CMDB_EINVALID,
			"redaction key %s: shorter than %d bytes; delete it to get a new one (old "
			"redactions will all show as changed)",
			path, KEY_MIN);
		goto done;
	}
	r->key_len = (size_t)n;
done:
	close(fd);
	return err;
}

static int load_key(cmdb_redactor *r, const char *key_file)
{
	char *path = NULL, *dir = NULL;
	int err;

	if (key_file) {
		if (!(path = cmdb__strdup(key_file)))
			return cmdb__oom();
	} else if ((err = default_key_path(&path, &dir)) < 0) {
		return err;
	}
	if ((err = read_key(r, path)) == CMDB_ENOTFOUND) {
		if ((!dir || (err = make_dirs(dir)) == 0) && (err = create_key(path)) == 0)
			err = read_key(r, path);
	}
	free(path);
	free(dir);
	return err;
}

static int redactor_new(
	cmdb_redactor **out, const json_t *patterns, const char *key_file, int ephemeral)
{
	cmdb_redactor *r = cmdb__calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return cmdb__oom();
	if ((err = compile(r, patterns)) < 0)
		goto done;
	if (ephemeral) {
		if (RAND_bytes(r->key, KEY_LEN) != 1) {
			err = cmdb__error(CMDB_ERROR, "redaction key: no random bytes available");
			goto done;
		}
		r->key_len = KEY_LEN;
	} else if ((err = load_key(r, key_file)) < 0) {
		goto done;
	}
	*out = r;
	r = NULL;
done:
	cmdb_redactor_free(r);
	return err;
}

int cmdb_redactor_new(cmdb_redactor **out, const json_t *patterns, const char *key_file)
{
	return redactor_new(out, patterns, key_file, 0);
}

int cmdb_redactor_new_ephemeral(cmdb_redactor **out, const json_t *patterns)
{
	return redactor_new(out, patterns, NULL, 1);
}

static int matches(const cmdb_redactor *r, const char *line, size_t len)
{
	char small[1024], *s = small;
	int hit = 0;

	/* regexec needs a NUL-terminated string; NUL bytes inside end the match early. */
	if (len >= sizeof(small) && !(s = cmdb__malloc(len + 1)))
		return -1;
	memcpy(s, line, len);
	s[len] = '\0';
	for (size_t i = 0; i < r->n && !hit; i++)
		hit = regexec(&r->re[i], s, 0, NULL, 0) == 0;
	if (s != small)
		free(s);
	return hit;
}

static int put_redacted(cmdb_buf *b, const cmdb_redactor *r, const char *indent, size_t ilen,
	const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int err;

	if (!HMAC(EVP_sha256(), r->key, (int)r->key_len, (const unsigned char *)data, len, md,
		    &mdlen))
		return cmdb__error(CMDB_ERROR, "redaction: HMAC failed");
	if ((err = cmdb__buf_put(b, indent, ilen)) < 0 ||
		(err = cmdb__buf_puts(b, "<redacted hmac-sha256:")) < 0)
		return err;
	for (unsigned int i = 0; i < mdlen; i++)
		if ((err = cmdb__buf_printf(b, "%02x", md[i])) < 0)
			return err;
	return cmdb__buf_puts(b, ">");
}

static int contains(const char *l, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(l + i, needle, k) == 0)
			return 1;
	return 0;
}

/* "-----BEGIN ... PRIVATE KEY-----" (or END), after any indentation. */
static int is_pem(const char *l, size_t n, const char *kind)
{
	size_t k = strlen(kind);

	return n >= k && memcmp(l, kind, k) == 0 && contains(l, n, "PRIVATE KEY-----");
}

static int redact_into(cmdb_buf *b, const cmdb_redactor *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *body = p;
		int hit;

		while (body < eol && (*body == ' ' || *body == '\t'))
			body++;
		if (is_pem(body, (size_t)(eol - body), "-----BEGIN ")) {
			/* The whole block, BEGIN to END (or to the end of the text), is one secret.
			 */
			const char *q = nl ? nl + 1 : end;

			while (q < end) {
				const char *qn = memchr(q, '\n', (size_t)(end - q)),
					   *qe = qn ? qn : end, *qb = q;

				while (qb < qe && (*qb == ' ' || *qb == '\t'))
					qb++;
				q = qn ? qn + 1 : end;
				if (is_pem(qb, (size_t)(qe - qb), "-----END "))
					break;
			}
			eol = (q > p && q[-1] == '\n') ? q - 1 : q;
			nl = (eol < end) ? eol : NULL;
			hit = 1;
		} else if ((hit = matches(r, body, (size_t)(eol - body))) < 0) {
			return cmdb__oom();
		}
		if (hit)
			err = put_redacted(b, r, p, (size_t)(body - p), body, (size_t)(eol - body));
		else
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
