/*
 * Internal: a jump session (ssh_jump.c, the callers' side) and its relay thread
 * (ssh_jump_relay.c). The thread alone drives the libssh2 session; callers only touch
 * the fields under `lock`. Each channel is relayed to one end of a socketpair whose
 * other end becomes the target's socket, so the target's own libssh2 session (its
 * handshake, host key check and command) runs over the channel unchanged.
 */
#ifndef CMDB_LIB_SSH_JUMP_H
#define CMDB_LIB_SSH_JUMP_H

#include <pthread.h>
#include <stdint.h>

#include "ssh/ssh_int.h"

/* A caller's request for a channel to host:port; answered by the thread under lock. */
typedef struct cmdb__jump_req {
	struct cmdb__jump_req *next;
	const char *host;
	int port;
	int fd; /* answer: the caller's end of the socketpair, or -1 */
	int code; /* answer: 0 or CMDB_E* */
	char *msg; /* answer: why not (cmdb_free) */
	int done; /* answered */
	int abandoned; /* the caller left (deadline): the thread frees the request */
} cmdb__jump_req;

enum {
	JUMP_IDLE,
	JUMP_UP,
	JUMP_DOWN,
	JUMP_FAILED
};

struct cmdb__jump_sess {
	struct cmdb__jump_sess *next;
	cmdb_ssh_jumps *owner;
	const cmdb_ssh_target *t; /* the jump host (borrowed: outlives the registry) */
	char key[1024]; /* the chain of hops, "u@a:p<u@b:p..." */
	char where[300]; /* "user@host:port" of the jump, for messages */
	pthread_t thread;
	int started;
	int wake[2]; /* a caller writes a byte: new request or quit */
	/* under owner->lock */
	int state; /* JUMP_* */
	int quit;
	int active; /* channels open, opening or asked for */
	int reconnects;
	int code; /* JUMP_FAILED / JUMP_DOWN: why */
	char *failure;
	cmdb__jump_req *queue; /* requests not yet taken by the thread */
};

struct cmdb_ssh_jumps {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast on every answer and freed channel */
	int channels;
	cmdb__jump_sess *list;
};

/* The thread of one jump session (ssh_jump_relay.c). */
void *cmdb__jump_thread(void *arg);

/* Answer r (under lock): the fd or the error; an abandoned request is freed instead. */
void cmdb__jump_answer(cmdb__jump_sess *j, cmdb__jump_req *r, int fd, int code, const char *msg);

#endif
