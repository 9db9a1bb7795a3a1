/* Internal: one SSH connection of lib/ssh/ssh.c, shared with the auth code in lib/ssh/ssh_auth.c.
 */
#ifndef CMDB_LIB_SSH_INT_H
#define CMDB_LIB_SSH_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libssh2.h>

#include "gitcmdb/ssh.h"

typedef struct {
	const cmdb_ssh_target *t;
	int sock;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	LIBSSH2_AGENT *agent;
	uint64_t end; /* CLOCK_MONOTONIC ms when the whole call must be over; 0 = no such limit */
	uint64_t deadline; /* CLOCK_MONOTONIC ms of the current phase (never past end) */
	int phase_ms; /* the current phase's budget, for messages */
	int clipped; /* the phase ends at `end`, not after phase_ms */
	const char *phase; /* "connect", "handshake", ... for messages */
	char where[300]; /* "user@address:port", for messages */
	/* Bytes before the server's "SSH-" version line (libssh2 reads it byte by byte, in a
	 * loop that never returns while bytes keep coming): see ssh_io.c. */
	size_t prebanner;
	char head[4]; /* the first bytes of the line being received */
	unsigned head_len;
	int banner_done;
	int flooded; /* the server sent too much before its version line */
	/* Through a jump: the jump's "user@host:port" for messages, and its session (ssh_jump.c) */
	char via[300];
	struct cmdb__jump_sess *jump_sess;
} cmdb__ssh_conn;

/* Most bytes a server may send before its version line (RFC 4253 §4.2 allows other lines). */
#define CMDB__SSH_PREBANNER_MAX (64u * 1024)

/* Host key algorithms libssh2 1.10 can verify, best first (ssh-rsa is SHA-1: last). */
#define CMDB__SSH_HOSTKEY_METHODS                                                                  \
	"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa"

uint64_t cmdb__ssh_now_ms(void);
/* Start a phase with a budget of ms (cut short by the whole call's deadline). */
void cmdb__ssh_phase(cmdb__ssh_conn *c, const char *phase, int ms);
/* Wait until the socket is ready in the direction libssh2 is blocked on; CMDB_ETIMEOUT past the
 * deadline. */
int cmdb__ssh_wait(cmdb__ssh_conn *c);
/* An error carrying libssh2's last message. */
int cmdb__ssh_error(cmdb__ssh_conn *c, int code, const char *what);
/* Authenticate c->t->user with the identity file or the agent. */
int cmdb__ssh_auth(cmdb__ssh_conn *c);
/*
 * Route the session's socket I/O through c (ssh_io.c): every read and write checks the
 * phase's deadline first, and bytes before the version line are counted and capped.
 * The session must have been created with c as its abstract pointer.
 */
void cmdb__ssh_io_attach(cmdb__ssh_conn *c);

/* --- ssh.c: one connection ---------------------------------------------------- */

/*
 * Connect to c->t (directly, or over a channel of its jump's session in jumps), run the
 * handshake offering host key types `methods`. c->sock, c->t must be set (sock -1).
 */
int cmdb__ssh_open(cmdb__ssh_conn *c, cmdb_ssh_jumps *jumps, const char *methods);
/* Graceful goodbye when healthy, then free everything without blocking. */
void cmdb__ssh_close(cmdb__ssh_conn *c, int graceful);

/* --- ssh_hostkey.c: host keys -------------------------------------------------- */

/* The key the server presented (borrowed from the session). */
int cmdb__ssh_hostkey_blob(cmdb__ssh_conn *c, const unsigned char **blob, size_t *len);
/* Host key algorithms to offer: the types known_hosts records for host first. */
void cmdb__ssh_methods_for(char *out, size_t size, const cmdb_knownhosts *kh, const char *host);
/* Check the presented key against kh (khpath names it in messages); fp its fingerprint. */
int cmdb__ssh_check_hostkey(cmdb__ssh_conn *c, const cmdb_knownhosts *kh, const char *host,
	const char *khpath, char fp[64]);
/*
 * Open c to c->t, check its host key strictly (t->hostkeys, else t->known_hosts loaded)
 * and authenticate: what an exec and a jump session both need. fp gets the key's
 * fingerprint. On failure the caller still closes c.
 */
int cmdb__ssh_connect_trusted(cmdb__ssh_conn *c, cmdb_ssh_jumps *jumps, char fp[64]);
/* Check a target's fields (need_user: an exec or a jump, not a key fetch). */
int cmdb__ssh_check_target(const cmdb_ssh_target *t, int need_user);

/* --- ssh_jump.c: jump sessions ------------------------------------------------- */

typedef struct cmdb__jump_sess cmdb__jump_sess;

/*
 * A socket carrying a direct-tcpip channel to host:port through jump's session in jumps
 * (opened on first use). *fd is the caller's (closing it closes the channel); *sess
 * names the session for cmdb__ssh_jump_note. Waits for a free channel until
 * slot_deadline and for the channel until open_deadline (CLOCK_MONOTONIC ms).
 * Errors name the jump.
 */
int cmdb__ssh_jump_open(int *fd, cmdb__jump_sess **sess, cmdb_ssh_jumps *jumps,
	const cmdb_ssh_target *jump, const char *host, int port, uint64_t slot_deadline,
	uint64_t open_deadline);
/* After a failure of a connection through sess: when the jump dropped, say so in the error. */
int cmdb__ssh_jump_note(cmdb__jump_sess *sess, int code);
/* "user@host:port" of a target into out (what messages call it). */
void cmdb__ssh_where(char *out, size_t size, const cmdb_ssh_target *t);

#endif
