/*
 * known_hosts parsing, checking and editing. We parse the file ourselves, strictly
 * and all at once, so a malformed line is an error naming it instead of a silently
 * partial load (libssh2_knownhost_readfile skips what it cannot read).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/glob.h"
#include "util/file.h"
#include "ssh/knownhosts.h"

#define KH_MAX_FILE (4u * 1024 * 1024)
#define KH_MAX_LINE 16384

typedef struct {
	char *raw; /* the line as written (no newline): rewritten verbatim */
	char *marker; /* NULL for comments/blank lines; "" or "@revoked"/"@cert-authority" */
	char *hosts;
	char *type;
	unsigned char *blob;
	size_t blob_len;
	size_t line;
	int hashed; /* hosts is "|1|salt|hash": decoded once here, as every check needs them */
	unsigned char salt[20], hash[20];
} kh_line;

struct cmdb_knownhosts {
	kh_line *v;
	size_t n, alloc;
};

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cmdb__base64(const unsigned char *data, size_t len)
{
	char *out = cmdb__malloc(4 * ((len + 2) / 3) + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = b64chars[(v >> 18) & 63];
		*p++ = b64chars[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* Strict decode: length a multiple of 4, padding only at the end. */
int cmdb__base64_decode(unsigned char **out, size_t *out_len, const char *s, size_t len)
{
	unsigned char *buf;
	size_t o = 0;

	if (len == 0 || len % 4)
		return -1;
	if (!(buf = cmdb__malloc(len / 4 * 3)))
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (size_t j = 0; j < 4; j++) {
			const char *c = s[i + j] ? strchr(b64chars, s[i + j]) : NULL;
			if (s[i + j] == '=' && i + 4 == len && j >= 2 &&
				(j == 3 || s[i + 3] == '=')) {
				pad++;
				v <<= 6;
				continue;
			}
			if (!c || pad) {
				cmdb_free(buf);
				return -1;
			}
			v = (v << 6) | (uint32_t)(c - b64chars);
		}
		buf[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			buf[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			buf[o++] = (unsigned char)v;
	}
	*out = buf;
	*out_len = o;
	return 0;
}

void cmdb__kh_fingerprint(char out[64], const unsigned char *blob, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char *b64;

	strcpy(out, "SHA256:?");
	if (!EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) ||
		!(b64 = cmdb__base64(md, mdlen)))
		return;
	b64[strcspn(b64, "=")] = '\0';
	snprintf(out, 64, "SHA256:%s", b64);
	cmdb_free(b64);
}

int cmdb__kh_blob_type(char *out, size_t size, const unsigned char *blob, size_t len)
{
	uint32_t n;

	if (len < 4)
		return -1;
	n = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
	if (n == 0 || n >= size || n > len - 4 || memchr(blob + 4, '\0', n))
		return -1; /* out untouched */
	memcpy(out, blob + 4, n);
	out[n] = '\0';
	return 0;
}

static void line_dispose(kh_line *l)
{
	cmdb_free(l->raw);
	cmdb_free(l->marker);
	cmdb_free(l->hosts);
	cmdb_free(l->type);
	cmdb_free(l->blob);
}

void cmdb_knownhosts_free(cmdb_knownhosts *kh)
{
	if (!kh)
		return;
	for (size_t i = 0; i < kh->n; i++)
		line_dispose(&kh->v[i]);
	cmdb_free(kh->v);
	cmdb_free(kh);
}

static int push(cmdb_knownhosts *kh, kh_line *l)
{
	if (kh->n == kh->alloc) {
		size_t na = kh->alloc ? kh->alloc * 2 : 16;
		kh_line *nv = cmdb__realloc(kh->v, na * sizeof(*nv));
		if (!nv)
			return cmdb__error(CMDB_ERROR, "out of memory");
		kh->v = nv;
		kh->alloc = na;
	}
	kh->v[kh->n++] = *l;
	return 0;
}

/* Next whitespace-separated field of *p (advanced); NULL at the end. */
static char *field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

/* "|1|base64(salt)|base64(hash)" with 20-byte salt and hash (HMAC-SHA1), decoded into l. */
static int decode_hashed(kh_line *l, const char *h)
{
	const char *bar = strchr(h + 3, '|');
	unsigned char *salt = NULL, *hash = NULL;
	size_t sl = 0, hl = 0;
	int ok = bar && cmdb__base64_decode(&salt, &sl, h + 3, (size_t)(bar - h - 3)) == 0 &&
		cmdb__base64_decode(&hash, &hl, bar + 1, strlen(bar + 1)) == 0 && sl == 20 &&
		hl == 20;

	if (ok) {
		memcpy(l->salt, salt, sizeof(l->salt));
		memcpy(l->hash, hash, sizeof(l->hash));
		l->hashed = 1;
	}
	cmdb_free(salt);
	cmdb_free(hash);
	return ok;
}

static int valid_hosts(kh_line *l, const char *h)
{
	if (strncmp(h, "|1|", 3) == 0)
		return decode_hashed(l, h);
	for (const char *p = h; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return 0;
	return !strstr(h, ",,") && h[0] != ',' && h[strlen(h) - 1] != ',';
}

static int valid_type(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 63)
		return 0;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && !strchr("@._-", *t))
			return 0;
	return 1;
}

/* Parse one line (text is a private copy, modified in place) into l. */
static int parse_line(kh_line *l, char *text, const char *name, size_t lineno)
{
	char *p = text, *f, *marker = "", *hosts, *type, *key;
	char btype[64];

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return 0;
	if (!(f = field(&p)))
		return 0;
	if (f[0] == '@') {
		if (strcmp(f, "@revoked") && strcmp(f, "@cert-authority"))
			return cmdb__error(
				CMDB_EINVALID, "%s:%zu: unknown marker '%.40s'", name, lineno, f);
		marker = f;
		f = field(&p);
	}
	hosts = f;
	type = field(&p);
	key = field(&p);
	if (!hosts || !type || !key)
		return cmdb__error(CMDB_EINVALID, "%s:%zu: expected 'hosts key-type base64-key'",
			name, lineno);
	if (!valid_hosts(l, hosts))
		return cmdb__error(CMDB_EINVALID, "%s:%zu: malformed host field", name, lineno);
	if (!valid_type(type))
		return cmdb__error(CMDB_EINVALID, "%s:%zu: malformed key type", name, lineno);
	if (cmdb__base64_decode(&l->blob, &l->blob_len, key, strlen(key)) < 0)
		return cmdb__error(CMDB_EINVALID, "%s:%zu: key is not valid base64", name, lineno);
	if (cmdb__kh_blob_type(btype, sizeof(btype), l->blob, l->blob_len) < 0 ||
		strcmp(btype, type))
		return cmdb__error(
			CMDB_EINVALID, "%s:%zu: key data is not a %s key", name, lineno, type);
	if (!(l->marker = cmdb__strdup(marker)) || !(l->hosts = cmdb__strdup(hosts)) ||
		!(l->type = cmdb__strdup(type)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

int cmdb_knownhosts_parse(cmdb_knownhosts **out, const char *buf, size_t len, const char *name)
{
	cmdb_knownhosts *kh = NULL;
	size_t pos = 0, lineno = 0;
	int error = 0;

	*out = NULL;
	if (len > KH_MAX_FILE)
		return cmdb__error(CMDB_ETOOBIG, "%s: over %u bytes", name, KH_MAX_FILE);
	if (memchr(buf, '\0', len))
		return cmdb__error(CMDB_EINVALID, "%s: contains a NUL byte", name);
	if (!(kh = cmdb__calloc(1, sizeof(*kh))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, n = end - pos;
		kh_line l = {0};
		char *text;

		lineno++;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (n > KH_MAX_LINE) {
			error = cmdb__error(CMDB_EINVALID, "%s:%zu: line too long", name, lineno);
			goto done;
		}
		l.line = lineno;
		if (!(l.raw = cmdb__strndup(buf + pos, n)) ||
			!(text = cmdb__strndup(buf + pos, n))) {
			line_dispose(&l);
			error = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		error = parse_line(&l, text, name, lineno);
		cmdb_free(text);
		if (error < 0 || (error = push(kh, &l)) < 0) {
			line_dispose(&l);
			goto done;
		}
		pos = end + 1;
	}
	*out = kh;
	kh = NULL;
done:
	cmdb_knownhosts_free(kh);
	return error;
}

int cmdb_knownhosts_load(cmdb_knownhosts **out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int error;

	*out = NULL;
	if ((error = cmdb__file_read(&buf, &len, path, KH_MAX_FILE, 0)) == CMDB_ENOTFOUND) {
		cmdb_error_clear(); /* none yet: no host is known */
		return cmdb_knownhosts_parse(out, "", 0, path);
	}
	if (error < 0)
		return error;
	error = cmdb_knownhosts_parse(out, buf, len, path);
	free(buf);
	return error;
}

size_t cmdb_knownhosts_count(const cmdb_knownhosts *kh)
{
	size_t c = 0;

	for (size_t i = 0; kh && i < kh->n; i++)
		c += kh->v[i].marker != NULL;
	return c;
}

int cmdb_knownhosts_entry(cmdb_knownhost *out, const cmdb_knownhosts *kh, size_t i)
{
	for (size_t j = 0; kh && j < kh->n; j++) {
		const kh_line *l = &kh->v[j];
		if (!l->marker || i--)
			continue;
		out->hosts = l->hosts;
		out->type = l->type;
		out->marker = l->marker;
		out->line = l->line;
		cmdb__kh_fingerprint(out->fingerprint, l->blob, l->blob_len);
		return 0;
	}
	return cmdb__error(CMDB_ENOTFOUND, "no known_hosts entry %zu", i);
}

int cmdb_knownhosts_hostname(char **out, const char *address, int port)
{
	char *s;

	*out = NULL;
	if (!address || !*address)
		return cmdb__error(CMDB_EINVALID, "empty host address");
	s = (port == 0 || port == 22) ? cmdb__strdup(address)
				      : cmdb__sprintf("[%s]:%d", address, port);
	if (!s)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*out = s;
	return 0;
}

/*
 * One lookup of a host name over the table. Hashed lines cost an HMAC-SHA1 each: done
 * with one digest context for the whole lookup (HMAC() sets up a MAC per call, which
 * costs more than the hashing).
 */
typedef struct {
	const char *host;
	EVP_MD *sha1; /* fetched at the first hashed line */
	EVP_MD_CTX *ctx;
} lookup;

static void lookup_dispose(lookup *k)
{
	EVP_MD_CTX_free(k->ctx);
	EVP_MD_free(k->sha1);
}

static int hmac_sha1(lookup *k, const unsigned char key[20], unsigned char out[20])
{
	unsigned char pad[64], inner[20];
	unsigned int n = 0;

	if (!k->ctx &&
		(!(k->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) || !(k->ctx = EVP_MD_CTX_new())))
		return -1;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < 20; i++)
		pad[i] ^= key[i];
	if (!EVP_DigestInit_ex(k->ctx, k->sha1, NULL) ||
		!EVP_DigestUpdate(k->ctx, pad, sizeof(pad)) ||
		!EVP_DigestUpdate(k->ctx, k->host, strlen(k->host)) ||
		!EVP_DigestFinal_ex(k->ctx, inner, &n))
		return -1;
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < 20; i++)
		pad[i] ^= key[i];
	if (!EVP_DigestInit_ex(k->ctx, k->sha1, NULL) ||
		!EVP_DigestUpdate(k->ctx, pad, sizeof(pad)) ||
		!EVP_DigestUpdate(k->ctx, inner, sizeof(inner)) ||
		!EVP_DigestFinal_ex(k->ctx, out, &n))
		return -1;
	return 0;
}

static int hashed_match(lookup *k, const kh_line *l)
{
	unsigned char md[20];

	/* No digest (out of memory): no match, so an unknown host, never a wrong match. */
	return hmac_sha1(k, l->salt, md) == 0 && memcmp(md, l->hash, sizeof(md)) == 0;
}

/* Does a host field name the host? A matching "!pattern" vetoes. */
static int hosts_match(lookup *k, const kh_line *l)
{
	char pat[KH_MAX_LINE + 1];
	int hit = 0;

	if (l->hashed)
		return hashed_match(k, l);
	for (const char *p = l->hosts; *p;) {
		size_t n = strcspn(p, ",");
		int neg = *p == '!';
		memcpy(pat, p + neg, n - (size_t)neg);
		pat[n - (size_t)neg] = '\0';
		if (cmdb__glob_match(pat, k->host, CMDB__GLOB_QUESTION | CMDB__GLOB_NOCASE)) {
			if (neg)
				return 0;
			hit = 1;
		}
		p += n + (p[n] == ',');
	}
	return hit;
}

cmdb_kh_status cmdb_knownhosts_check(
	const cmdb_knownhosts *kh, const char *host, const unsigned char *blob, size_t blob_len)
{
	char type[64];
	int seen = 0, same_type = 0, match = 0;
	lookup k = {host, NULL, NULL};

	if (cmdb__kh_blob_type(type, sizeof(type), blob, blob_len) < 0)
		return CMDB_KH_CHANGED;
	for (size_t i = 0; kh && i < kh->n; i++) {
		const kh_line *l = &kh->v[i];
		int same_key =
			l->marker && l->blob_len == blob_len && !memcmp(l->blob, blob, blob_len);

		/* A revoked key is refused whoever presents it. */
		if (l->marker && !strcmp(l->marker, "@revoked") && same_key) {
			lookup_dispose(&k);
			return CMDB_KH_REVOKED;
		}
		if (!l->marker || *l->marker || !hosts_match(&k, l))
			continue;
		seen = 1;
		if (!strcmp(l->type, type)) {
			same_type = 1;
			match |= same_key;
		}
	}
	lookup_dispose(&k);
	if (match)
		return CMDB_KH_MATCH;
	return same_type ? CMDB_KH_CHANGED : seen ? CMDB_KH_OTHERTYPE : CMDB_KH_UNKNOWN;
}

void cmdb__kh_types(char *out, size_t size, const cmdb_knownhosts *kh, const char *host)
{
	size_t len = 0;
	lookup k = {host, NULL, NULL};

	out[0] = '\0';
	for (size_t i = 0; kh && i < kh->n; i++) {
		const kh_line *l = &kh->v[i];
		size_t tl;
		const char *hit;

		if (!l->marker || *l->marker || !hosts_match(&k, l))
			continue;
		tl = strlen(l->type);
		hit = strstr(out, l->type);
		if (hit && (hit[tl] == ',' || hit[tl] == '\0') && (hit == out || hit[-1] == ','))
			continue;
		if (len + tl + 2 > size)
			break;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", l->type);
	}
	lookup_dispose(&k);
}

int cmdb_knownhosts_add(int *status, cmdb_knownhosts *kh, const char *line, int replace)
{
	cmdb_knownhosts *one = NULL;
	kh_line *nl;
	int error, st;

	if ((error = cmdb_knownhosts_parse(&one, line, strlen(line), "new known_hosts line")) < 0)
		return error;
	if (one->n != 1 || !one->v[0].marker || *one->v[0].marker || strchr(line, '\n')) {
		error = cmdb__error(
			CMDB_EINVALID, "not a single known_hosts key line: '%.80s'", line);
		goto done;
	}
	nl = &one->v[0];
	st = cmdb_knownhosts_check(kh, nl->hosts, nl->blob, nl->blob_len);
	if (st == CMDB_KH_MATCH || st == CMDB_KH_REVOKED) {
		if (st == CMDB_KH_REVOKED)
			error = cmdb__error(
				CMDB_EHOSTKEY, "%s: the key is marked @revoked", nl->hosts);
		else
			*status = CMDB_KH_MATCH;
		goto done;
	}
	if (st != CMDB_KH_UNKNOWN && !replace) {
		error = cmdb__error(CMDB_EHOSTKEY,
			"%s presents a %s key that known_hosts does not record (it records %s); "
			"not replaced: verify the new key out of band, then enroll with --replace",
			nl->hosts, nl->type,
			st == CMDB_KH_CHANGED ? "another key of that type" : "keys of other types");
		goto done;
	}
	if (st != CMDB_KH_UNKNOWN) {
		lookup k = {nl->hosts, NULL, NULL};
		size_t w = 0;

		for (size_t i = 0; i < kh->n; i++) {
			kh_line *l = &kh->v[i];
			if (l->marker && !*l->marker && hosts_match(&k, l))
				line_dispose(l);
			else
				kh->v[w++] = *l;
		}
		kh->n = w;
		lookup_dispose(&k);
	}
	nl->line = kh->n ? kh->v[kh->n - 1].line + 1 : 1;
	if ((error = push(kh, nl)) < 0)
		goto done;
	one->n = 0;
	*status = st == CMDB_KH_UNKNOWN ? CMDB_KH_UNKNOWN : CMDB_KH_CHANGED;
done:
	cmdb_knownhosts_free(one);
	return error;
}

int cmdb_knownhosts_format(char **out, size_t *len, const cmdb_knownhosts *kh)
{
	cmdb_buf b = CMDB_BUF_INIT(KH_MAX_FILE);
	int error = 0;

	*out = NULL;
	for (size_t i = 0; kh && i < kh->n; i++)
		if ((error = cmdb__buf_printf(&b, "%s\n", kh->v[i].raw)) < 0)
			goto done;
	if (!(*out = cmdb__buf_detach(&b, len)))
		error = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb__buf_dispose(&b);
	return error;
}
