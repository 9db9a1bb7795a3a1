/* Internal: one SSH connection of lib/ssh/ssh.c, shared with the auth code in lib/ssh/ssh_auth.c.
 */
#ifndef CMDB_LIB_SSH_INT_H
#define CMDB_LIB_SSH_INT_H

#include <stdint.h>

#include <libssh2.h>

#include "gitcmdb/ssh.h"

typedef struct {
	const cmdb_ssh_target *t;
	int sock;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	LIBSSH2_AGENT *agent;
	uint64_t deadline; /* CLOCK_MONOTONIC ms of the current phase */
	int phase_ms; /* the current phase's budget, for messages */
	const char *phase; /* "connect", "handshake", ... for messages */
	char where[300]; /* "user@address:port", for messages */
} cmdb__ssh_conn;

uint64_t cmdb__ssh_now_ms(void);
/* Start a phase with a budget of ms. */
void cmdb__ssh_phase(cmdb__ssh_conn *c, const char *phase, int ms);
/* Wait until the socket is ready in the direction libssh2 is blocked on; CMDB_ETIMEOUT past the
 * deadline. */
int cmdb__ssh_wait(cmdb__ssh_conn *c);
/* An error carrying libssh2's last message. */
int cmdb__ssh_error(cmdb__ssh_conn *c, int code, const char *what);
/* Authenticate c->t->user with the identity file or the agent. */
int cmdb__ssh_auth(cmdb__ssh_conn *c);

#endif
