/*
 * Jump hosts (ProxyJump): one authenticated session per jump host (per chain of hops)
 * carries the direct-tcpip channels of many targets at once, at most `channels` at a
 * time. A caller asks for a channel and waits, within its own deadlines, for the
 * session's thread (ssh_jump_relay.c) to answer with a socket. A jump that cannot be
 * reached (or refuses its key, or our login) fails every request with an error naming
 * the jump; a session that drops is reconnected once, on the next request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "ssh/ssh_jump.h"

#define DEFAULT_CHANNELS 10

int cmdb_ssh_jumps_new(cmdb_ssh_jumps **out, int channels)
{
	cmdb_ssh_jumps *j;

	*out = NULL;
	if (!(j = cmdb__calloc(1, sizeof(*j))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (pthread_mutex_init(&j->lock, NULL) != 0) {
		cmdb_free(j);
		return cmdb__error(CMDB_ERROR, "cannot create the jump sessions' mutex");
	}
	if (pthread_cond_init(&j->cond, NULL) != 0) {
		pthread_mutex_destroy(&j->lock);
		cmdb_free(j);
		return cmdb__error(CMDB_ERROR, "cannot create the jump sessions' condition");
	}
	j->channels = channels <= 0 ? DEFAULT_CHANNELS : channels > 256 ? 256 : channels;
	*out = j;
	return 0;
}

static void wake(cmdb__jump_sess *s)
{
	char b = 1;

	if (write(s->wake[1], &b, 1) < 0) { /* full pipe: the thread wakes anyway */
	}
}

void cmdb_ssh_jumps_free(cmdb_ssh_jumps *jumps)
{
	cmdb__jump_sess *s, *next;

	if (!jumps)
		return;
	pthread_mutex_lock(&jumps->lock);
	for (s = jumps->list; s; s = s->next) {
		s->quit = 1;
		wake(s);
	}
	pthread_mutex_unlock(&jumps->lock);
	for (s = jumps->list; s; s = next) {
		next = s->next;
		if (s->started)
			pthread_join(s->thread, NULL);
		close(s->wake[0]);
		close(s->wake[1]);
		cmdb_free(s->failure);
		cmdb_free(s);
	}
	pthread_cond_destroy(&jumps->cond);
	pthread_mutex_destroy(&jumps->lock);
	cmdb_free(jumps);
}

/* "u@a:p<u@b:p": the hop and every hop before it (the same host reached another way is
 * another session). */
static void chain_key(char *out, size_t size, const cmdb_ssh_target *t)
{
	size_t n = 0;

	out[0] = '\0';
	for (int depth = 0; t && depth < 16 && n + 1 < size; t = t->jump, depth++) {
		if (depth)
			out[n++] = '<';
		cmdb__ssh_where(out + n, size - n, t);
		n += strlen(out + n);
	}
}

/* The session for jump (under lock), created and its thread started on first use. */
static int session_for(cmdb__jump_sess **out, cmdb_ssh_jumps *jumps, const cmdb_ssh_target *jump)
{
	char key[1024];
	cmdb__jump_sess *s;

	chain_key(key, sizeof(key), jump);
	for (s = jumps->list; s; s = s->next)
		if (!strcmp(s->key, key)) {
			*out = s;
			return 0;
		}
	if (!(s = cmdb__calloc(1, sizeof(*s))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (pipe(s->wake) != 0 || fcntl(s->wake[0], F_SETFL, O_NONBLOCK) != 0 ||
		fcntl(s->wake[1], F_SETFL, O_NONBLOCK) != 0 ||
		fcntl(s->wake[0], F_SETFD, FD_CLOEXEC) != 0 ||
		fcntl(s->wake[1], F_SETFD, FD_CLOEXEC) != 0) {
		cmdb_free(s);
		return cmdb__error(CMDB_ERROR, "cannot create a pipe: %s", strerror(errno));
	}
	s->owner = jumps;
	s->t = jump;
	snprintf(s->key, sizeof(s->key), "%s", key);
	cmdb__ssh_where(s->where, sizeof(s->where), jump);
	if (pthread_create(&s->thread, NULL, cmdb__jump_thread, s) != 0) {
		close(s->wake[0]);
		close(s->wake[1]);
		cmdb_free(s);
		return cmdb__error(CMDB_ERROR, "jump host %s: cannot start its thread", s->where);
	}
	s->started = 1;
	s->next = jumps->list;
	jumps->list = s;
	*out = s;
	return 0;
}

/* Wait on the registry's condition until deadline (CLOCK_MONOTONIC ms); 0 or ETIMEDOUT. */
static int wait_until(cmdb_ssh_jumps *jumps, uint64_t deadline)
{
	struct timespec now, ts;
	uint64_t left, mono = cmdb__ssh_now_ms();

	if (mono >= deadline)
		return ETIMEDOUT;
	left = deadline - mono;
	if (left > 200) /* wake regularly: the realtime clock may jump */
		left = 200;
	clock_gettime(CLOCK_REALTIME, &now);
	ts.tv_sec = now.tv_sec + (time_t)(left / 1000);
	ts.tv_nsec = now.tv_nsec + (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&jumps->cond, &jumps->lock, &ts);
	return 0;
}

static int failed(const cmdb__jump_sess *s)
{
	return cmdb__error(s->code ? s->code : CMDB_EUNREACHABLE, "jump host %s: %s", s->where,
		s->failure ? s->failure : "unreachable");
}

/* Wait for a free channel of s (under lock). */
static int take_slot(cmdb__jump_sess *s, uint64_t deadline, const char *host, int port)
{
	cmdb_ssh_jumps *jumps = s->owner;

	while (s->active >= jumps->channels && s->state != JUMP_FAILED)
		if (wait_until(jumps, deadline) == ETIMEDOUT)
			return cmdb__error(CMDB_ETIMEOUT,
				"jump host %s: no free channel (jump_channels %d) for %s:%d "
				"before the deadline",
				s->where, jumps->channels, host, port);
	if (s->state == JUMP_FAILED)
		return failed(s);
	s->active++;
	return 0;
}

static int ask(cmdb__jump_sess *s, cmdb__jump_req *r, uint64_t deadline)
{
	cmdb_ssh_jumps *jumps = s->owner;

	r->next = s->queue;
	s->queue = r;
	wake(s);
	while (!r->done)
		if (wait_until(jumps, deadline) == ETIMEDOUT) {
			r->abandoned = 1; /* the thread frees it and gives its channel back */
			return cmdb__error(CMDB_ETIMEOUT,
				"jump host %s: timed out %s a channel to %s:%d", s->where,
				s->state == JUMP_UP ? "opening" : "connecting to the jump for",
				r->host, r->port);
		}
	return 0;
}

int cmdb__ssh_jump_open(int *fd, cmdb__jump_sess **sess, cmdb_ssh_jumps *jumps,
	const cmdb_ssh_target *jump, const char *host, int port, uint64_t slot_deadline,
	uint64_t open_deadline)
{
	cmdb__jump_sess *s = NULL;
	cmdb__jump_req *r = NULL;
	int error;

	*fd = -1;
	*sess = NULL;
	if ((error = cmdb__ssh_check_target(jump, 1)) < 0)
		return error;
	pthread_mutex_lock(&jumps->lock);
	if ((error = session_for(&s, jumps, jump)) < 0)
		goto done;
	*sess = s;
	if (s->state == JUMP_FAILED) {
		error = failed(s);
		goto done;
	}
	if ((error = take_slot(s, slot_deadline, host, port)) < 0)
		goto done;
	if (!(r = cmdb__calloc(1, sizeof(*r)))) {
		s->active--;
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	r->host = host;
	r->port = port;
	r->fd = -1;
	if (open_deadline < cmdb__ssh_now_ms() + 1)
		open_deadline = cmdb__ssh_now_ms() + 1;
	if ((error = ask(s, r, open_deadline)) < 0) {
		r = NULL; /* abandoned: the thread's now */
		goto done;
	}
	if (r->code < 0)
		error = cmdb__error(r->code, "jump host %s: %s", s->where, r->msg);
	else
		*fd = r->fd;
done:
	pthread_mutex_unlock(&jumps->lock);
	if (r)
		cmdb_free(r->msg);
	cmdb_free(r);
	return error;
}

void cmdb__jump_answer(cmdb__jump_sess *j, cmdb__jump_req *r, int fd, int code, const char *msg)
{
	if (code < 0 || r->abandoned)
		j->active--; /* the channel was not made, or nobody will use it */
	if (r->abandoned) {
		if (fd >= 0)
			close(fd);
		cmdb_free(r);
	} else {
		r->fd = fd;
		r->code = code;
		r->msg = msg ? cmdb__strdup(msg) : NULL;
		r->done = 1;
	}
	pthread_cond_broadcast(&j->owner->cond);
}

int cmdb__ssh_jump_note(cmdb__jump_sess *sess, int code)
{
	cmdb_ssh_jumps *jumps = sess->owner;
	char *why = NULL, *was = NULL;
	int st;

	pthread_mutex_lock(&jumps->lock);
	st = sess->state;
	if ((st == JUMP_DOWN || st == JUMP_FAILED) && sess->failure)
		why = cmdb__strdup(sess->failure);
	pthread_mutex_unlock(&jumps->lock);
	if (!why || strstr(cmdb_error_last(), "jump host ") ||
		!(was = cmdb__strdup(cmdb_error_last())))
		goto done;
	code = cmdb__error(code, "%s (jump host %s %s: %s)", was, sess->where,
		st == JUMP_DOWN ? "dropped" : "failed", why);
done:
	cmdb_free(why);
	cmdb_free(was);
	return code;
}
