/*
 * Fuzz the remote URL parser (cmdb__remote_parse_url: ssh://, scp-like, anything else).
 * Invariants: it answers 0 or CMDB_EINVALID; a failure leaves nothing set; an SSH URL
 * has a non-empty host, a port from 1 to 65535, no empty user, and neither holds a
 * character that delimits a URL's parts; the ssh:// URL built
 * back from host, user and port parses to the same three; parsing twice gives the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"
#include "remote/remote_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check(const cmdb__remote *r, int rc)
{
	if (rc != 0 && rc != CMDB_EINVALID)
		abort();
	if (rc != 0) {
		if (r->ssh || r->host || r->user)
			abort();
		return;
	}
	if (!r->ssh) {
		if (r->host || r->user)
			abort();
		return;
	}
	if (!r->host || !*r->host || r->port < 1 || r->port > 65535)
		abort();
	if (r->user && !*r->user)
		abort();
}

/* ssh://[user@]host:port/path, the host bracketed when it holds a ':' */
static void round_trip(const cmdb__remote *r)
{
	cmdb__remote again;
	size_t n = strlen(r->host) + (r->user ? strlen(r->user) : 0) + 32;
	char *url = malloc(n);
	int br = strchr(r->host, ':') != NULL;

	if (!url)
		return;
	/* none of the characters that delimit a URL's parts */
	if (strpbrk(r->host, "@[]/%") || (r->user && strpbrk(r->user, "@[]/%:")))
		abort();
	snprintf(url, n, "ssh://%s%s%s%s%s:%d/p", r->user ? r->user : "", r->user ? "@" : "",
		br ? "[" : "", r->host, br ? "]" : "", r->port);
	memset(&again, 0, sizeof(again));
	again.url = url;
	if (cmdb__remote_parse_url(&again) != 0 || !again.ssh || !same(again.host, r->host) ||
		!same(again.user, r->user) || again.port != r->port) {
		abort();
	}
	free(again.host);
	free(again.user);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cmdb__remote r, twice;
	char *url;
	int rc;

	if (size > 4096 || memchr(data, 0, size)) /* git config values hold no NUL */
		return 0;
	if (!(url = malloc(size + 1)))
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	memset(&r, 0, sizeof(r));
	r.url = url;
	rc = cmdb__remote_parse_url(&r);
	check(&r, rc);
	/* a second parse of the same struct frees the first one's fields and agrees */
	twice = r;
	twice.host = r.host ? strdup(r.host) : NULL;
	twice.user = r.user ? strdup(r.user) : NULL;
	if (cmdb__remote_parse_url(&twice) != rc || twice.ssh != r.ssh ||
		!same(twice.host, r.host) || !same(twice.user, r.user) || twice.port != r.port)
		abort();
	if (rc == 0 && r.ssh)
		round_trip(&r);
	free(twice.host);
	free(twice.user);
	free(r.host);
	free(r.user);
	free(url);
	return 0;
}
