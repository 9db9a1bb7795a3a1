/*
 * The socket I/O of a libssh2 session, done by us (LIBSSH2_CALLBACK_RECV/SEND) so that
 * no phase outlives its deadline whatever the server sends.
 *
 * Why: libssh2 1.10 reads the server's version line one byte at a time and skips
 * lines that do not start with "SSH-" in a loop that returns to us only when a read
 * would block. A server that keeps sending (endless pre-banner lines, a flood of
 * SSH_MSG_IGNORE) never lets it block, so a poll() deadline around libssh2 calls is
 * never reached. Checking the clock here, on every read and write, is the one place
 * libssh2 cannot loop past: once the phase's deadline has passed every read and
 * write says "would block", libssh2 returns EAGAIN, and cmdb__ssh_wait reports the
 * timeout. Bytes before the version line are also capped, so such a server fails at
 * once instead of at the deadline.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ssh/ssh_int.h"

/* Follow the lines before (and of) the version line; 0, or -1 once over the cap. */
static int watch_banner(cmdb__ssh_conn *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !c->banner_done; i++) {
		c->prebanner++;
		if (c->head_len < sizeof(c->head))
			c->head[c->head_len++] = p[i];
		if (p[i] != '\n')
			continue;
		if (c->head_len == sizeof(c->head) && memcmp(c->head, "SSH-", 4) == 0)
			c->banner_done = 1;
		c->head_len = 0;
	}
	if (!c->banner_done && c->prebanner > CMDB__SSH_PREBANNER_MAX) {
		c->flooded = 1;
		return -1;
	}
	return 0;
}

static ssize_t conn_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
	cmdb__ssh_conn *c = *abstract;
	ssize_t n;

	if (cmdb__ssh_now_ms() >= c->deadline)
		return -EAGAIN; /* the caller's wait reports the timeout */
	n = recv(fd, buf, len, flags);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > 0 && !c->banner_done && watch_banner(c, buf, (size_t)n) < 0)
		return -EPROTO;
	return n;
}

static ssize_t conn_send(
	libssh2_socket_t fd, const void *buf, size_t len, int flags, void **abstract)
{
	cmdb__ssh_conn *c = *abstract;
	ssize_t n;

	if (cmdb__ssh_now_ms() >= c->deadline)
		return -EAGAIN;
	n = send(fd, buf, len, flags | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

void cmdb__ssh_io_attach(cmdb__ssh_conn *c)
{
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_RECV, (void *)conn_recv);
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_SEND, (void *)conn_send);
}
