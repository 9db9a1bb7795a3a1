/*
 * The thread of one jump session: it alone drives the session's libssh2 calls. It
 * connects (checking the jump's host key and logging in) when the first request comes,
 * opens one direct-tcpip channel per request, and relays each channel to one end of a
 * socketpair whose other end is the target's socket. A target closing its socket
 * closes its channel and frees its slot. A session that drops cuts its channels (their
 * targets fail, the jump named) and is connected again for the next request; a jump
 * that cannot be connected fails every request, now and later.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "ssh/ssh_jump.h"

#define CHUNK 32768
#define MAX_RECONNECTS 3
#define POLL_MS 100

typedef struct chan {
	struct chan *next;
	LIBSSH2_CHANNEL *ch;
	int fd; /* our end of the socketpair; -1 once closed */
	char up[CHUNK]; /* target -> jump */
	size_t up_len;
	char down[CHUNK]; /* jump -> target */
	size_t down_off, down_len;
	int fd_eof, dead;
} chan;

typedef struct {
	cmdb__jump_sess *j;
	cmdb__ssh_conn c;
	chan *chans;
	cmdb__jump_req *opening; /* taken from the queue, oldest first */
	int up;
} relay;

/* Errors that mean the session itself is gone, not one channel. */
static int session_lost(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_SOCKET_NONE: return 1;
	default: return 0;
	}
}

static const char *last_error(relay *R)
{
	char *msg = NULL;

	if (R->c.s)
		libssh2_session_last_error(R->c.s, &msg, NULL, 0);
	return msg && *msg ? msg : "connection lost";
}

/* Answer every request taken but not opened (under lock). */
static void fail_opening(relay *R, int code, const char *msg)
{
	while (R->opening) {
		cmdb__jump_req *r = R->opening;
		R->opening = r->next;
		cmdb__jump_answer(R->j, r, -1, code, msg);
	}
}

/* Move new requests from the queue (newest first) to the end of R->opening. */
static void take_requests(relay *R)
{
	cmdb__jump_req *rev = NULL, **tail = &R->opening;

	while (R->j->queue) {
		cmdb__jump_req *r = R->j->queue;
		R->j->queue = r->next;
		r->next = rev;
		rev = r;
	}
	while (*tail)
		tail = &(*tail)->next;
	*tail = rev;
}

static void close_chan(relay *R, chan *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	c->dead = 1;
	pthread_mutex_lock(&R->j->owner->lock);
	R->j->active--;
	pthread_cond_broadcast(&R->j->owner->cond);
	pthread_mutex_unlock(&R->j->owner->lock);
}

/* The session is gone: cut every channel, keep the requests for a new session. */
static void drop(relay *R, const char *why)
{
	char *msg = cmdb__strdup(why);

	for (chan *c = R->chans, *next; c; c = next) {
		next = c->next;
		close_chan(R, c);
		cmdb_free(c);
	}
	R->chans = NULL;
	cmdb__ssh_close(&R->c, 0);
	R->up = 0;
	pthread_mutex_lock(&R->j->owner->lock);
	R->j->state = JUMP_DOWN;
	R->j->code = CMDB_EUNREACHABLE;
	cmdb_free(R->j->failure);
	R->j->failure = msg;
	pthread_mutex_unlock(&R->j->owner->lock);
}

static void connect_jump(relay *R)
{
	cmdb__jump_sess *j = R->j;
	char fp[64], *msg = NULL;
	const char *m;
	size_t wl;
	int code;

	memset(&R->c, 0, sizeof(R->c));
	R->c.sock = -1;
	R->c.t = j->t;
	cmdb_error_clear();
	if ((code = cmdb__ssh_connect_trusted(&R->c, j->owner, fp)) == 0) {
		R->c.end = 0;
		R->c.deadline = UINT64_MAX; /* the relay has no deadline: its targets do */
		R->up = 1;
		pthread_mutex_lock(&j->owner->lock);
		j->state = JUMP_UP;
		pthread_mutex_unlock(&j->owner->lock);
		return;
	}
	/* "jump host u@j:22: connect: refused", not "...: u@j:22: connect: refused" */
	m = cmdb_error_last();
	wl = strlen(R->c.where);
	if (wl && !strncmp(m, R->c.where, wl) && !strncmp(m + wl, ": ", 2))
		m += wl + 2;
	msg = cmdb__strdup(m);
	cmdb__ssh_close(&R->c, 0);
	pthread_mutex_lock(&j->owner->lock);
	j->state = JUMP_FAILED;
	j->code = code;
	cmdb_free(j->failure);
	j->failure = msg;
	fail_opening(R, code, msg ? msg : "out of memory");
	pthread_mutex_unlock(&j->owner->lock);
}

/* Open the oldest request's channel; 1 progress, 0 would block, -1 session lost. */
static int open_one(relay *R)
{
	cmdb__jump_req *r = R->opening;
	LIBSSH2_CHANNEL *ch;
	chan *c = NULL;
	int sv[2] = {-1, -1}, rc;
	char msg[600];

	if (!r)
		return 0;
	ch = libssh2_channel_direct_tcpip_ex(R->c.s, r->host, r->port, "127.0.0.1", 22);
	if (!ch && (rc = libssh2_session_last_errno(R->c.s)) == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (!ch && session_lost(rc))
		return -1;
	pthread_mutex_lock(&R->j->owner->lock);
	R->opening = r->next;
	if (!ch) {
		snprintf(msg, sizeof(msg), "refused a channel to %s:%d: %s", r->host, r->port,
			last_error(R));
		cmdb__jump_answer(R->j, r, -1, CMDB_EUNREACHABLE, msg);
	} else if (!(c = cmdb__calloc(1, sizeof(*c))) ||
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		cmdb_free(c);
		c = NULL;
		libssh2_channel_free(ch);
		cmdb__jump_answer(R->j, r, -1, CMDB_ERROR, "cannot make a socketpair");
	} else {
		c->ch = ch;
		c->fd = sv[0];
		c->next = R->chans;
		R->chans = c;
		cmdb__jump_answer(R->j, r, sv[1], 0, NULL);
	}
	pthread_mutex_unlock(&R->j->owner->lock);
	return 1;
}

/* Move bytes both ways on one channel; 1 progress, 0 none, -1 session lost. */
static int pump(relay *R, chan *c)
{
	ssize_t n;
	int progress = 0;

	if (!c->fd_eof && c->up_len < CHUNK) {
		n = recv(c->fd, c->up + c->up_len, CHUNK - c->up_len, 0);
		if (n > 0)
			c->up_len += (size_t)n, progress = 1;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->fd_eof = 1, progress = 1;
	}
	if (c->up_len) {
		n = libssh2_channel_write(c->ch, c->up, c->up_len);
		if (n > 0) {
			memmove(c->up, c->up + n, c->up_len - (size_t)n);
			c->up_len -= (size_t)n;
			progress = 1;
		} else if (n != LIBSSH2_ERROR_EAGAIN) {
			return session_lost((int)n) ? -1 : (close_chan(R, c), 1);
		}
	}
	if (c->fd_eof && !c->up_len) { /* the target hung up: the channel goes too */
		close_chan(R, c);
		return 1;
	}
	if (c->down_off == c->down_len) {
		c->down_off = c->down_len = 0;
		n = libssh2_channel_read(c->ch, c->down, CHUNK);
		if (n > 0)
			c->down_len = (size_t)n, progress = 1;
		else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			return session_lost((int)n) ? -1 : (close_chan(R, c), 1);
		else if (libssh2_channel_eof(c->ch)) /* the far end hung up */
			return close_chan(R, c), 1;
	}
	if (c->down_off < c->down_len) {
		n = send(c->fd, c->down + c->down_off, c->down_len - c->down_off, MSG_NOSIGNAL);
		if (n > 0)
			c->down_off += (size_t)n, progress = 1;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return close_chan(R, c), 1;
	}
	return progress;
}

/* Free the channels whose socket closed (libssh2 may need a few rounds to say goodbye). */
static void reap(relay *R)
{
	for (chan **p = &R->chans; *p;) {
		chan *c = *p;
		int rc = c->dead ? libssh2_channel_free(c->ch) : 1;
		if (rc == 0 || (c->dead && rc != LIBSSH2_ERROR_EAGAIN)) {
			*p = c->next;
			cmdb_free(c);
		} else {
			p = &c->next;
		}
	}
}

/* Passes until nothing moves; -1 when the session was lost. */
static int relay_pass(relay *R)
{
	for (int round = 0; round < 64; round++) {
		int progress = 0, rc;

		if ((rc = open_one(R)) < 0)
			return -1;
		progress |= rc;
		for (chan *c = R->chans; c; c = c->next) {
			if (c->dead)
				continue;
			if ((rc = pump(R, c)) < 0)
				return -1;
			progress |= rc;
		}
		reap(R);
		if (!progress)
			return 0;
	}
	return 0;
}

/* Data libssh2 already holds for a channel we could take now: no reason to sleep. */
static int pending(relay *R)
{
	for (chan *c = R->chans; c; c = c->next)
		if (!c->dead && c->down_off == c->down_len && libssh2_poll_channel_read(c->ch, 0))
			return 1;
	return 0;
}

static void wait_events(relay *R)
{
	struct pollfd pfd[2 + 256];
	size_t n = 0;
	int busy = R->up && (R->chans || R->opening);
	char drain[64];

	pfd[n++] = (struct pollfd){R->j->wake[0], POLLIN, 0};
	if (busy) {
		int dir = libssh2_session_block_directions(R->c.s);
		pfd[n++] = (struct pollfd){R->c.sock,
			(short)(POLLIN | (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND ? POLLOUT : 0)), 0};
	}
	for (chan *c = R->chans; c && n < sizeof(pfd) / sizeof(pfd[0]); c = c->next) {
		short ev = 0;
		if (c->dead)
			continue;
		if (!c->fd_eof && c->up_len < CHUNK)
			ev |= POLLIN;
		if (c->down_off < c->down_len)
			ev |= POLLOUT;
		pfd[n++] = (struct pollfd){c->fd, ev, 0};
	}
	if (!(busy && pending(R)))
		poll(pfd, (nfds_t)n, busy ? POLL_MS : -1);
	while (read(R->j->wake[0], drain, sizeof(drain)) > 0)
		;
}

static void shut(relay *R)
{
	for (chan *c = R->chans, *next; c; c = next) {
		next = c->next;
		close_chan(R, c);
		cmdb_free(c);
	}
	R->chans = NULL;
	cmdb__ssh_close(&R->c, R->up);
	pthread_mutex_lock(&R->j->owner->lock);
	take_requests(R);
	fail_opening(R, CMDB_ERROR, "the jump session was closed");
	pthread_mutex_unlock(&R->j->owner->lock);
}

void *cmdb__jump_thread(void *arg)
{
	relay R;
	cmdb__jump_sess *j = arg;

	memset(&R, 0, sizeof(R));
	R.j = j;
	R.c.sock = -1;
	for (;;) {
		int state, quit, reconnects;

		pthread_mutex_lock(&j->owner->lock);
		take_requests(&R);
		state = j->state;
		quit = j->quit;
		reconnects = j->reconnects;
		if (!quit && R.opening && !R.up && state == JUMP_DOWN)
			j->reconnects++;
		if (!quit && R.opening && !R.up &&
			(state == JUMP_FAILED || reconnects >= MAX_RECONNECTS)) {
			j->state = JUMP_FAILED;
			fail_opening(&R, j->code ? j->code : CMDB_EUNREACHABLE,
				j->failure ? j->failure : "unreachable");
		}
		pthread_mutex_unlock(&j->owner->lock);
		if (quit)
			break;
		if (R.opening && !R.up) {
			connect_jump(&R);
			continue;
		}
		if (R.up && relay_pass(&R) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "the session dropped: %s", last_error(&R));
			drop(&R, why);
			continue;
		}
		wait_events(&R);
	}
	shut(&R);
	return NULL;
}
