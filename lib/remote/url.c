/*
 * Where an SSH remote's server is, for its host key: ssh://[user@]host[:port]/path and
 * scp-like [user@]host:path (host may be a [bracketed] IPv6 literal). Anything else
 * (file://, a local path, https://) is not SSH.
 */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "remote/remote_int.h"

static int bad(const char *url, const char *why)
{
	return cmdb__error(CMDB_EINVALID,
		"bad SSH remote URL '%s': %s (want ssh://user@host[:port]/path or "
		"user@host:path)",
		url, why);
}

/*
 * What a host name or address, and a user name, may hold: no white space or control
 * characters, and none of the characters that delimit the URL's parts, so the host
 * whose key is checked is the one libgit2 connects to (a second '@', a '[' inside a
 * bracketed address and a '%'-escape would each be read differently there).
 */
static const char *bad_char(const char *s, const char *also)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("@[]/\\%", *s) ||
			strchr(also, *s))
			return s;
	return NULL;
}

static int check_names(cmdb__remote *r, int bracketed)
{
	if (bad_char(r->host, bracketed ? "" : ":"))
		return bad(r->url, "the host holds a character a host name cannot have");
	if (r->user && bad_char(r->user, ":"))
		return bad(r->url,
			"the user name holds a character it cannot have (no password in the "
			"URL: use an identity file or the ssh agent)");
	return 0;
}

/* authority = [user@]host[:port] (port only when allow_port), of length n. */
static int parse_authority(cmdb__remote *r, const char *a, size_t n, int allow_port)
{
	const char *at = memchr(a, '@', n), *h, *end = a + n, *colon = NULL;
	char *e = NULL;
	int rc;

	if (at) {
		if (at == a)
			return bad(r->url, "empty user name");
		if (!(r->user = cmdb__strndup(a, (size_t)(at - a))))
			return cmdb__error(CMDB_ERROR, "out of memory");
		h = at + 1;
	} else {
		h = a;
	}
	if (h < end && *h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close || close == h + 1)
			return bad(r->url, "unterminated [address]");
		r->host = cmdb__strndup(h + 1, (size_t)(close - h - 1));
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (close + 1 < end && !colon)
			return bad(r->url, "junk after ]");
	} else {
		colon = allow_port ? memchr(h, ':', (size_t)(end - h)) : NULL;
		r->host = cmdb__strndup(h, (size_t)((colon ? colon : end) - h));
	}
	if (!r->host)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!*r->host)
		return bad(r->url, "no host");
	if ((rc = check_names(r, h < end && *h == '[')) < 0)
		return rc;
	r->port = 22;
	if (colon && colon + 1 < end) {
		long p = strtol(colon + 1, &e, 10);

		if (!allow_port || e != end || p < 1 || p > 65535)
			return bad(r->url, "the port must be a number from 1 to 65535");
		r->port = (int)p;
	}
	return 0;
}

static int parse(cmdb__remote *r)
{
	const char *u = r->url, *s, *slash;
	static const char *const schemes[] = {"ssh://", "ssh+git://", "git+ssh://"};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (strncmp(u, schemes[i], n) != 0)
			continue;
		s = u + n;
		slash = strchr(s, '/');
		if (!slash || !slash[1])
			return bad(u, "no repository path after the host");
		r->ssh = 1;
		return parse_authority(r, s, (size_t)(slash - s), 1);
	}
	if (strstr(u, "://") || u[0] == '/' || u[0] == '.')
		return 0;
	/* scp-like: a ':' before the first '/' (git's rule), outside brackets */
	s = strchr(u, '@');
	s = s && (!strchr(u, ':') || s < strchr(u, ':')) ? s + 1 : u;
	s = *s == '[' ? strchr(s, ']') : s;
	if (!s)
		return 0;
	slash = strchr(u, '/');
	s = strchr(s, ':');
	if (!s || (slash && slash < s))
		return 0;
	if (!s[1])
		return bad(u, "no repository path after the host");
	r->ssh = 1;
	return parse_authority(r, u, (size_t)(s - u), 0);
}

int cmdb__remote_parse_url(cmdb__remote *r)
{
	int rc;

	free(r->host);
	free(r->user);
	r->host = r->user = NULL;
	r->ssh = 0;
	r->port = 0;
	if ((rc = parse(r)) < 0) {
		free(r->host);
		free(r->user);
		r->host = r->user = NULL;
		r->ssh = 0;
	}
	return rc;
}
