/*
 * Secret redaction: default and configured patterns, PEM key blocks, the HMAC
 * keyed from a file outside the repository (created 0600, reused, refused when
 * others can read it), and stable output so a change shows without the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "gitcmdb/collect.h"
#include "testutil.h"
#include "util/alloc.h"

static char *redact(const cmdb_redactor *r, const char *text)
{
	char *out = NULL;
	size_t len = 0;

	if (cmdb_redact(&out, &len, r, text, strlen(text)) != 0)
		fail_msg("cmdb_redact: %s", cmdb_error_last());
	assert_int_equal(len, strlen(out));
	return out;
}

static cmdb_redactor *ephemeral(const char *patterns_json)
{
	json_t *p = patterns_json ? json_loads(patterns_json, 0, NULL) : NULL;
	cmdb_redactor *r = NULL;

	assert_int_equal(cmdb_redactor_new_ephemeral(&r, p), 0);
	json_decref(p);
	return r;
}

static void test_redact__default_patterns_hide_values_keep_the_rest(void **state)
{
	static const char *const secret[] = {
		"db_password = hunter2",
		"password: hunter2",
		"  client_secret=zzq",
		"api_key: zzq",
		"API-KEY=zzq",
		"token = t0k",
		"requirepass hunter2",
		"masterauth_passwd s3cr3t",
		"url = https://bob:hunter2@example.org/x",
		"#password=old",
		"admin:$6$rounds=5000$zzqsalt$hunter2hash:19000:0:99999:7:::",
	};
	static const char *const kept[] = {
		"PasswordAuthentication no",
		"#PermitRootLogin prohibit-password",
		"UsePAM yes",
		"# PAM authentication via KbdInteractiveAuthentication may bypass",
		"Port 22",
		"",
		"HostKey /etc/ssh/ssh_host_ed25519_key",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++) {
		char *out = redact(r, secret[i]);

		if (!strstr(out, "<redacted hmac-sha256:") || strstr(out, "hunter2") ||
			strstr(out, "zzq") || strstr(out, "t0k") || strstr(out, "s3cr3t") ||
			strstr(out, "=old"))
			fail_msg("not redacted: '%s' -> '%s'", secret[i], out);
		free(out);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char *out = redact(r, kept[i]);

		assert_string_equal(out, kept[i]);
		free(out);
	}
	cmdb_redactor_free(r);
}

static void test_redact__line_structure_and_indentation_survive(void **state)
{
	cmdb_redactor *r = ephemeral(NULL);
	char *out = redact(r, "a = 1\n\tpassword = x\r\nb = 2\n\n");
	static const char prefix[] = "a = 1\n\t<redacted hmac-sha256:";
	const char *p = out + strlen(prefix);

	(void)state;
	assert_memory_equal(out, prefix, strlen(prefix));
	for (int i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_string_equal(p + 64, ">\nb = 2\n\n");
	free(out);
	cmdb_redactor_free(r);
}

static void test_redact__pem_private_key_block_is_one_line(void **state)
{
	cmdb_redactor *r = ephemeral("[]"); /* no patterns: the block rule is built in */
	char *out = redact(r,
		"before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
		"QUJDREVGR0g=\n-----END OPENSSH PRIVATE KEY-----\nafter\n"
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

	(void)state;
	assert_null(strstr(out, "b3BlbnNz"));
	assert_null(strstr(out, "PRIVATE"));
	assert_true(strncmp(out, "before\n<redacted hmac-sha256:", 29) == 0);
	assert_non_null(strstr(out, ">\nafter\n-----BEGIN CERTIFICATE-----\nMIIB\n"));
	free(out);
	/* An unterminated block is redacted to the end. */
	out = redact(r, "x\n  -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n");
	assert_null(strstr(out, "MIIEow"));
	assert_true(strncmp(out, "x\n  <redacted hmac-sha256:", 26) == 0);
	free(out);
	cmdb_redactor_free(r);
}

static void test_redact__same_key_same_text_different_value_different_text(void **state)
{
	cmdb_redactor *r = ephemeral(NULL), *other = ephemeral(NULL);
	char *a = redact(r, "password = one"), *b = redact(r, "password = one");
	char *c = redact(r, "password = two"), *d = redact(other, "password = one");

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d); /* keyed: no one without the key can test guesses */
	free(a);
	free(b);
	free(c);
	free(d);
	cmdb_redactor_free(r);
	cmdb_redactor_free(other);
}

static void test_redact__configured_patterns_and_bad_ones(void **state)
{
	json_t *bad[] = {json_loads("[\"(\"]", 0, NULL), json_loads("[1]", 0, NULL),
		json_loads("{}", 0, NULL)};
	cmdb_redactor *r = ephemeral("[\"^community \"]");
	char *out = redact(r,
		"community public\npassword = stays\nurl = "
		"https://u:hunter2@h/\nroot:$6$zzq$hunter2:1:\n");

	(void)state;
	assert_true(strncmp(out, "<redacted hmac-sha256:", 22) == 0);
	/* A configured list replaces the assignment defaults... */
	assert_non_null(strstr(out, "\npassword = stays\n"));
	/* ...but URL passwords and password hashes are always secrets. */
	assert_null(strstr(out, "hunter2"));
	free(out);
	cmdb_redactor_free(r);
	for (size_t i = 0; i < 3; i++) {
		r = (cmdb_redactor *)0x1;
		assert_int_equal(cmdb_redactor_new_ephemeral(&r, bad[i]), CMDB_EINVALID);
		assert_null(r);
		assert_non_null(strstr(cmdb_error_last(), "redaction patterns"));
		json_decref(bad[i]);
	}
}

/* Each rule of issue 7 item 3, one line per form; the secret's text must be gone. */
static void assert_all_redacted(const cmdb_redactor *r, const char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *out = redact(r, lines[i]);

		if (!strstr(out, "<redacted hmac-sha256:") || strstr(out, "zzq") ||
			strstr(out, "hunter2") || strstr(out, "dXNlcjpodW50ZXIy"))
			fail_msg("not redacted: '%s' -> '%s'", lines[i], out);
		free(out);
	}
}

static void assert_all_kept(const cmdb_redactor *r, const char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *out = redact(r, lines[i]);

		if (strcmp(out, lines[i]) != 0)
			fail_msg("ordinary line redacted: '%s' -> '%s'", lines[i], out);
		free(out);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_redact__json_and_quoted_keys(void **state)
{
	static const char *const secret[] = {
		"\"password\": \"hunter2\",",
		"  \"api_key\":\"zzq\"",
		"'db_password': 'hunter2'",
		"{\"user\": \"app\", \"secret\": \"zzq\"}",
		"\"clientSecret\" : \"zzq\"",
		"secret_key_base: zzq",
		"aws_secret_access_key = zzq",
		"\"pass\": \"hunter2\"",
		"Server=db;Uid=app;Pwd=hunter2;",
		"masterauth hunter2",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	assert_all_redacted(r, secret, N(secret));
	cmdb_redactor_free(r);
}

static void test_redact__environment_assignments(void **state)
{
	static const char *const secret[] = {
		"export DB_PASS=hunter2",
		"MYSQL_PWD=hunter2",
		"DB_PASSWORD=hunter2",
		"GITHUB_TOKEN=zzq",
		"STRIPE_KEY=zzq",
		"AWS_SECRET_ACCESS_KEY=zzq",
		"Environment=\"REDIS_PASS=hunter2\"",
		"Environment=APP_SECRET_B64=zzq",
		"0 3 * * * root MYSQL_PWD=hunter2 mysqldump shop",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	assert_all_redacted(r, secret, N(secret));
	cmdb_redactor_free(r);
}

static void test_redact__authorization_headers(void **state)
{
	static const char *const secret[] = {
		"Authorization: Bearer zzq",
		"Authorization: Basic dXNlcjpodW50ZXIy",
		"proxy_set_header Authorization \"Basic zzq\";",
		"0 * * * * root curl -H 'Authorization: Bearer zzq' https://api.lab.example/",
		"\"headers\": {\"authorization\": \"Token zzq\"}",
		"token_header Bearer eyJhbGciOiJIUzI1NiJ9.zzq.sig",
	};
	cmdb_redactor *r = ephemeral("[]"); /* always on, whatever the configured patterns */

	(void)state;
	assert_all_redacted(r, secret, N(secret));
	cmdb_redactor_free(r);
}

static void test_redact__pgpass_lines(void **state)
{
	static const char *const secret[] = {
		"db.lab.example:5432:shop:app:hunter2",
		"*:*:*:replicator:hunter2",
		"localhost:*:shop:app:hun\\:ter2zzq",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	assert_all_redacted(r, secret, N(secret));
	cmdb_redactor_free(r);
}

/* The cloud service-account format: the whole key on one line with literal \n escapes. */
static void test_redact__pem_key_in_a_json_string(void **state)
{
	cmdb_redactor *r = ephemeral("[]");
	char *out = redact(r,
		"{\n  \"type\": \"service_account\",\n  \"key\": \"-----BEGIN PRIVATE "
		"KEY-----\\nMIIEvzzq\\nzzqzzq\\n-----END PRIVATE KEY-----\\n\",\n  "
		"\"client_email\": "
		"\"x@lab.example\"\n}\n");

	(void)state;
	assert_null(strstr(out, "zzq"));
	assert_null(strstr(out, "PRIVATE"));
	assert_non_null(strstr(out, "\"type\": \"service_account\",\n  <redacted hmac-sha256:"));
	assert_non_null(strstr(out, ">\n  \"client_email\": \"x@lab.example\"\n}\n"));
	free(out);
	/* A key that starts after a key name and goes on over the next lines. */
	out = redact(r,
		"ssl_key = \"-----BEGIN EC PRIVATE KEY-----\nzzq\n-----END EC PRIVATE "
		"KEY-----\"\nport = 1\n");
	assert_null(strstr(out, "zzq"));
	assert_true(strncmp(out, "<redacted hmac-sha256:", 22) == 0);
	assert_non_null(strstr(out, ">\nport = 1\n"));
	free(out);
	cmdb_redactor_free(r);
}

/* Lines of real configuration files that name secrets without holding one. */
static void test_redact__ordinary_config_lines_stay(void **state)
{
	static const char *const kept[] = {
		"PasswordAuthentication no",
		"PermitEmptyPasswords no",
		"KbdInteractiveAuthentication no",
		"ChallengeResponseAuthentication no",
		"AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2",
		"password_encryption = scram-sha-256",
		"listen_addresses = '*'",
		"host all all 10.0.0.0/8 scram-sha-256",
		"token_ttl: 3600",
		"secretName: tls-cert",
		"    secretKeyRef:",
		"ssl_certificate_key /etc/ssl/private/web.key;",
		"auth_basic \"Restricted\";",
		"auth_basic_user_file /etc/nginx/.htpasswd;",
		"passenger_enabled on;",
		"bypass_cache = true",
		"password_file = /run/secrets/db",
		"root:x:0:0:root:/root:/bin/bash",
		"sudo:x:27:alice",
		"::1 localhost ip6-localhost ip6-loopback",
		"2001:db8:0:1:2::5 host6",
		"fe80::1%eth0 router",
		"52:54:00:77:00:11",
		"SHELL=/bin/sh",
		"PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin",
		"MAILTO=root",
		"17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly",
		"sort_key=name",
		"OLDPWD=/tmp",
		"SSH_AUTH_SOCK=/run/ssh.sock",
		"# Authorization is handled upstream",
		"UUID=3f1c0e2a-6b1d-4c55-9a47-2b8e7d1f0a11 / ext4 errors=remount-ro 0 1",
		"{\"name\": \"app\", \"port\": 8080, \"tokens\": 3}",
		"ExecStart=/usr/sbin/sshd -D $SSHD_OPTS",
		"EnvironmentFile=-/etc/default/ssh",
		"Environment=LANG=C.UTF-8",
		"nameserver 10.77.0.2",
	};
	cmdb_redactor *r = ephemeral(NULL);
	char *out = NULL;

	(void)state;
	assert_all_kept(r, kept, N(kept));
	cmdb_redactor_free(r);
	/* Every line of the real captures in tests/fixtures/collectors stays readable. */
	assert_int_equal(
		tu_sh(&out,
			"cd '%s/collectors' && for f in os/* users/* network/* filesystems/* "
			"cpu-memory/* services/* sockets/* packages/*; do cat \"$f\"; echo; "
			"done",
			CMDB_FIXTURES),
		0);
	r = ephemeral(NULL);
	{
		size_t len = 0;
		char *red = NULL;

		assert_int_equal(cmdb_redact(&red, &len, r, out, strlen(out)), 0);
		if (strcmp(red, out) != 0) {
			const char *a = out, *b = red;

			while (*a && *a == *b)
				a++, b++;
			fail_msg("a fixture line was redacted near: %.80s", b);
		}
		free(red);
	}
	free(out);
	cmdb_redactor_free(r);
}

/* Redact one command line with r and compare, fingerprints written as <R>. */
static void assert_command(const cmdb_redactor *r, const char *cmd, const char *want)
{
	char *out = NULL, *p;

	if (cmdb_redact_command(&out, r, cmd, strlen(cmd)) != 0)
		fail_msg("cmdb_redact_command: %s", cmdb_error_last());
	while ((p = strstr(out, "<redacted hmac-sha256:"))) {
		for (int i = 22; i < 86; i++)
			assert_non_null(strchr("0123456789abcdef", p[i]));
		assert_int_equal(p[86], '>');
		memcpy(p, "<R>", 3);
		memmove(p + 3, p + 87, strlen(p + 87) + 1);
	}
	if (strcmp(out, want) != 0)
		fail_msg("'%s'\n  -> '%s'\n  want '%s'", cmd, out, want);
	free(out);
}

static void test_redact__command_line_secrets(void **state)
{
	static const char *const cases[][2] = {
		{"/usr/bin/app --db-password=hunter2 --token zzq --verbose",
			"/usr/bin/app --db-password=<R> --token <R> --verbose"},
		{"/usr/bin/app --password \"two words\" --x",
			"/usr/bin/app --password \"<R>\" --x"},
		{"/usr/bin/app \"--token\" zzq", "/usr/bin/app \"--token\" <R>"},
		{"/usr/bin/env DB_PASS=hunter2 MYSQL_PWD=zzq /usr/bin/app",
			"/usr/bin/env DB_PASS=<R> MYSQL_PWD=<R> /usr/bin/app"},
		{"/usr/bin/java -Dspring.datasource.password=hunter2 -jar app.jar",
			"/usr/bin/java -Dspring.datasource.password=<R> -jar app.jar"},
		{"/usr/bin/curl -H \"Authorization: Bearer zzq\" https://api",
			"/usr/bin/curl -H \"Authorization: Bearer <R>\" https://api"},
		{"/usr/bin/curl -H 'Authorization: Basic dXNlcjpodW50ZXIy' https://api",
			"/usr/bin/curl -H 'Authorization: Basic <R>' https://api"},
		{"/usr/bin/app --db=postgres://app:hunter2@db/shop",
			"/usr/bin/app --db=postgres://app:<R>@db/shop"},
		{"/bin/mount -o user=web,password=hunter2,vers=3 //fs/share /mnt",
			"/bin/mount -o user=web,password=<R>,vers=3 //fs/share /mnt"},
		{"/usr/bin/mysqldump -uroot -phunter2 shop",
			"/usr/bin/mysqldump -uroot -p<R> shop"},
		{"/usr/bin/redis-server --requirepass hunter2 --port 6379",
			"/usr/bin/redis-server --requirepass <R> --port 6379"},
		{"/usr/bin/app https://h/p?token=zzq&x=1",
			"/usr/bin/app https://h/p?token=<R>&x=1"},
		{"/usr/bin/app --key=\"-----BEGIN PRIVATE KEY-----\\nzzq\\n-----END PRIVATE "
		 "KEY-----\\n\" --x",
			"/usr/bin/app --key=\"<R>\\n\" --x"},
		{"/usr/sbin/useradd -p $6$salt$zzqhash bob", "/usr/sbin/useradd -p <R> bob"},
		/* Nothing understood it, but a file pattern does: all after the program. */
		{"/usr/bin/app --config-json {\"password\":\"hunter2\"}", "/usr/bin/app <R>"},
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		assert_command(r, cases[i][0], cases[i][1]);
	cmdb_redactor_free(r);
}

static void test_redact__ordinary_command_lines_stay(void **state)
{
	/* The lab personas' units and other common ones. */
	static const char *const kept[] = {
		"/usr/sbin/nginx -g daemon on; master_process on;",
		"/usr/sbin/cron -f $EXTRA_OPTS",
		"/usr/bin/java -Xmx512m -jar /opt/shop/app.jar --server.port=8080",
		"/usr/bin/postmaster -D ${PGDATA}",
		"/usr/sbin/sshd -D -o PasswordAuthentication=no",
		"/usr/sbin/firewalld --nofork --nopid $FIREWALLD_ARGS",
		"/usr/bin/redis-server 127.0.0.1:6379",
		"/bin/sh -c 'cat /etc/shadow'",
		"/usr/lib/apt/apt.systemd.daily update",
		"/usr/bin/app --secret-file /run/s --password-file /run/p --token-ttl 60",
		"/usr/bin/app --token",
		"/usr/bin/app --token --verbose",
		"/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
		"/usr/bin/awk -F: {print}",
		"",
	};
	cmdb_redactor *r = ephemeral(NULL);

	(void)state;
	for (size_t i = 0; i < N(kept); i++)
		assert_command(r, kept[i], kept[i]);
	cmdb_redactor_free(r);
}

/* A changed secret changes its fingerprint and nothing else; the same one keeps it. */
static void test_redact__command_fingerprint_follows_the_value(void **state)
{
	cmdb_redactor *r = ephemeral(NULL);
	char *a = NULL, *b = NULL, *c = NULL;
	const char *one = "/usr/bin/app --token aaa --db-password=bbb",
		   *two = "/usr/bin/app --token aaa --db-password=ccc";

	(void)state;
	assert_int_equal(cmdb_redact_command(&a, r, one, strlen(one)), 0);
	assert_int_equal(cmdb_redact_command(&b, r, one, strlen(one)), 0);
	assert_int_equal(cmdb_redact_command(&c, r, two, strlen(two)), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* The --token fingerprint is the same in both; only the password's differs. */
	assert_memory_equal(a, c, strstr(a, "--db-password=") - a);
	/* Redacting twice changes nothing. */
	free(b);
	assert_int_equal(cmdb_redact_command(&b, r, a, strlen(a)), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(c);
	cmdb_redactor_free(r);
}

/* Every allocation of a file and a command redaction may fail: an error, nothing half made. */
static void test_redact__allocation_failures_are_clean(void **state)
{
	static const char cmd[] = "/usr/bin/app --db-password=zzq --token zzq -H \"Authorization: "
				  "Bearer zzq\" --config-json {\"password\":\"zzq\"}";
	static const char text[] =
		"a = 1\n\"password\": \"zzq\"\nb = 2\n-----BEGIN PRIVATE KEY-----\n"
		"zzq\n-----END PRIVATE KEY-----\n";
	cmdb_redactor *r = ephemeral(NULL);
	int failures = 0, successes_in_a_row = 0;

	(void)state;
	for (long n = 1; n < 2000 && successes_in_a_row < 20; n++) {
		char *a = (char *)0x1, *b = (char *)0x1;
		size_t len = 0;
		int ra, rb;

		cmdb__alloc_fail_at(n);
		ra = cmdb_redact_command(&a, r, cmd, strlen(cmd));
		cmdb__alloc_fail_at(n);
		rb = cmdb_redact(&b, &len, r, text, strlen(text));
		cmdb__alloc_fail_at(0);
		if (ra == 0 && rb == 0) {
			successes_in_a_row++;
			assert_null(strstr(a, "zzq"));
			assert_null(strstr(b, "zzq"));
			free(a);
			free(b);
			continue;
		}
		successes_in_a_row = 0;
		failures++;
		if (ra == 0)
			free(a);
		else
			assert_null(a);
		if (rb == 0)
			free(b);
		else
			assert_null(b);
		assert_true(ra == 0 || ra == CMDB_ERROR);
		assert_true(rb == 0 || rb == CMDB_ERROR);
	}
	assert_true(failures > 3);
	cmdb_redactor_free(r);
}

static void test_redact__key_file_created_0600_and_reused(void **state)
{
	char *dir = tu_tempdir("redact"), *key, *a, *b;
	cmdb_redactor *r1 = NULL, *r2 = NULL;
	struct stat st;

	(void)state;
	assert_true(asprintf(&key, "%s/conf/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(tu_sh(NULL, "mkdir -p '%s/conf/gitcmdb'", dir), 0);
	assert_int_equal(cmdb_redactor_new(&r1, NULL, key), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(cmdb_redactor_new(&r2, NULL, key), 0);
	a = redact(r1, "token = abc");
	b = redact(r2, "token = abc");
	assert_string_equal(a, b); /* the same key across runs: unchanged secrets stay unchanged */
	free(a);
	free(b);
	cmdb_redactor_free(r1);
	cmdb_redactor_free(r2);
	/* No temp file left behind. */
	assert_int_equal(tu_sh(&a, "ls -A '%s/conf/gitcmdb'", dir), 0);
	assert_string_equal(a, "redaction.key\n");
	free(a);
	free(key);
	tu_rmrf(dir);
	free(dir);
}

static void test_redact__default_key_path_from_xdg_and_home(void **state)
{
	char *dir = tu_tempdir("redact"), *old_xdg = getenv("XDG_CONFIG_HOME"),
	     *old_home = getenv("HOME");
	char *path;
	cmdb_redactor *r = NULL;
	struct stat st;

	(void)state;
	old_xdg = old_xdg ? strdup(old_xdg) : NULL;
	old_home = old_home ? strdup(old_home) : NULL;
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), 0);
	cmdb_redactor_free(r);
	assert_true(asprintf(&path, "%s/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", dir, 1);
	assert_int_equal(cmdb_redactor_new(&r, NULL, NULL), 0);
	cmdb_redactor_free(r);
	assert_true(asprintf(&path, "%s/.config/gitcmdb/redaction.key", dir) > 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(dir, &st), 0);
	free(path);
	if (old_xdg)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
	tu_rmrf(dir);
	free(dir);
}

static void test_redact__unsafe_key_files_refused(void **state)
{
	char *dir = tu_tempdir("redact"), *key;
	cmdb_redactor *r = (cmdb_redactor *)0x1;

	(void)state;
	assert_true(asprintf(&key, "%s/k", dir) > 0);
	assert_int_equal(
		tu_sh(NULL, "head -c 32 /dev/urandom > '%s' && chmod 644 '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_null(r);
	assert_non_null(strstr(cmdb_error_last(), "chmod 600"));
	assert_int_equal(
		tu_sh(NULL, "head -c 4 /dev/urandom > '%s' && chmod 600 '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "shorter"));
	assert_int_equal(tu_sh(NULL, "rm -f '%s' && mkdir '%s'", key, key), 0);
	assert_int_equal(cmdb_redactor_new(&r, NULL, key), CMDB_EINVALID);
	assert_int_equal(tu_sh(NULL, "rmdir '%s' && ln -s /etc/hostname '%s'", key, key), 0);
	assert_true(cmdb_redactor_new(&r, NULL, key) < 0); /* never follows a symlink */
	assert_null(r);
	assert_int_equal(
		cmdb_redactor_new(&r, NULL, "/nonexistent-dir/x/redaction.key"), CMDB_ERROR);
	free(key);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__default_patterns_hide_values_keep_the_rest),
		cmocka_unit_test(test_redact__line_structure_and_indentation_survive),
		cmocka_unit_test(test_redact__pem_private_key_block_is_one_line),
		cmocka_unit_test(test_redact__same_key_same_text_different_value_different_text),
		cmocka_unit_test(test_redact__configured_patterns_and_bad_ones),
		cmocka_unit_test(test_redact__json_and_quoted_keys),
		cmocka_unit_test(test_redact__environment_assignments),
		cmocka_unit_test(test_redact__authorization_headers),
		cmocka_unit_test(test_redact__pgpass_lines),
		cmocka_unit_test(test_redact__pem_key_in_a_json_string),
		cmocka_unit_test(test_redact__ordinary_config_lines_stay),
		cmocka_unit_test(test_redact__command_line_secrets),
		cmocka_unit_test(test_redact__ordinary_command_lines_stay),
		cmocka_unit_test(test_redact__command_fingerprint_follows_the_value),
		cmocka_unit_test(test_redact__allocation_failures_are_clean),
		cmocka_unit_test(test_redact__key_file_created_0600_and_reused),
		cmocka_unit_test(test_redact__default_key_path_from_xdg_and_home),
		cmocka_unit_test(test_redact__unsafe_key_files_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
