/*
 * Host keys of a connection, checked strictly against known_hosts: the same check for
 * a target and for every jump host on its way (a jump is trusted no more than a target).
 */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "ssh/knownhosts.h"
#include "ssh/ssh_int.h"

int cmdb__ssh_hostkey_blob(cmdb__ssh_conn *c, const unsigned char **blob, size_t *len)
{
	int type;

	if (!(*blob = (const unsigned char *)libssh2_session_hostkey(c->s, len, &type)) || !*len)
		return cmdb__ssh_error(c, CMDB_EHOSTKEY, "no host key");
	return 0;
}

void cmdb__ssh_methods_for(char *out, size_t size, const cmdb_knownhosts *kh, const char *host)
{
	char all[] = CMDB__SSH_HOSTKEY_METHODS, *save = NULL, known[512];
	size_t len = 0;

	cmdb__kh_types(known, sizeof(known), kh, host);
	out[0] = '\0';
	for (char *m = strtok_r(all, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		char pat[80];
		snprintf(pat, sizeof(pat), ",%s,", m);
		char kn[600];
		snprintf(kn, sizeof(kn), ",%s,", known);
		if (strstr(kn, pat))
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", m);
	}
	strcpy(all, CMDB__SSH_HOSTKEY_METHODS);
	for (char *m = strtok_r(all, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		char pat[80], have[600];
		snprintf(pat, sizeof(pat), ",%s,", m);
		snprintf(have, sizeof(have), ",%s,", out);
		if (!strstr(have, pat))
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", m);
	}
}

int cmdb__ssh_check_hostkey(cmdb__ssh_conn *c, const cmdb_knownhosts *kh, const char *host,
	const char *khpath, char fp[64])
{
	const unsigned char *blob;
	size_t len;
	char type[64], known[512];
	int error;

	if ((error = cmdb__ssh_hostkey_blob(c, &blob, &len)) < 0)
		return error;
	cmdb__kh_fingerprint(fp, blob, len);
	if (cmdb__kh_blob_type(type, sizeof(type), blob, len) < 0)
		return cmdb__error(CMDB_EHOSTKEY, "%s: malformed host key", c->where);
	switch (cmdb_knownhosts_check(kh, host, blob, len)) {
	case CMDB_KH_MATCH: return 0;
	case CMDB_KH_UNKNOWN:
		return cmdb__error(CMDB_EHOSTKEY,
			"%s: host key of %s (%s %s) is not in %s; refusing to connect: record it "
			"with 'gitcmdb hostkeys enroll'",
			c->where, host, type, fp, khpath);
	case CMDB_KH_REVOKED:
		return cmdb__error(CMDB_EHOSTKEY, "%s: host key %s %s is marked @revoked in %s",
			c->where, type, fp, khpath);
	case CMDB_KH_CHANGED:
		return cmdb__error(CMDB_EHOSTKEY,
			"%s: HOST KEY CHANGED for %s: it presents %s %s, which %s does not record; "
			"refusing (possible man-in-the-middle). If the change is legitimate, "
			"verify "
			"the key out of band and run 'gitcmdb hostkeys enroll --replace'",
			c->where, host, type, fp, khpath);
	default:
		cmdb__kh_types(known, sizeof(known), kh, host);
		return cmdb__error(CMDB_EHOSTKEY,
			"%s: %s presents a %s key (%s) but %s records only %s for it; refusing. "
			"Verify out of band, then 'gitcmdb hostkeys enroll --replace'",
			c->where, host, type, fp, khpath, known);
	}
}

int cmdb__ssh_connect_trusted(cmdb__ssh_conn *c, cmdb_ssh_jumps *jumps, char fp[64])
{
	const cmdb_ssh_target *t = c->t;
	cmdb_knownhosts *loaded = NULL;
	const cmdb_knownhosts *kh;
	char *host = NULL, methods[512];
	int error;

	if (!(kh = t->hostkeys)) {
		if ((error = cmdb_knownhosts_load(&loaded, t->known_hosts)) < 0)
			goto done;
		kh = loaded;
	}
	if (t->known_as)
		host = cmdb__strdup(t->known_as);
	else if ((error = cmdb_knownhosts_hostname(&host, t->address, t->port)) < 0)
		goto done;
	if (!host) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	cmdb__ssh_methods_for(methods, sizeof(methods), kh, host);
	if ((error = cmdb__ssh_open(c, jumps, methods)) < 0 ||
		(error = cmdb__ssh_check_hostkey(
			 c, kh, host, t->known_hosts ? t->known_hosts : "known_hosts", fp)) < 0)
		goto done;
	cmdb__ssh_phase(c, "authentication", t->auth_timeout_ms > 0 ? t->auth_timeout_ms : 10000);
	error = cmdb__ssh_auth(c);
done:
	cmdb_knownhosts_free(loaded);
	cmdb_free(host);
	return error;
}
