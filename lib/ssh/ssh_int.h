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
} cmdb__ssh_conn;

/* Most bytes a server may send before its version line (RFC 4253 §4.2 allows other lines). */
#define CMDB__SSH_PREBANNER_MAX (64u * 1024)

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

#endif
