/*
 * One SSH exec against one host (libssh2), with strict host-key checking against
 * a known_hosts file, a deadline on every phase and a cap on the bytes read.
 * Thread-safe: each call owns its own socket and session, so a scan runs many at once
 * (libssh2_init happens once, in cmdb_init). Deadlines hold whatever the server sends
 * (endless pre-banner lines, a byte a second): libssh2's socket reads and writes check
 * them; at most 64 KiB may come before the server's version line.
 */
#ifndef GITCMDB_SSH_H
#define GITCMDB_SSH_H

#include <stddef.h>

#include "common.h"

/*
 * A parsed known_hosts file (OpenSSH format: plain, wildcard and hashed "|1|" host
 * names, "[addr]:port" for non-standard ports, @revoked and @cert-authority markers).
 * Parsing is all-or-nothing: a malformed line fails the whole file, naming the line.
 * Read-only use (checking keys) is safe from many threads at once.
 */
typedef struct cmdb_knownhosts cmdb_knownhosts;

/*
 * Jump sessions shared by many execs (ssh_jump.c): one authenticated session per jump
 * host (per chain of jumps), opened on first use, carrying at most `channels`
 * direct-tcpip channels at once (a caller past that waits for a free one within its
 * deadline), reconnected once when it drops; a jump that cannot be reached fails every
 * target behind it at once with an error naming the jump. Thread-safe: each session is
 * driven by its own thread. The targets given to cmdb_ssh_exec with it (and their jump
 * chains) must outlive it.
 */
typedef struct cmdb_ssh_jumps cmdb_ssh_jumps;

typedef struct cmdb_ssh_target {
	const char *address; /* host name or IP literal (IPv6 without brackets) */
	int port; /* 0 = 22 */
	const char *user;
	const char *identity_file; /* private key path; NULL = ssh-agent ($SSH_AUTH_SOCK) */
	const char *passphrase_env; /* name of the env var holding the key passphrase, or NULL */
	/* known_hosts file checked strictly (missing file = no host known); with hostkeys set,
	 * only the name messages give it (NULL = "known_hosts") */
	const char *known_hosts;
	const char *known_as; /* name the host is recorded under in known_hosts (default address, or
				 [address]:port) */
	int connect_timeout_ms; /* TCP connect; 0 = 10000 */
	int auth_timeout_ms; /* handshake + host key + auth; 0 = 10000 */
	int command_timeout_ms; /* channel open until exit status; 0 = 120000 */
	size_t max_output; /* cap on stdout + stderr bytes; 0 = 64 MiB */
	/* Parsed known_hosts checked instead of reading the file when set: parse once, share
	 * it between threads (read-only). */
	const cmdb_knownhosts *hostkeys;
	/* The whole call, from connect to exit status: every phase ends by then whatever the
	 * server sends (0 = only the phases' own limits). Name resolution is not included. */
	int timeout_ms;
	/* Reach the host through this jump host (its own settings, known_hosts checked like a
	 * target's; its jump field chains further hops), over a direct-tcpip channel. */
	const struct cmdb_ssh_target *jump;
	/* The jump sessions to share (NULL with a jump: a session of this call's own). */
	cmdb_ssh_jumps *jumps;
} cmdb_ssh_target;

/* Jump sessions carrying at most channels (<= 0 = 10, at most 256) channels each. */
CMDB_API int cmdb_ssh_jumps_new(cmdb_ssh_jumps **out, int channels);
/* Close every jump session (waits for their threads); NULL is a no-op. */
CMDB_API void cmdb_ssh_jumps_free(cmdb_ssh_jumps *jumps);

#define CMDB_SSH_DEFAULT_MAX_OUTPUT ((size_t)64 * 1024 * 1024)

typedef struct {
	char *out; /* stdout, NUL-terminated (cmdb_ssh_result_dispose frees) */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	size_t err_len;
	int exit_status; /* valid when has_exit_status */
	int has_exit_status;
	char hostkey_sha256[64]; /* "SHA256:..." of the key the host presented */
} cmdb_ssh_result;

/*
 * Run command (with stdin_data written to its stdin, may be NULL) on the target.
 * On success (0) *res holds the output and the exit status (a non-zero exit status is
 * still success: the caller judges it). Errors: CMDB_EUNREACHABLE, CMDB_ETIMEOUT,
 * CMDB_EHOSTKEY, CMDB_EAUTH (RSA keys get a specific diagnostic), CMDB_ETOOBIG,
 * CMDB_EINVALID (bad target); a command killed by a signal or a channel/connection
 * closed without exit status is CMDB_ERROR. On failure *res is zeroed (nothing to free).
 */
CMDB_API int cmdb_ssh_exec(cmdb_ssh_result *res, const cmdb_ssh_target *t, const char *command,
	const char *stdin_data, size_t stdin_len);
CMDB_API void cmdb_ssh_result_dispose(cmdb_ssh_result *res);

/*
 * Connect, take the host key without trusting it (no authentication is attempted), and
 * return a known_hosts line for it (*line: "name type base64", no newline, cmdb_free)
 * and its "SHA256:..." fingerprint (*fingerprint, cmdb_free). Prefers ed25519.
 */
CMDB_API int cmdb_ssh_fetch_hostkey(char **line, char **fingerprint, const cmdb_ssh_target *t);

/* The name a host is recorded under: "addr" for port 22, else "[addr]:port". */
CMDB_API int cmdb_knownhosts_hostname(char **out, const char *address, int port);

/* Parse known_hosts text; name is used in messages ("known_hosts:3: ..."). */
CMDB_API int cmdb_knownhosts_parse(
	cmdb_knownhosts **out, const char *buf, size_t len, const char *name);
/* Load a file; a missing file gives an empty set. */
CMDB_API int cmdb_knownhosts_load(cmdb_knownhosts **out, const char *path);
CMDB_API void cmdb_knownhosts_free(cmdb_knownhosts *kh);
/* Number of key lines (comments and blank lines not counted). */
CMDB_API size_t cmdb_knownhosts_count(const cmdb_knownhosts *kh);
/*
 * Key line i: its host field as written, key type, "SHA256:..." fingerprint, marker
 * ("" or "@revoked"/"@cert-authority") and 1-based line number. Strings borrowed.
 */
typedef struct {
	const char *hosts;
	const char *type;
	const char *marker;
	char fingerprint[64];
	size_t line;
} cmdb_knownhost;
CMDB_API int cmdb_knownhosts_entry(cmdb_knownhost *out, const cmdb_knownhosts *kh, size_t i);

/* What the file says about a host's key. */
typedef enum {
	CMDB_KH_MATCH = 0, /* recorded with this key */
	CMDB_KH_UNKNOWN = 1, /* no line names the host */
	CMDB_KH_CHANGED = 2, /* recorded with another key of the same type */
	CMDB_KH_OTHERTYPE = 3, /* recorded only under other key types */
	CMDB_KH_REVOKED = 4, /* the key is marked @revoked */
} cmdb_kh_status;

/* Check the key blob (SSH wire format) presented by host (as cmdb_knownhosts_hostname gives it). */
CMDB_API cmdb_kh_status cmdb_knownhosts_check(
	const cmdb_knownhosts *kh, const char *host, const unsigned char *blob, size_t blob_len);

/*
 * Record a known_hosts line "host type base64" (from cmdb_ssh_fetch_hostkey). *status:
 * CMDB_KH_MATCH when already recorded (nothing changes), CMDB_KH_UNKNOWN when appended.
 * When the host has another key recorded: without replace, CMDB_EHOSTKEY naming the line;
 * with replace, every other line naming the host is dropped and *status is CMDB_KH_CHANGED.
 */
CMDB_API int cmdb_knownhosts_add(int *status, cmdb_knownhosts *kh, const char *line, int replace);

/* The file text (comments kept, lines in order, each ending in "\n"); *out is cmdb_free'd. */
CMDB_API int cmdb_knownhosts_format(char **out, size_t *len, const cmdb_knownhosts *kh);

#endif
