/*
 * cmdb_ssh_exec against the real sshd lab (tests/lab): a healthy host, every fault
 * persona, host-key refusals and authentication diagnostics. An integration test
 * (integration/ssh) written in C: the lab runs sshd as root, so without root it skips
 * (exit 77, which ctest reports as skipped).
 */
#include <setjmp.h>
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

/*
 * libssh2 1.10 leaks one BIGNUM (~72 bytes) each time it parses an OpenSSH-format
 * ECDSA private key (libssh2 issue #2079, fixed upstream; not our allocation). Only
 * this binary, which authenticates with an ECDSA key on purpose, tells LSan so. The
 * slow unwinder sees through libcrypto and libssh2 (no frame pointers) to match it;
 * the hooks must be visible to the sanitizer runtime despite -fvisibility=hidden.
 */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libssh2_userauth_publickey_frommemory\n";
}

static char *lab; /* lab directory */
static char *tmp; /* scratch directory of this test binary */
static json_t *labj; /* lab.json */

static int port(const char *persona)
{
	return (int)json_integer_value(json_object_get(json_object_get(labj, "ports"), persona));
}

static const char *labstr(const char *key)
{
	return json_string_value(json_object_get(labj, key));
}

static cmdb_ssh_target target(const char *persona)
{
	cmdb_ssh_target t = {0};

	t.address = "127.0.0.1";
	t.port = port(persona);
	t.user = labstr("user");
	t.identity_file = labstr("key");
	t.known_hosts = labstr("known_hosts");
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
	tmp = tu_tempdir("sshtest");
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
	tu_rmrf(tmp);
	free(lab);
	free(tmp);
	json_decref(labj);
	cmdb_shutdown();
	return 0;
}

/* The lab host key's fingerprint as ssh-keygen prints it. */
static char *keygen_fp(const char *pub)
{
	char *out = NULL;

	assert_int_equal(tu_sh(&out, "ssh-keygen -lf %s | awk '{print $2}' | tr -d '\\n'", pub), 0);
	return out;
}

static void test_ssh__exec_ok(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	char *pub, *fp;

	(void)state;
	assert_int_equal(
		cmdb_ssh_exec(&r, &t, "printf 'out\\n'; printf err >&2; exit 3", NULL, 0), 0);
	assert_string_equal(r.out, "out\n");
	assert_int_equal(r.out_len, 4);
	assert_string_equal(r.err, "err");
	assert_true(r.has_exit_status);
	assert_int_equal(r.exit_status, 3);
	assert_true(asprintf(&pub, "%s/hostkey_ed25519.pub", lab) > 0);
	fp = keygen_fp(pub);
	assert_string_equal(r.hostkey_sha256, fp);
	free(pub);
	free(fp);
	cmdb_ssh_result_dispose(&r);
	assert_null(r.out);
}

/* The exit status still counts when the command closes its output long before it exits. */
static void test_ssh__exit_after_output_closed(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;

	(void)state;
	assert_int_equal(
		cmdb_ssh_exec(&r, &t, "echo a; exec >&- 2>&-; sleep 1; exit 7", NULL, 0), 0);
	assert_string_equal(r.out, "a\n");
	assert_true(r.has_exit_status);
	assert_int_equal(r.exit_status, 7);
	cmdb_ssh_result_dispose(&r);
}

static void test_ssh__stdin_and_big_stderr(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	size_t n = 3u << 20;
	char *in = malloc(n);

	(void)state;
	memset(in, 'x', n);
	/* 3 MiB in, 5 MB on stderr before stdout is touched: both must be drained. */
	assert_int_equal(
		cmdb_ssh_exec(&r, &t, "head -c 5000000 /dev/zero >&2; wc -c | tr -d ' '", in, n),
		0);
	assert_string_equal(r.out, "3145728\n");
	assert_int_equal(r.err_len, 5000000);
	assert_int_equal(r.exit_status, 0);
	cmdb_ssh_result_dispose(&r);
	free(in);
}

static void expect_fail(cmdb_ssh_target *t, const char *cmd, int code, const char *needle)
{
	cmdb_ssh_result r;

	r.out = (char *)1; /* proves *res is reset on failure */
	assert_int_equal(cmdb_ssh_exec(&r, t, cmd, NULL, 0), code);
	assert_null(r.out);
	if (!strstr(cmdb_error_last(), needle))
		fail_msg("error [%s] lacks [%s]", cmdb_error_last(), needle);
}

static void test_ssh__unknown_host_refused(void **state)
{
	cmdb_ssh_target t = target("self");
	char *kh;

	(void)state;
	assert_true(asprintf(&kh, "%s/empty_known_hosts", tmp) > 0);
	assert_int_equal(tu_write_file(kh, "", 0), 0);
	t.known_hosts = kh;
	expect_fail(&t, "true", CMDB_EHOSTKEY, "gitcmdb hostkeys enroll");
	t.known_hosts = "/nonexistent/known_hosts";
	expect_fail(&t, "true", CMDB_EHOSTKEY, "not in /nonexistent/known_hosts");
	free(kh);
}

static void test_ssh__changed_key_refused(void **state)
{
	cmdb_ssh_target t = target("hostkey");

	(void)state;
	expect_fail(&t, "true", CMDB_EHOSTKEY, "HOST KEY CHANGED");
}

static void test_ssh__other_key_type_refused(void **state)
{
	cmdb_ssh_target t = target("self");
	char *kh, *line = NULL;

	(void)state;
	assert_true(asprintf(&kh, "%s/ecdsa_known_hosts", tmp) > 0);
	assert_int_equal(
		tu_sh(NULL, "rm -f %s/ec; ssh-keygen -q -t ecdsa -N '' -f %s/ec", tmp, tmp), 0);
	assert_int_equal(tu_sh(&line, "printf '[127.0.0.1]:%d '; cat %s/ec.pub", t.port, tmp), 0);
	assert_int_equal(tu_write_file(kh, line, strlen(line)), 0);
	t.known_hosts = kh;
	expect_fail(&t, "true", CMDB_EHOSTKEY, "records only ecdsa-sha2-nistp256");
	free(kh);
	free(line);
}

static void test_ssh__malformed_known_hosts(void **state)
{
	cmdb_ssh_target t = target("self");
	char *kh, *good = NULL, *text;

	(void)state;
	assert_true(asprintf(&kh, "%s/bad_known_hosts", tmp) > 0);
	/* A good line for the host, then a broken one: the whole file is refused. */
	assert_int_equal(tu_sh(&good, "head -1 %s", t.known_hosts), 0);
	assert_true(asprintf(&text, "%s[127.0.0.1]:1 ssh-ed25519 AAAA!!!\n", good) > 0);
	assert_int_equal(tu_write_file(kh, text, strlen(text)), 0);
	t.known_hosts = kh;
	expect_fail(&t, "true", CMDB_EINVALID, "bad_known_hosts:2: key is not valid base64");
	free(kh);
	free(good);
	free(text);
}

static void test_ssh__rsa_key_diagnostic(void **state)
{
	cmdb_ssh_target t = target("self");
	char *key;

	(void)state;
	assert_true(asprintf(&key, "%s/id_rsa", tmp) > 0);
	assert_int_equal(tu_sh(NULL,
				 "rm -f %s*; ssh-keygen -q -t rsa -b 2048 -N '' -f %s && "
				 "cat %s.pub >>%s/authorized_keys",
				 key, key, key, lab),
		0);
	t.identity_file = key;
	expect_fail(&t, "true", CMDB_EAUTH, "is an RSA key: libssh2 1.10");
	expect_fail(&t, "true", CMDB_EAUTH, "use an ed25519 key");
	/* Without the .pub file the type comes from the PEM/OpenSSH private key itself. */
	assert_int_equal(tu_sh(NULL, "rm -f %s.pub", key), 0);
	expect_fail(&t, "true", CMDB_EAUTH, "is an RSA key");
	free(key);
}

static void test_ssh__ecdsa_key(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	char *key;

	(void)state;
	assert_true(asprintf(&key, "%s/id_ecdsa", tmp) > 0);
	assert_int_equal(tu_sh(NULL,
				 "rm -f %s*; ssh-keygen -q -t ecdsa -b 384 -N '' -f %s && "
				 "cat %s.pub >>%s/authorized_keys",
				 key, key, key, lab),
		0);
	t.identity_file = key;
	assert_int_equal(cmdb_ssh_exec(&r, &t, "echo ecdsa", NULL, 0), 0);
	assert_string_equal(r.out, "ecdsa\n");
	cmdb_ssh_result_dispose(&r);
	/* a key the server does not know: refused, named as an auth failure */
	assert_int_equal(
		tu_sh(NULL, "rm -f %s*; ssh-keygen -q -t ed25519 -N '' -f %s", key, key), 0);
	expect_fail(&t, "true", CMDB_EAUTH, "public key authentication refused");
	t.identity_file = "/nonexistent/key";
	expect_fail(&t, "true", CMDB_EAUTH, "cannot read identity file /nonexistent/key");
	free(key);
}

static void test_ssh__passphrase_from_env(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	char *key;

	(void)state;
	assert_true(asprintf(&key, "%s/id_pass", tmp) > 0);
	assert_int_equal(tu_sh(NULL,
				 "rm -f %s*; ssh-keygen -q -t ed25519 -N 's3cret pass' -f %s && "
				 "cat %s.pub >>%s/authorized_keys",
				 key, key, key, lab),
		0);
	t.identity_file = key;
	t.passphrase_env = "CMDB_TEST_PASSPHRASE";
	unsetenv("CMDB_TEST_PASSPHRASE");
	expect_fail(&t, "true", CMDB_EAUTH, "CMDB_TEST_PASSPHRASE is not set");
	setenv("CMDB_TEST_PASSPHRASE", "wrong", 1);
	expect_fail(&t, "true", CMDB_EAUTH, "wrong passphrase");
	setenv("CMDB_TEST_PASSPHRASE", "s3cret pass", 1);
	assert_int_equal(cmdb_ssh_exec(&r, &t, "echo ok", NULL, 0), 0);
	assert_string_equal(r.out, "ok\n");
	cmdb_ssh_result_dispose(&r);
	t.passphrase_env = NULL;
	expect_fail(&t, "true", CMDB_EAUTH, "passphrase_env");
	unsetenv("CMDB_TEST_PASSPHRASE");
	free(key);
}

static void test_ssh__agent_auth(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	char *sock, *old = getenv("SSH_AUTH_SOCK") ? strdup(getenv("SSH_AUTH_SOCK")) : NULL;

	(void)state;
	assert_true(asprintf(&sock, "%s/agent.sock", tmp) > 0);
	t.identity_file = NULL;
	setenv("SSH_AUTH_SOCK", sock, 1);
	expect_fail(&t, "true", CMDB_EAUTH, "no ssh-agent");
	assert_int_equal(tu_sh(NULL, "ssh-agent -a %s >/dev/null && SSH_AUTH_SOCK=%s ssh-add -q %s",
				 sock, sock, labstr("key")),
		0);
	assert_int_equal(cmdb_ssh_exec(&r, &t, "echo agent", NULL, 0), 0);
	assert_string_equal(r.out, "agent\n");
	cmdb_ssh_result_dispose(&r);
	tu_sh(NULL, "SSH_AUTH_SOCK=%s ssh-agent -k >/dev/null 2>&1", sock);
	if (old)
		setenv("SSH_AUTH_SOCK", old, 1);
	else
		unsetenv("SSH_AUTH_SOCK");
	free(old);
	free(sock);
}

static void test_ssh__hang_times_out(void **state)
{
	cmdb_ssh_target t = target("hang");

	(void)state;
	t.command_timeout_ms = 1500;
	expect_fail(&t, "true", CMDB_ETIMEOUT, "command timed out");
}

static void test_ssh__tarpit_times_out(void **state)
{
	cmdb_ssh_target t = target("tarpit");

	(void)state;
	t.auth_timeout_ms = 1000;
	expect_fail(&t, "true", CMDB_ETIMEOUT, "handshake timed out");
}

static void test_ssh__refused_unreachable(void **state)
{
	cmdb_ssh_target t = target("refused");

	(void)state;
	expect_fail(&t, "true", CMDB_EUNREACHABLE, "Connection refused");
	t.address = "no-such-host.invalid";
	expect_fail(&t, "true", CMDB_EUNREACHABLE, "cannot resolve");
}

static void test_ssh__huge_too_big(void **state)
{
	cmdb_ssh_target t = target("huge");

	(void)state;
	expect_fail(&t, "true", CMDB_ETOOBIG, "output over 67108864 bytes");
	t.max_output = 1000;
	t = target("self");
	t.max_output = 1000;
	expect_fail(
		&t, "head -c 600 /dev/zero; head -c 600 /dev/zero >&2", CMDB_ETOOBIG, "over 1000");
}

static void test_ssh__noexit_is_error(void **state)
{
	cmdb_ssh_target t = target("noexit");

	(void)state;
	expect_fail(&t, "true", CMDB_ERROR, "");
}

static void test_ssh__midclose_is_error(void **state)
{
	cmdb_ssh_target t = target("midclose");

	(void)state;
	expect_fail(&t, "true", CMDB_ERROR, "signal KILL");
}

static void test_ssh__garbage_bytes_returned(void **state)
{
	cmdb_ssh_target t = target("garbage");
	cmdb_ssh_result r;

	(void)state;
	assert_int_equal(cmdb_ssh_exec(&r, &t, "true", NULL, 0), 0);
	assert_int_equal(r.out_len, 65536);
	assert_int_equal(r.exit_status, 0);
	cmdb_ssh_result_dispose(&r);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Hostile servers end at the deadline whatever they send. The bound asserted is the
 * deadline plus a slack generous for a loaded machine; the time measured is printed.
 */
static void expect_by_deadline(cmdb_ssh_target *t, int code, const char *needle, double limit_s)
{
	double t0 = now_s(), took;

	expect_fail(t, "true", code, needle);
	took = now_s() - t0;
	printf("# %s:%d: %s after %.2f s (bound %.1f s)\n", t->address, t->port, cmdb_error_last(),
		took, limit_s);
	assert_true(took < limit_s);
}

/* Endless lines before any SSH banner: libssh2 alone would read them for ever. */
static void test_ssh__prebanner_flood_refused(void **state)
{
	cmdb_ssh_target t = target("flood");

	(void)state;
	t.timeout_ms = 5000;
	expect_by_deadline(&t, CMDB_EUNREACHABLE, "without an SSH version line", 5 + 10);
	/* the same for host key enrolment, which runs the same handshake */
	{
		char *line = NULL, *fp = NULL;

		assert_int_equal(cmdb_ssh_fetch_hostkey(&line, &fp, &t), CMDB_EUNREACHABLE);
		assert_null(line);
	}
}

/* A byte a second, never a banner: the whole call's deadline holds. */
static void test_ssh__drip_ends_at_deadline(void **state)
{
	cmdb_ssh_target t = target("drip");
	char *line = NULL, *fp = NULL;
	double t0;

	(void)state;
	t.timeout_ms = 2000;
	expect_by_deadline(&t, CMDB_ETIMEOUT, "the host's 2000 ms deadline passed", 2 + 10);
	t0 = now_s();
	assert_int_equal(cmdb_ssh_fetch_hostkey(&line, &fp, &t), CMDB_ETIMEOUT);
	assert_true(now_s() - t0 < 2 + 10);
}

/* A banner, then SSH_MSG_IGNORE packets for ever and never a key exchange. */
static void test_ssh__chatter_ends_at_deadline(void **state)
{
	cmdb_ssh_target t = target("chatter");

	(void)state;
	t.auth_timeout_ms = 2000;
	expect_by_deadline(&t, CMDB_ETIMEOUT, "handshake timed out", 2 + 10);
}

/* timeout_ms bounds the sum of the phases, not each one. */
static void test_ssh__whole_call_deadline(void **state)
{
	cmdb_ssh_target t = target("hang");

	(void)state;
	t.command_timeout_ms = 600000;
	t.timeout_ms = 1500;
	expect_by_deadline(&t, CMDB_ETIMEOUT,
		"command timed out: the host's 1500 ms deadline passed", 1.5 + 10);
	t = target("tarpit");
	t.timeout_ms = 1000;
	expect_by_deadline(&t, CMDB_ETIMEOUT, "handshake timed out", 1 + 10);
}

/* A file over the key size cap says so (it once said "Resource temporarily unavailable"). */
static void test_ssh__identity_file_too_big(void **state)
{
	cmdb_ssh_target t = target("self");
	char *key, *big = malloc(70000);

	(void)state;
	assert_true(asprintf(&key, "%s/big_key", tmp) > 0);
	memset(big, 'k', 70000);
	assert_int_equal(tu_write_file(key, big, 70000), 0);
	t.identity_file = key;
	expect_fail(&t, "true", CMDB_EAUTH, "larger than 65536 bytes");
	assert_non_null(strstr(cmdb_error_last(), key));
	assert_null(strstr(cmdb_error_last(), "temporarily"));
	/* at the cap exactly it is read (and refused as a key, not for its size) */
	assert_int_equal(tu_write_file(key, big, 65536), 0);
	expect_fail(&t, "true", CMDB_EAUTH, "");
	assert_null(strstr(cmdb_error_last(), "larger than"));
	free(big);
	free(key);
}

/* A parsed known_hosts shared by threads; messages name what the caller calls it. */
static void test_ssh__shared_hostkeys(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_knownhosts *kh = NULL, *empty = NULL;
	cmdb_ssh_result r;

	(void)state;
	assert_int_equal(cmdb_knownhosts_load(&kh, labstr("known_hosts")), 0);
	t.known_hosts = NULL;
	t.hostkeys = kh;
	assert_int_equal(cmdb_ssh_exec(&r, &t, "echo shared", NULL, 0), 0);
	assert_string_equal(r.out, "shared\n");
	cmdb_ssh_result_dispose(&r);
	assert_int_equal(cmdb_knownhosts_parse(&empty, "", 0, "empty"), 0);
	t.hostkeys = empty;
	expect_fail(&t, "true", CMDB_EHOSTKEY, "is not in known_hosts;");
	t.known_hosts = "main's known_hosts";
	expect_fail(&t, "true", CMDB_EHOSTKEY, "is not in main's known_hosts;");
	cmdb_knownhosts_free(kh);
	cmdb_knownhosts_free(empty);
}

typedef struct {
	int i, rc;
	char out[32];
} job;

static void *run_job(void *arg)
{
	job *j = arg;
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "echo job-%d", j->i);
	j->rc = cmdb_ssh_exec(&r, &t, cmd, NULL, 0);
	if (j->rc == 0)
		snprintf(j->out, sizeof(j->out), "%s", r.out);
	cmdb_ssh_result_dispose(&r);
	return NULL;
}

static void test_ssh__parallel_threads(void **state)
{
	pthread_t th[8];
	job jobs[8];

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			jobs[i] = (job){.i = i + round * 8};
			assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
		}
		for (int i = 0; i < 8; i++) {
			char want[32];
			pthread_join(th[i], NULL);
			snprintf(want, sizeof(want), "job-%d\n", jobs[i].i);
			assert_int_equal(jobs[i].rc, 0);
			assert_string_equal(jobs[i].out, want);
		}
	}
}

static void test_ssh__fetch_hostkey(void **state)
{
	cmdb_ssh_target t = target("hostkey");
	char *line, *fp, *want_fp, *pub, *want = NULL;

	(void)state;
	assert_int_equal(cmdb_ssh_fetch_hostkey(&line, &fp, &t), 0);
	assert_true(asprintf(&pub, "%s/hostkey2_ed25519.pub", lab) > 0);
	want_fp = keygen_fp(pub);
	assert_string_equal(fp, want_fp);
	assert_int_equal(tu_sh(&want, "printf '[127.0.0.1]:%d '; cut -d' ' -f1,2 %s | tr -d '\\n'",
				 t.port, pub),
		0);
	assert_string_equal(line, want);
	cmdb_free(line);
	cmdb_free(fp);
	free(want_fp);
	free(pub);
	free(want);
	t = target("tarpit");
	t.auth_timeout_ms = 500;
	assert_int_equal(cmdb_ssh_fetch_hostkey(&line, &fp, &t), CMDB_ETIMEOUT);
	assert_null(line);
}

static void test_ssh__ipv6_literal(void **state)
{
	cmdb_ssh_target t = target("self");
	cmdb_ssh_result r;

	(void)state;
	if (!port("self6"))
		skip(); /* no IPv6 loopback on this machine */
	t.address = "::1";
	t.port = port("self6");
	/* recorded as [::1]:port; the message shows the bracketed form */
	assert_int_equal(cmdb_ssh_exec(&r, &t, "echo v6", NULL, 0), 0);
	assert_string_equal(r.out, "v6\n");
	cmdb_ssh_result_dispose(&r);
	t.known_hosts = "/nonexistent";
	expect_fail(&t, "true", CMDB_EHOSTKEY, "@[::1]:");
}

static void test_ssh__bad_target(void **state)
{
	cmdb_ssh_target t = target("self");

	(void)state;
	t.address = "-oProxyCommand=x";
	expect_fail(&t, "true", CMDB_EINVALID, "bad address");
	t = target("self");
	t.port = 70000;
	expect_fail(&t, "true", CMDB_EINVALID, "bad port");
	t = target("self");
	expect_fail(&t, "", CMDB_EINVALID, "no command");
	t.known_hosts = NULL;
	expect_fail(&t, "true", CMDB_EINVALID, "no known_hosts");
	t = target("self");
	t.user = "-oops";
	expect_fail(&t, "true", CMDB_EINVALID, "bad address or user");
}

int main(void)
{
	if (geteuid() != 0 || access("/usr/sbin/sshd", X_OK) != 0) {
		printf("skip: integration/ssh needs root and /usr/sbin/sshd (the lab runs sshd as "
		       "root)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh__exec_ok),
		cmocka_unit_test(test_ssh__exit_after_output_closed),
		cmocka_unit_test(test_ssh__stdin_and_big_stderr),
		cmocka_unit_test(test_ssh__unknown_host_refused),
		cmocka_unit_test(test_ssh__changed_key_refused),
		cmocka_unit_test(test_ssh__other_key_type_refused),
		cmocka_unit_test(test_ssh__malformed_known_hosts),
		cmocka_unit_test(test_ssh__rsa_key_diagnostic),
		cmocka_unit_test(test_ssh__ecdsa_key),
		cmocka_unit_test(test_ssh__passphrase_from_env),
		cmocka_unit_test(test_ssh__agent_auth),
		cmocka_unit_test(test_ssh__hang_times_out),
		cmocka_unit_test(test_ssh__tarpit_times_out),
		cmocka_unit_test(test_ssh__refused_unreachable),
		cmocka_unit_test(test_ssh__huge_too_big),
		cmocka_unit_test(test_ssh__noexit_is_error),
		cmocka_unit_test(test_ssh__midclose_is_error),
		cmocka_unit_test(test_ssh__garbage_bytes_returned),
		cmocka_unit_test(test_ssh__parallel_threads),
		cmocka_unit_test(test_ssh__fetch_hostkey),
		cmocka_unit_test(test_ssh__ipv6_literal),
		cmocka_unit_test(test_ssh__bad_target),
		cmocka_unit_test(test_ssh__prebanner_flood_refused),
		cmocka_unit_test(test_ssh__drip_ends_at_deadline),
		cmocka_unit_test(test_ssh__chatter_ends_at_deadline),
		cmocka_unit_test(test_ssh__whole_call_deadline),
		cmocka_unit_test(test_ssh__identity_file_too_big),
		cmocka_unit_test(test_ssh__shared_hostkeys),
	};

	return cmocka_run_group_tests(tests, lab_up, lab_down);
}
