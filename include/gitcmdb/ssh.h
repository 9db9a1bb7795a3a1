/*
 * One SSH exec against one host (libssh2), with strict host-key checking against
 * a known_hosts file, a deadline on every phase and a cap on the bytes read.
 * Thread-safe: each call owns its own socket and session, so a scan runs many at once.
 */
#ifndef GITCMDB_SSH_H
#define GITCMDB_SSH_H

#include <stddef.h>

#include "common.h"

typedef struct {
	const char *address;       /* host name or IP literal */
	int port;
	const char *user;
	const char *identity_file; /* private key path; NULL = ssh-agent */
	const char *passphrase_env;/* name of the env var holding the key passphrase, or NULL */
	const char *known_hosts;   /* known_hosts file checked strictly */
	const char *known_as;      /* name the host is recorded under in known_hosts (default address, or [address]:port) */
	int connect_timeout_ms;    /* TCP connect; default 10000 */
	int auth_timeout_ms;       /* handshake + auth; default 10000 */
	int command_timeout_ms;    /* the exec until exit status; default 120000 */
	size_t max_output;         /* cap on stdout + stderr bytes; default 64 MiB */
} cmdb_ssh_target;

typedef struct {
	char *out;          /* stdout, NUL-terminated (cmdb_ssh_result_dispose frees) */
	size_t out_len;
	char *err;          /* stderr, NUL-terminated */
	size_t err_len;
	int exit_status;    /* valid when has_exit_status */
	int has_exit_status;
	char hostkey_sha256[64]; /* "SHA256:..." of the key the host presented */
} cmdb_ssh_result;

/*
 * Run command (with stdin_data written to its stdin, may be NULL) on the target.
 * Errors: CMDB_EUNREACHABLE, CMDB_ETIMEOUT, CMDB_EHOSTKEY, CMDB_EAUTH (RSA keys get a
 * specific diagnostic), CMDB_ETOOBIG; a channel closed without exit status is CMDB_ERROR.
 */
CMDB_API int cmdb_ssh_exec(cmdb_ssh_result *res, const cmdb_ssh_target *t, const char *command,
	const char *stdin_data, size_t stdin_len);
CMDB_API void cmdb_ssh_result_dispose(cmdb_ssh_result *res);

/*
 * Connect, take the host key without trusting it, and return a known_hosts line
 * for it (*line, cmdb_free) and its "SHA256:..." fingerprint (*fingerprint, cmdb_free).
 */
CMDB_API int cmdb_ssh_fetch_hostkey(char **line, char **fingerprint, const cmdb_ssh_target *t);

#endif
