/*
 * cmdb_ssh_exec when the command's last stdout bytes, the server's EOF and CLOSE are taken
 * off the socket by the read of stderr (integration/ssh_race, against the real sshd lab;
 * skips (77) without root like integration/ssh).
 *
 * Every libssh2 read first takes all the socket holds into libssh2's packet queue,
 * whatever stream it belongs to. In the field the answer lands in the few microseconds
 * between the stdout read (nothing yet) and the stderr read (everything): 2 to 8 of
 * 10,000 lab sessions then waited on a quiet socket until the command deadline with the
 * answer in hand. This binary makes that timing certain: it interposes poll() and recv()
 * for the library linked into it. After each poll() that found the socket readable it
 * waits until the server's whole answer has landed, and the next recv() (the stdout
 * read's) then says "nothing yet", so the stderr read takes everything.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "gitcmdb/gitcmdb.h"
#include "testutil.h"

static int race; /* the interposed poll() and recv() below act only while set */
static int hide_next; /* the next recv() says "nothing yet" */
static int hid_last; /* the last recv() did: the next poll() must not arm again */
static int hidden; /* how many recv() calls were hidden (proves the race was forced) */

int poll(struct pollfd *fds, nfds_t n, int timeout);
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	static int (*real)(struct pollfd *, nfds_t, int);
	int rc;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "poll");
	rc = real(fds, n, timeout);
	if (race && rc == 1 && n == 1 && (fds[0].revents & POLLIN) && !hid_last) {
		struct timespec ts = {0, 200 * 1000 * 1000};

		nanosleep(&ts, NULL); /* the rest of the answer lands meanwhile */
		hide_next = 1;
	}
	return rc;
}

ssize_t recv(int fd, void *buf, size_t len, int flags);
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, void *, size_t, int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "recv");
	if (race && hide_next) {
		hide_next = 0;
		hid_last = 1;
		hidden++;
		errno = EAGAIN;
		return -1;
	}
	hid_last = 0;
	return real(fd, buf, len, flags);
}

static char *lab; /* lab directory */
static json_t *labj; /* lab.json */

static const char *labstr(const char *key)
{
	return json_string_value(json_object_get(labj, key));
}

static cmdb_ssh_target target(void)
{
	cmdb_ssh_target t = {0};

	t.address = "127.0.0.1";
	t.port = (int)json_integer_value(json_object_get(json_object_get(labj, "ports"), "self"));
	t.user = labstr("user");
	t.identity_file = labstr("key");
	t.known_hosts = labstr("known_hosts");
	t.command_timeout_ms = 5000; /* a missed answer fails in 5 s, not 120 */
	return t;
}

static int lab_up(void **state)
{
	char *path;
	json_error_t je;

	(void)state;
	if (cmdb_init() < 0)
		return -1;
	lab = tu_tempdir("sshlab");
	if (tu_sh(NULL, "%s/tests/lab/lab.sh start %s --watch %d >&2", CMDB_SOURCE_DIR, lab,
		    (int)getpid()) != 0)
		return -1;
	if (asprintf(&path, "%s/lab.json", lab) < 0)
		return -1;
	labj = json_load_file(path, 0, &je);
	free(path);
	return labj ? 0 : -1;
}

static int lab_down(void **state)
{
	(void)state;
	tu_sh(NULL, "%s/tests/lab/lab.sh stop %s", CMDB_SOURCE_DIR, lab);
	tu_rmrf(lab);
	free(lab);
	json_decref(labj);
	cmdb_shutdown();
	return 0;
}

/* Run cmd with the race forced; its whole stdout must come back, well before the deadline. */
static void exec_raced(const char *cmd, const char *in, const char *out, const char *err)
{
	cmdb_ssh_target t = target();
	cmdb_ssh_result r;
	int rc;

	race = 1;
	hidden = 0;
	rc = cmdb_ssh_exec(&r, &t, cmd, in, in ? strlen(in) : 0);
	race = hide_next = hid_last = 0;
	if (rc < 0)
		fail_msg("%s: %s", cmd, cmdb_error_last());
	assert_true(hidden > 0);
	assert_string_equal(r.out, out);
	assert_string_equal(r.err, err);
	assert_true(r.has_exit_status);
	assert_int_equal(r.exit_status, 0);
	cmdb_ssh_result_dispose(&r);
}

/*
 * The answer, EOF, exit status and CLOSE all taken by the stderr read (after a pause, so
 * that the answer does not come with the reply to the exec request).
 */
static void test_ssh_race__stdout_taken_by_stderr_read(void **state)
{
	(void)state;
	exec_raced("sleep 0.3; printf 'the answer\\n'", NULL, "the answer\n", "");
}

/* stderr first, then stdout last: each wakeup's stdout bytes go to the stderr read. */
static void test_ssh_race__interleaved_stderr(void **state)
{
	(void)state;
	exec_raced("printf e1 >&2; sleep 0.5; printf o1; sleep 0.5; printf e2 >&2; sleep 0.5; "
		   "printf o2",
		NULL, "o1o2", "e1e2");
}

/* With stdin (the collector script): its write also drains the socket. */
static void test_ssh_race__with_stdin(void **state)
{
	(void)state;
	exec_raced("cat", "echo collector\n", "echo collector\n", "");
}

/* Bigger than one read and many packets, ending with the race. */
static void test_ssh_race__big_stdout(void **state)
{
	cmdb_ssh_target t = target();
	cmdb_ssh_result r;

	(void)state;
	race = 1;
	assert_int_equal(cmdb_ssh_exec(&r, &t, "sleep 0.3; head -c 300000 /dev/zero", NULL, 0), 0);
	race = hide_next = hid_last = 0;
	assert_int_equal(r.out_len, 300000);
	assert_int_equal(r.exit_status, 0);
	cmdb_ssh_result_dispose(&r);
}

int main(void)
{
	if (geteuid() != 0 || access("/usr/sbin/sshd", X_OK) != 0) {
		printf("skip: integration/ssh_race needs root and /usr/sbin/sshd (the lab runs "
		       "sshd as root)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_race__stdout_taken_by_stderr_read),
		cmocka_unit_test(test_ssh_race__interleaved_stderr),
		cmocka_unit_test(test_ssh_race__with_stdin),
		cmocka_unit_test(test_ssh_race__big_stdout),
	};

	return cmocka_run_group_tests(tests, lab_up, lab_down);
}
