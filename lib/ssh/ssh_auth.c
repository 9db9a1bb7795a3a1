/*
 * SSH user authentication: an ed25519/ECDSA key file (passphrase only from an
 * environment variable the config names) or ssh-agent. libssh2 1.10 signs RSA keys
 * only with ssh-rsa (SHA-1), which OpenSSH >= 8.8 refuses, so an RSA key gets a
 * diagnostic saying so instead of a bare "authentication failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/file.h"
#include "ssh/knownhosts.h"
#include "ssh/ssh_int.h"

#define KEYFILE_MAX (64u * 1024)

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The public key type inside an "openssh-key-v1" private key (stored unencrypted). */
static void openssh_key_type(char *out, size_t size, const char *pem)
{
	static const char magic[] = "openssh-key-v1";
	const char *start = strstr(pem, "-----BEGIN OPENSSH PRIVATE KEY-----");
	const char *end = strstr(pem, "-----END OPENSSH PRIVATE KEY-----");
	unsigned char *bin = NULL;
	char *b64 = NULL;
	size_t n = 0, blen = 0, pos;

	if (!start || !end || end < start || !(b64 = cmdb__malloc((size_t)(end - start) + 1)))
		return;
	for (const char *p = start + 35; p < end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			b64[n++] = *p;
	if (cmdb__base64_decode(&bin, &blen, b64, n) < 0 || blen < sizeof(magic) ||
		memcmp(bin, magic, sizeof(magic)))
		goto done;
	pos = sizeof(magic);
	for (int i = 0; i < 3; i++) { /* ciphername, kdfname, kdfoptions */
		if (blen - pos < 4 || get_u32(bin + pos) > blen - pos - 4)
			goto done;
		pos += 4 + get_u32(bin + pos);
	}
	pos += 4; /* number of keys */
	if (pos + 4 <= blen && get_u32(bin + pos) <= blen - pos - 4)
		cmdb__kh_blob_type(out, size, bin + pos + 4, get_u32(bin + pos));
done:
	cmdb_free(b64);
	cmdb_free(bin);
}

/* The first word of <key>.pub, or the key type inside an OpenSSH/PEM private key. */
static void key_type(char *out, size_t size, const char *path, const char *data)
{
	char *pub = cmdb__sprintf("%s.pub", path), *text = NULL;
	size_t len;

	snprintf(out, size, "unknown");
	if (pub && cmdb__file_read(&text, &len, pub, KEYFILE_MAX, 0) < 0)
		cmdb_error_clear(); /* no .pub beside the key: look inside it */
	if (text && sscanf(text, "%63s", out) == 1) {
		out[strcspn(out, " ")] = '\0';
		goto done;
	}
	if (strstr(data, "-----BEGIN RSA PRIVATE KEY-----"))
		snprintf(out, size, "ssh-rsa");
	else if (strstr(data, "-----BEGIN EC PRIVATE KEY-----"))
		snprintf(out, size, "ecdsa");
	else if (strstr(data, "-----BEGIN DSA PRIVATE KEY-----"))
		snprintf(out, size, "ssh-dss");
	else if (strstr(data, "-----BEGIN OPENSSH PRIVATE KEY-----"))
		openssh_key_type(out, size, data);
done:
	cmdb_free(pub);
	cmdb_free(text);
}

static int auth_keyfile(cmdb__ssh_conn *c, const char *user)
{
	const cmdb_ssh_target *t = c->t;
	char *key = NULL, *shown = NULL, type[64];
	const char *pass = NULL;
	size_t len = 0;
	int rc, error = 0;

	if (!(shown = cmdb__sprintf("identity file %s", t->identity_file)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	else
		rc = cmdb__file_read_at(&key, &len, AT_FDCWD, t->identity_file, shown, KEYFILE_MAX,
			CMDB__FILE_SECRET);
	free(shown);
	if (rc == CMDB_ETOOBIG) {
		error = cmdb__error(CMDB_EAUTH,
			"%s: identity file %s is larger than %u bytes: not a private key (an "
			"ed25519 key file is under 1 KiB)",
			c->where, t->identity_file, KEYFILE_MAX);
		goto done;
	}
	if (rc < 0) {
		error = cmdb__error(CMDB_EAUTH, "%s: %s", c->where, cmdb_error_last());
		goto done;
	}
	if (t->passphrase_env && !(pass = getenv(t->passphrase_env))) {
		error = cmdb__error(CMDB_EAUTH, "%s: the passphrase variable %s is not set",
			c->where, t->passphrase_env);
		goto done;
	}
	key_type(type, sizeof(type), t->identity_file, key);
	while ((rc = libssh2_userauth_publickey_frommemory(
			c->s, user, strlen(user), NULL, 0, key, len, pass)) == LIBSSH2_ERROR_EAGAIN)
		if ((error = cmdb__ssh_wait(c)) < 0)
			goto done;
	if (rc == 0)
		goto done;
	if (!strcmp(type, "ssh-rsa"))
		error = cmdb__error(CMDB_EAUTH,
			"%s: %s is an RSA key: libssh2 1.10 can only sign with ssh-rsa (SHA-1), "
			"which OpenSSH 8.8 and later refuse by default; use an ed25519 key "
			"(ssh-keygen -t ed25519) and add it to the host's authorized_keys",
			c->where, t->identity_file);
	else if (rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED ||
		rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED)
		error = cmdb__error(CMDB_EAUTH, "%s: cannot use identity file %s (%s key)%s",
			c->where, t->identity_file, type,
			pass ? ": wrong passphrase or unsupported format"
			     : ": encrypted keys need passphrase_env");
	else
		error = cmdb__ssh_error(c, CMDB_EAUTH, "public key authentication refused");
done:
	if (key) {
		memset(key, 0, len); /* private key material does not linger */
		cmdb_free(key);
	}
	return error;
}

static int auth_agent(cmdb__ssh_conn *c, const char *user)
{
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int rc, error = 0, tried = 0;

	if (!(c->agent = libssh2_agent_init(c->s)))
		return cmdb__ssh_error(c, CMDB_EAUTH, "cannot start ssh-agent support");
	if (libssh2_agent_connect(c->agent) != 0)
		return cmdb__error(CMDB_EAUTH,
			"%s: no identity_file and no ssh-agent ($SSH_AUTH_SOCK) to authenticate "
			"with",
			c->where);
	if (libssh2_agent_list_identities(c->agent) != 0)
		return cmdb__ssh_error(c, CMDB_EAUTH, "cannot list ssh-agent identities");
	while ((rc = libssh2_agent_get_identity(c->agent, &id, prev)) == 0) {
		prev = id;
		tried++;
		while ((rc = libssh2_agent_userauth(c->agent, user, id)) == LIBSSH2_ERROR_EAGAIN)
			if ((error = cmdb__ssh_wait(c)) < 0)
				return error;
		if (rc == 0)
			return 0;
	}
	return cmdb__error(CMDB_EAUTH,
		"%s: authentication refused for all %d ssh-agent keys (RSA keys cannot work "
		"with libssh2 1.10 against OpenSSH >= 8.8; use ed25519)",
		c->where, tried);
}

int cmdb__ssh_auth(cmdb__ssh_conn *c)
{
	const char *user = c->t->user;
	char *list;
	int error;

	while (!(list = libssh2_userauth_list(c->s, user, (unsigned)strlen(user)))) {
		if (libssh2_userauth_authenticated(c->s))
			return 0;
		if (libssh2_session_last_errno(c->s) != LIBSSH2_ERROR_EAGAIN)
			return cmdb__ssh_error(c, CMDB_EAUTH, "cannot list authentication methods");
		if ((error = cmdb__ssh_wait(c)) < 0)
			return error;
	}
	if (!strstr(list, "publickey"))
		return cmdb__error(CMDB_EAUTH,
			"%s: the server does not offer publickey "
			"authentication (offers: %s)",
			c->where, list);
	return c->t->identity_file ? auth_keyfile(c, user) : auth_agent(c, user);
}
