/*
 * cmdb_ssh_exec: one command on one host over libssh2, never blocking past a
 * deadline. The socket is non-blocking and the session too; every libssh2 call that
 * says EAGAIN is retried after poll() on the directions libssh2 is blocked on, for
 * at most the time left in the current phase (connect, handshake+auth, command),
 * and never past the deadline of the whole call. libssh2's own reads and writes go
 * through ssh_io.c, which enforces the same deadline inside libssh2's loops.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "ssh/knownhosts.h"
#include "ssh/ssh_int.h"

#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_AUTH_MS 10000
#define DEFAULT_COMMAND_MS 120000

uint64_t cmdb__ssh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cmdb__ssh_phase(cmdb__ssh_conn *c, const char *phase, int ms)
{
	c->phase = phase;
	c->phase_ms = ms;
	c->deadline = cmdb__ssh_now_ms() + (uint64_t)ms;
	c->clipped = c->end && c->deadline >= c->end;
	if (c->clipped)
		c->deadline = c->end;
}

static int timed_out(cmdb__ssh_conn *c)
{
	if (c->clipped)
		return cmdb__error(CMDB_ETIMEOUT,
			"%s: %s timed out: the host's %d ms deadline passed", c->where, c->phase,
			c->t->timeout_ms);
	return cmdb__error(
		CMDB_ETIMEOUT, "%s: %s timed out after %d ms", c->where, c->phase, c->phase_ms);
}

static int poll_left(cmdb__ssh_conn *c, short events)
{
	struct pollfd pfd = {c->sock, events, 0};
	int rc;

	do { /* a signal must not pass for readiness (connect() checks SO_ERROR next) */
		uint64_t now = cmdb__ssh_now_ms();
		if (now >= c->deadline)
			return timed_out(c);
		rc = poll(&pfd, 1, (int)(c->deadline - now));
	} while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return timed_out(c);
	if (rc < 0)
		return cmdb__error(CMDB_ERROR, "%s: poll: %s", c->where, strerror(errno));
	return 0;
}

int cmdb__ssh_wait(cmdb__ssh_conn *c)
{
	int dir = libssh2_session_block_directions(c->s);
	short ev = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= POLLOUT;
	return poll_left(c, ev ? ev : POLLIN);
}

int cmdb__ssh_error(cmdb__ssh_conn *c, int code, const char *what)
{
	char *msg = NULL;

	if (c->s)
		libssh2_session_last_error(c->s, &msg, NULL, 0);
	return cmdb__error(code, "%s: %s: %s", c->where, what, msg && *msg ? msg : "unknown error");
}

/* Try each address of the host until one accepts, within the connect deadline. */
static int tcp_connect(cmdb__ssh_conn *c)
{
	struct addrinfo hints = {0}, *ai = NULL, *a;
	char port[16];
	int rc, error = 0, err = 0;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", c->t->port ? c->t->port : 22);
	if ((rc = getaddrinfo(c->t->address, port, &hints, &ai)) != 0)
		return cmdb__error(CMDB_EUNREACHABLE, "%s: cannot resolve address: %s", c->where,
			gai_strerror(rc));
	for (a = ai; a; a = a->ai_next) {
		socklen_t sl = sizeof(err);

		c->sock = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			a->ai_protocol);
		if (c->sock < 0) {
			err = errno;
			continue;
		}
		if (connect(c->sock, a->ai_addr, a->ai_addrlen) == 0)
			goto done;
		if (errno != EINPROGRESS) {
			err = errno;
		} else if ((error = poll_left(c, POLLOUT)) < 0) {
			goto done;
		} else if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0) {
			goto done;
		}
		close(c->sock);
		c->sock = -1;
	}
	error = cmdb__error(CMDB_EUNREACHABLE, "%s: connect: %s", c->where, strerror(err));
done:
	freeaddrinfo(ai);
	return error;
}

void cmdb__ssh_where(char *out, size_t size, const cmdb_ssh_target *t)
{
	snprintf(out, size, "%s@%s%s%s:%d", t->user ? t->user : "?",
		strchr(t->address, ':') ? "[" : "", t->address, strchr(t->address, ':') ? "]" : "",
		t->port ? t->port : 22);
}

/*
 * The socket to the target through its jump: the wait for a free channel may take
 * the whole call's time (or connect + handshake + command when it has none), the
 * jump's own connection and the channel the connect and handshake budgets.
 */
static int jump_connect(cmdb__ssh_conn *c, cmdb_ssh_jumps *jumps)
{
	const cmdb_ssh_target *t = c->t;
	uint64_t now = cmdb__ssh_now_ms();
	uint64_t open_ms =
		(uint64_t)(t->connect_timeout_ms > 0 ? t->connect_timeout_ms : DEFAULT_CONNECT_MS) +
		(uint64_t)(t->auth_timeout_ms > 0 ? t->auth_timeout_ms : DEFAULT_AUTH_MS);
	uint64_t slot = c->end ? c->end
			       : now + open_ms +
			(uint64_t)(t->command_timeout_ms > 0 ? t->command_timeout_ms
							     : DEFAULT_COMMAND_MS);
	uint64_t open_end = now + open_ms;

	if (c->end && open_end > c->end)
		open_end = c->end;
	cmdb__ssh_where(c->via, sizeof(c->via), t->jump);
	return cmdb__ssh_jump_open(&c->sock, &c->jump_sess, jumps, t->jump, t->address,
		t->port ? t->port : 22, slot, open_end);
}

int cmdb__ssh_open(cmdb__ssh_conn *c, cmdb_ssh_jumps *jumps, const char *methods)
{
	const cmdb_ssh_target *t = c->t;
	int rc, error;

	cmdb__ssh_where(c->where, sizeof(c->where), t);
	if (t->jump) { /* messages name the route: "u@target:22 via u@jump:22" */
		size_t n = strlen(c->where);
		snprintf(c->where + n, sizeof(c->where) - n, " via ");
		n = strlen(c->where);
		cmdb__ssh_where(c->where + n, sizeof(c->where) - n, t->jump);
	}
	if (t->timeout_ms > 0)
		c->end = cmdb__ssh_now_ms() + (uint64_t)t->timeout_ms;
	if (t->jump) {
		if ((error = jump_connect(c, jumps)) < 0)
			return error;
	} else {
		cmdb__ssh_phase(c, "connect",
			t->connect_timeout_ms > 0 ? t->connect_timeout_ms : DEFAULT_CONNECT_MS);
		if ((error = tcp_connect(c)) < 0)
			return error;
	}
	cmdb__ssh_phase(
		c, "handshake", t->auth_timeout_ms > 0 ? t->auth_timeout_ms : DEFAULT_AUTH_MS);
	/* c is the session's abstract pointer: ssh_io.c finds the deadline through it. */
	if (!(c->s = libssh2_session_init_ex(NULL, NULL, NULL, c)))
		return cmdb__error(CMDB_ERROR, "%s: cannot create an SSH session", c->where);
	cmdb__ssh_io_attach(c);
	libssh2_session_set_blocking(c->s, 0);
	if (libssh2_session_method_pref(c->s, LIBSSH2_METHOD_HOSTKEY, methods) != 0)
		return cmdb__ssh_error(c, CMDB_ERROR, "host key algorithms");
	while ((rc = libssh2_session_handshake(c->s, c->sock)) == LIBSSH2_ERROR_EAGAIN)
		if ((error = cmdb__ssh_wait(c)) < 0)
			return error;
	if (rc != 0 && c->flooded)
		return cmdb__error(CMDB_EUNREACHABLE,
			"%s: SSH handshake failed: the server sent over %u bytes without an SSH "
			"version line (not an SSH server?)",
			c->where, CMDB__SSH_PREBANNER_MAX);
	if (rc != 0)
		return cmdb__ssh_error(c, CMDB_EUNREACHABLE, "SSH handshake failed");
	return 0;
}

/* Graceful goodbye when the session is healthy, then never block again: shut the socket first. */
void cmdb__ssh_close(cmdb__ssh_conn *c, int graceful)
{
	if (c->s && graceful) {
		cmdb__ssh_phase(c, "disconnect", 1000);
		while (libssh2_session_disconnect(c->s, "bye") == LIBSSH2_ERROR_EAGAIN)
			if (cmdb__ssh_wait(c) < 0)
				break;
	}
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);
	/*
	 * From here on the socket is shut, so it fails at once: let ssh_io.c pass every read
	 * and write through (past the deadline it would say "would block", and libssh2 could
	 * never finish freeing the channel and session).
	 */
	c->deadline = UINT64_MAX;
	if (c->agent) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
	}
	for (int i = 0; c->ch && i < 100 && libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN;
		i++)
		;
	for (int i = 0; c->s && i < 100 && libssh2_session_free(c->s) == LIBSSH2_ERROR_EAGAIN; i++)
		;
	if (c->sock >= 0)
		close(c->sock);
	c->ch = NULL;
	c->s = NULL;
	c->agent = NULL;
	c->sock = -1;
}

/* Add to the capped pair of buffers; the cap is on stdout + stderr together. */
static int take(cmdb__ssh_conn *c, cmdb_buf *b, const cmdb_buf *other, const char *d, size_t n)
{
	size_t cap = c->t->max_output ? c->t->max_output : CMDB_SSH_DEFAULT_MAX_OUTPUT;

	if (n > cap || b->len + other->len > cap - n)
		return cmdb__error(CMDB_ETOOBIG, "%s: output over %zu bytes; refusing the rest",
			c->where, cap);
	return cmdb__buf_put(b, d, n);
}

/* Bytes of either stream libssh2 has already taken off the socket for this channel, unread. */
static unsigned long queued(cmdb__ssh_conn *c)
{
	unsigned long avail = 0;

	libssh2_channel_window_read_ex(c->ch, &avail, NULL);
	return avail;
}

/*
 * A command that timed out: say what had arrived, so a slow host (nothing or part of
 * its output) can be told from a client that missed an answer it had (unread bytes).
 */
static int pump_timeout(
	cmdb__ssh_conn *c, int code, const cmdb_buf *out, const cmdb_buf *err, int eof_seen)
{
	char *msg = cmdb__strdup(cmdb_error_last());
	int error;

	error = cmdb__error(code,
		"%s (received %zu bytes of output and %zu of stderr, %lu more unread; "
		"the server's EOF %s)",
		msg ? msg : "command timed out", out->len, err->len, queued(c),
		eof_seen ? "had come" : "had not come");
	cmdb_free(msg);
	return error;
}

/* Read what there is of stdout, then of stderr: 1 if any came, 0 if none, or an error. */
static int read_streams(cmdb__ssh_conn *c, cmdb_buf *out, cmdb_buf *err, int *eof_seen)
{
	char chunk[32768];
	int progress = 0, error;

	for (int stream = 0; stream < 2; stream++) {
		cmdb_buf *b = stream ? err : out;
		ssize_t n = libssh2_channel_read_ex(
			c->ch, stream ? SSH_EXTENDED_DATA_STDERR : 0, chunk, sizeof(chunk));

		if (n > 0) {
			if ((error = take(c, b, stream ? out : err, chunk, (size_t)n)) < 0)
				return error;
			progress = 1;
		} else if (n == 0) { /* this stream is over: the server's EOF (or CLOSE) came */
			*eof_seen = 1;
		} else if (n != LIBSSH2_ERROR_EAGAIN) {
			return cmdb__ssh_error(
				c, CMDB_ERROR, "connection lost before the command finished");
		}
	}
	return progress;
}

/*
 * Feed stdin and drain stdout and stderr in turns (so neither side's window can deadlock)
 * until EOF.
 *
 * Every libssh2 read or write first takes all the socket holds into libssh2's packet
 * queue, whichever stream it is for: when stdout's read found nothing and stderr's read
 * (or a stdin write) then took the last of stdout with the server's EOF and CLOSE, the
 * socket stays quiet for good and a poll() would wait for the deadline with the whole
 * answer in hand. So wait on the socket only when libssh2 holds no unread bytes that a
 * pass has not tried yet (bytes of another extended stream are never read: once tried,
 * they do not stop the wait).
 */
static int pump(cmdb__ssh_conn *c, cmdb_buf *out, cmdb_buf *err, const char *in, size_t in_len)
{
	size_t sent = 0;
	unsigned long unread, tried = 0; /* unread bytes after the last pass that read nothing */
	int eof_sent = 0, eof_seen = 0, progress, error;

	for (;;) {
		ssize_t n;

		progress = 0;
		if (sent < in_len) {
			n = libssh2_channel_write(c->ch, in + sent, in_len - sent);
			if (n > 0) {
				sent += (size_t)n;
				progress = 1;
			} else if (n != LIBSSH2_ERROR_EAGAIN) {
				return cmdb__ssh_error(
					c, CMDB_ERROR, "writing the command's stdin");
			}
		} else if (!eof_sent) {
			n = libssh2_channel_send_eof(c->ch);
			if (n == 0)
				eof_sent = 1;
			else if (n != LIBSSH2_ERROR_EAGAIN)
				return cmdb__ssh_error(
					c, CMDB_ERROR, "closing the command's stdin");
		}
		if ((error = read_streams(c, out, err, &eof_seen)) < 0)
			return error;
		if (progress || error > 0) {
			tried = 0;
			continue;
		}
		if (libssh2_channel_eof(c->ch))
			return 0;
		if ((unread = queued(c)) != tried) { /* this pass took bytes off the socket */
			tried = unread;
			continue;
		}
		if ((error = cmdb__ssh_wait(c)) < 0)
			return error == CMDB_ETIMEOUT ? pump_timeout(c, error, out, err, eof_seen)
						      : error;
	}
}

/* After EOF: wait for the channel to close and take its exit status (a signal is a failure). */
static int finish(cmdb__ssh_conn *c, int *status)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc, error;

	/*
	 * Let the server close first: it sends exit-status (or exit-signal) before its
	 * CLOSE, and closing from our side first could cut that off.
	 */
	while ((rc = libssh2_channel_wait_closed(c->ch)) == LIBSSH2_ERROR_EAGAIN)
		if ((error = cmdb__ssh_wait(c)) < 0)
			return error;
	while (rc == 0 && (rc = libssh2_channel_close(c->ch)) == LIBSSH2_ERROR_EAGAIN)
		if ((error = cmdb__ssh_wait(c)) < 0)
			return error;
	if (rc != 0)
		return cmdb__ssh_error(c, CMDB_ERROR, "channel closed without an exit status");
	if (libssh2_channel_get_exit_signal(c->ch, &sig, &siglen, NULL, NULL, NULL, NULL) == 0 &&
		sig) {
		error = cmdb__error(
			CMDB_ERROR, "%s: the command was killed by signal %s", c->where, sig);
		libssh2_free(c->s, sig);
		return error;
	}
	*status = libssh2_channel_get_exit_status(c->ch);
	return 0;
}

static int run_command(
	cmdb__ssh_conn *c, cmdb_ssh_result *r, const char *command, const char *in, size_t in_len)
{
	cmdb_buf out = CMDB_BUF_INIT((size_t)-1), err = CMDB_BUF_INIT((size_t)-1);
	int rc, error = 0;

	cmdb__ssh_phase(c, "command",
		c->t->command_timeout_ms > 0 ? c->t->command_timeout_ms : DEFAULT_COMMAND_MS);
	while (!(c->ch = libssh2_channel_open_session(c->s))) {
		if (libssh2_session_last_errno(c->s) != LIBSSH2_ERROR_EAGAIN) {
			error = cmdb__ssh_error(c, CMDB_ERROR, "cannot open a session channel");
			goto done;
		}
		if ((error = cmdb__ssh_wait(c)) < 0)
			goto done;
	}
	while ((rc = libssh2_channel_exec(c->ch, command)) == LIBSSH2_ERROR_EAGAIN)
		if ((error = cmdb__ssh_wait(c)) < 0)
			goto done;
	if (rc != 0) {
		error = cmdb__ssh_error(c, CMDB_ERROR, "the server refused to run the command");
		goto done;
	}
	if ((error = pump(c, &out, &err, in, in_len)) < 0 ||
		(error = finish(c, &r->exit_status)) < 0)
		goto done;
	r->has_exit_status = 1;
	if (!(r->out = cmdb__buf_detach(&out, &r->out_len)) ||
		!(r->err = cmdb__buf_detach(&err, &r->err_len)))
		error = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb__buf_dispose(&out);
	cmdb__buf_dispose(&err);
	return error;
}

int cmdb__ssh_check_target(const cmdb_ssh_target *t, int need_user)
{
	if (!t || !t->address || !*t->address)
		return cmdb__error(CMDB_EINVALID, "ssh target without an address");
	if (t->address[0] == '-' || (need_user && (!t->user || !*t->user || t->user[0] == '-')))
		return cmdb__error(CMDB_EINVALID, "ssh target %s: bad address or user", t->address);
	if (t->port < 0 || t->port > 65535)
		return cmdb__error(
			CMDB_EINVALID, "ssh target %s: bad port %d", t->address, t->port);
	if (need_user && !t->hostkeys && !t->known_hosts)
		return cmdb__error(CMDB_EINVALID, "ssh target %s: no known_hosts to check against",
			t->address);
	return 0;
}

int cmdb_ssh_exec(cmdb_ssh_result *res, const cmdb_ssh_target *t, const char *command,
	const char *stdin_data, size_t stdin_len)
{
	cmdb__ssh_conn c = {0};
	cmdb_ssh_result r = {0};
	cmdb_ssh_jumps *own = NULL;
	int error, ok = 0;

	c.sock = -1;
	c.t = t;
	memset(res, 0, sizeof(*res));
	if ((error = cmdb__ssh_check_target(t, 1)) < 0)
		goto done;
	if (!command || !*command) {
		error = cmdb__error(CMDB_EINVALID, "%s: no command to run", t->address);
		goto done;
	}
	if (t->jump && !t->jumps && (error = cmdb_ssh_jumps_new(&own, 1)) < 0)
		goto done;
	if ((error = cmdb__ssh_connect_trusted(&c, t->jumps ? t->jumps : own, r.hostkey_sha256)) <
			0 ||
		(error = run_command(&c, &r, command, stdin_data, stdin_data ? stdin_len : 0)) < 0)
		goto done;
	ok = 1;
	*res = r;
	memset(&r, 0, sizeof(r));
done:
	if (error < 0 && c.jump_sess)
		error = cmdb__ssh_jump_note(c.jump_sess, error);
	cmdb__ssh_close(&c, ok);
	cmdb_ssh_jumps_free(own);
	cmdb_ssh_result_dispose(&r);
	return error;
}

void cmdb_ssh_result_dispose(cmdb_ssh_result *res)
{
	if (!res)
		return;
	cmdb_free(res->out);
	cmdb_free(res->err);
	memset(res, 0, sizeof(*res));
}

int cmdb_ssh_fetch_hostkey(char **line, char **fingerprint, const cmdb_ssh_target *t)
{
	cmdb__ssh_conn c = {0};
	cmdb_ssh_jumps *own = NULL;
	const unsigned char *blob;
	size_t len;
	char *host = NULL, *b64 = NULL, *l = NULL, *f = NULL, type[64], fp[64];
	int error;

	c.sock = -1;
	c.t = t;
	*line = *fingerprint = NULL;
	if ((error = cmdb__ssh_check_target(t, 0)) < 0)
		goto done;
	if (t->jump && !t->jumps && (error = cmdb_ssh_jumps_new(&own, 1)) < 0)
		goto done;
	if (t->known_as)
		host = cmdb__strdup(t->known_as);
	else if ((error = cmdb_knownhosts_hostname(&host, t->address, t->port)) < 0)
		goto done;
	if ((error = cmdb__ssh_open(&c, t->jumps ? t->jumps : own, CMDB__SSH_HOSTKEY_METHODS)) <
			0 ||
		(error = cmdb__ssh_hostkey_blob(&c, &blob, &len)) < 0)
		goto done;
	if (cmdb__kh_blob_type(type, sizeof(type), blob, len) < 0) {
		error = cmdb__error(CMDB_EHOSTKEY, "%s: malformed host key", c.where);
		goto done;
	}
	cmdb__kh_fingerprint(fp, blob, len);
	if (!host || !(b64 = cmdb__base64(blob, len)) ||
		!(l = cmdb__sprintf("%s %s %s", host, type, b64)) || !(f = cmdb__strdup(fp))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	*line = l;
	*fingerprint = f;
	l = f = NULL;
done:
	cmdb__ssh_close(&c, error == 0);
	cmdb_ssh_jumps_free(own);
	cmdb_free(host);
	cmdb_free(b64);
	cmdb_free(l);
	cmdb_free(f);
	return error;
}
