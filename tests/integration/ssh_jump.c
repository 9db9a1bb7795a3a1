/*
 * Jump sessions (lib/ssh/ssh_jump.c) against the real sshd lab in C: many targets over
 * one session bounded by its channels, a wait for a channel that never outlives the
 * target's deadline, a session that drops and is connected again, a dead jump failing
 * at once, named. Skips (77) without root.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "gitcmdb/gitcmdb.h"
#include "testutil.h"

static char *lab, *kh;
static json_t *labj;

static int port(const char *persona)
{
	return (int)json_integer_value(json_object_get(json_object_get(labj, "ports"), persona));
}

static cmdb_ssh_target target(const char *persona, cmdb_ssh_target *jump, cmdb_ssh_jumps *j)
{
	cmdb_ssh_target t;

	memset(&t, 0, sizeof(t));
	t.address = "127.0.0.1";
	t.port = port(persona);
	t.user = json_string_value(json_object_get(labj, "user"));
	t.identity_file = json_string_value(json_object_get(labj, "key"));
	t.known_hosts = kh;
	t.timeout_ms = 20000;
	t.jump = jump;
	t.jumps = j;
	return t;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int lab_up(void **state)
{
	char *path = NULL;
	json_error_t je;

	(void)state;
	if (cmdb_init() < 0)
		return -1;
	lab = tu_tempdir("sshjump");
	if (tu_sh(NULL, "%s/tests/lab/lab.sh start %s --watch %d >&2", CMDB_SOURCE_DIR, lab,
		    (int)getpid()) != 0 ||
		asprintf(&path, "%s/lab.json", lab) < 0 || !(labj = json_load_file(path, 0, &je)) ||
		asprintf(&kh, "%s/known_hosts.jump", lab) < 0)
		return -1;
	free(path);
	/* the lab's known_hosts plus its jump sshd (same key) */
	return tu_sh(NULL,
		"k=$(cut -d' ' -f1,2 %s/hostkey_ed25519.pub); { cat %s/known_hosts; "
		"echo \"[127.0.0.1]:%d $k\"; } >%s",
		lab, lab, port("jump"), kh);
}

static int lab_down(void **state)
{
	(void)state;
	tu_sh(NULL, "%s/tests/lab/lab.sh stop %s", CMDB_SOURCE_DIR, lab);
	tu_rmrf(lab);
	free(lab);
	free(kh);
	json_decref(labj);
	cmdb_shutdown();
	return 0;
}

typedef struct {
	cmdb_ssh_target t;
	int rc;
	size_t out_len;
	char err[512];
} job;

static void *run(void *arg)
{
	job *jb = arg;
	cmdb_ssh_result r;

	jb->rc = cmdb_ssh_exec(&r, &jb->t, "true", NULL, 0);
	jb->out_len = r.out_len;
	snprintf(jb->err, sizeof(jb->err), "%s", jb->rc ? cmdb_error_last() : "");
	cmdb_ssh_result_dispose(&r);
	return NULL;
}

static size_t persona_size(const char *p)
{
	char *path = NULL, *data;
	size_t len = 0;

	assert_true(asprintf(&path, "%s/personas/%s.out", lab, p) > 0);
	data = tu_read_file(path, &len);
	free(data);
	free(path);
	return len;
}

/* 8 targets at once over a session of 2 channels: every one arrives whole. */
static void test_ssh_jump__channels_bounded(void **state)
{
	cmdb_ssh_jumps *j = NULL;
	cmdb_ssh_target jt;
	job jobs[8];
	pthread_t th[8];

	(void)state;
	assert_int_equal(cmdb_ssh_jumps_new(&j, 2), 0);
	jt = target("jump", NULL, NULL);
	for (int i = 0; i < 8; i++) {
		jobs[i].t = target(i % 2 ? "web01" : "db01", &jt, j);
		assert_int_equal(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].rc)
			fail_msg("target %d: %s", i, jobs[i].err);
		assert_int_equal(jobs[i].out_len, persona_size(i % 2 ? "web01" : "db01"));
	}
	cmdb_ssh_jumps_free(j);
}

/* One channel, held by a hanging target: the next target gives up at its deadline. */
static void test_ssh_jump__slot_wait_keeps_the_deadline(void **state)
{
	cmdb_ssh_jumps *j = NULL;
	cmdb_ssh_target jt;
	job hang, next;
	pthread_t th;
	double t0;

	(void)state;
	assert_int_equal(cmdb_ssh_jumps_new(&j, 1), 0);
	jt = target("jump", NULL, NULL);
	hang.t = target("hang", &jt, j);
	hang.t.timeout_ms = 5000;
	assert_int_equal(pthread_create(&th, NULL, run, &hang), 0);
	usleep(1500 * 1000); /* the hang has its channel */
	next.t = target("web01", &jt, j);
	next.t.timeout_ms = 1500;
	t0 = now();
	run(&next);
	assert_int_equal(next.rc, CMDB_ETIMEOUT);
	assert_non_null(strstr(next.err, "no free channel (jump_channels 1)"));
	assert_true(now() - t0 < 3.0);
	pthread_join(th, NULL);
	assert_int_equal(hang.rc, CMDB_ETIMEOUT);
	/* the slot came back when the hang's socket closed */
	next.t.timeout_ms = 20000;
	run(&next);
	assert_int_equal(next.rc, 0);
	cmdb_ssh_jumps_free(j);
}

/* The jump's sshd session dies: the next target gets a new session. */
static void test_ssh_jump__reconnect_after_drop(void **state)
{
	cmdb_ssh_jumps *j = NULL;
	cmdb_ssh_target jt;
	job a;
	int listener = (int)json_integer_value(
		json_object_get(json_object_get(labj, "pids"), "sshd-jump"));

	(void)state;
	assert_int_equal(cmdb_ssh_jumps_new(&j, 4), 0);
	jt = target("jump", NULL, NULL);
	a.t = target("web01", &jt, j);
	run(&a);
	assert_int_equal(a.rc, 0);
	/* kill the per-connection sshd processes of the jump (children of its listener) */
	assert_true(listener > 0);
	assert_int_equal(
		tu_sh(NULL, "for p in $(ps -o pid= --ppid %d); do kill -9 $p; done; sleep 0.3",
			listener),
		0);
	run(&a);
	if (a.rc)
		fail_msg("after the drop: %s", a.err);
	cmdb_ssh_jumps_free(j);
}

/* A jump that refuses connections: named, and the next target fails at once. */
static void test_ssh_jump__dead_jump_named(void **state)
{
	cmdb_ssh_jumps *j = NULL;
	cmdb_ssh_target jt;
	job a;
	double t0;

	(void)state;
	assert_int_equal(cmdb_ssh_jumps_new(&j, 4), 0);
	jt = target("refused", NULL, NULL);
	a.t = target("web01", &jt, j);
	run(&a);
	assert_int_equal(a.rc, CMDB_EUNREACHABLE);
	assert_non_null(strstr(a.err, "jump host "));
	assert_non_null(strstr(a.err, ": connect: Connection refused"));
	t0 = now();
	run(&a);
	assert_int_equal(a.rc, CMDB_EUNREACHABLE);
	assert_non_null(strstr(a.err, "jump host "));
	assert_true(now() - t0 < 0.5);
	cmdb_ssh_jumps_free(j);
}

int main(void)
{
	if (geteuid() != 0 || access("/usr/sbin/sshd", X_OK) != 0) {
		printf("skip: integration/ssh_jump needs root and /usr/sbin/sshd\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_jump__channels_bounded),
		cmocka_unit_test(test_ssh_jump__slot_wait_keeps_the_deadline),
		cmocka_unit_test(test_ssh_jump__reconnect_after_drop),
		cmocka_unit_test(test_ssh_jump__dead_jump_named),
	};

	return cmocka_run_group_tests(tests, lab_up, lab_down);
}
