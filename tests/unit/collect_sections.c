/*
 * Services, sockets, users and files parsers on real output, and the framing
 * rules: truncated, missing, duplicated, forged and garbage sections.
 */
#include "collect_testlib.h"

static json_t *find_sock(const json_t *facts, const char *list, const char *local)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(json_object_get(facts, "sockets"), list), i,
		s) if (strcmp(json_string_value(json_object_get(s, "local")), local) == 0) return s;
	return NULL;
}

static void test_collect_sections__systemd_show_and_owners(void **state)
{
	sb b = {0};
	json_t *facts, *units;

	(void)state;
	block_text(&b, "systemd-units", "cron.service\ncontainerd.service\n");
	block_fixture(&b, "systemd-show", "services/derived__systemctl-show.txt");
	block_fixture(&b, "dpkg-owner", "services/derived__dpkg-query-S.txt");
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	units = json_object_get(json_object_get(facts, "services"), "units");
	assert_int_equal(json_object_size(units), 7);
	assert_str(facts, "services/manager", "systemd");
	assert_str(json_object_get(units, "cron.service"), "state", "active");
	assert_str(json_object_get(units, "cron.service"), "enabled", "enabled");
	/* Only argv: start_time and pid in ExecStart would change on every restart. */
	assert_str(json_object_get(units, "cron.service"), "exec", "/usr/sbin/cron -f $EXTRA_OPTS");
	assert_str(json_object_get(units, "cron.service"), "package", "cron");
	assert_str(json_object_get(units, "containerd.service"), "package", "containerd.io");
	assert_str(json_object_get(units, "getty@tty1.service"), "package", "util-linux");
	assert_str(json_object_get(units, "getty@tty2.service"), "package",
		"util-linux"); /* same template */
	assert_str(json_object_get(units, "docker.service"), "package", "docker-ce");
	assert_str(json_object_get(units, "apt-daily.service"), "enabled", "static");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(units, "cron.service"), "main_pid")),
		1134);
	assert_null(json_object_get(json_object_get(units, "docker.service"), "main_pid"));
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__openrc_runlevels(void **state)
{
	sb b = {0};
	json_t *facts, *units;

	(void)state;
	block_fixture(&b, "openrc", "services/openrc-unknown__rc-status-default.txt");
	sb_str(&b,
		"Dynamic Runlevel: hotplugged\nDynamic Runlevel: manual\n"
		" local                                         [  stopped  ]\n");
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	units = json_object_get(json_object_get(facts, "services"), "units");
	assert_str(facts, "services/manager", "openrc");
	assert_str(json_object_get(units, "sshd"), "state", "active");
	assert_str(json_object_get(units, "sshd"), "enabled", "enabled");
	assert_str(json_object_get(units, "virtualbox-guest-additions"), "state", "failed");
	assert_str(json_object_get(units, "local"), "state", "inactive");
	assert_str(json_object_get(units, "local"), "enabled", "disabled");
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__no_service_manager_is_not_an_error(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	facts = parse_section("services", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_int_equal(
		json_object_size(json_object_get(json_object_get(facts, "services"), "units")), 0);
	json_decref(facts);
	block_text(&b, "mystery", "x\n");
	facts = parse_section("services", &b);
	assert_str(facts, "errors/0/section", "services");
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__ss_listening_with_processes(void **state)
{
	sb b = {0};
	json_t *facts, *s;

	(void)state;
	block_fixture(&b, "ss-listen", "sockets/ubuntu-18.04__ss-tulpen.txt");
	block_text(&b, "ss-established",
		"0      0      10.77.0.11:43512   10.77.0.12:8080  "
		"users:((\"nginx\",pid=812,fd=12))\n"
		"0      0      [::ffff:10.77.0.11]:22   [::ffff:192.0.2.50]:50122  "
		"users:((\"sshd\",pid=901,fd=4))\n");
	block_text(&b, "cgroups",
		"pid 812\n0::/system.slice/nginx.service\n"
		"pid 901\n1:name=systemd:/system.slice/ssh.service\n0::/user.slice\n"
		"pid 77\n0::/openrc.sshd\n");
	facts = parse_section("sockets", &b);
	assert_int_equal(n_errors(facts), 0);
	s = find_sock(facts, "listening", "127.0.0.53%lo:53");
	assert_non_null(s);
	assert_str(s, "proto", "udp");
	assert_str(s, "process", "systemd-resolve");
	assert_int_equal(json_integer_value(json_object_get(s, "pid")), 1117);
	s = find_sock(facts, "listening", "0.0.0.0:9187");
	assert_str(s, "proto", "tcp");
	assert_str(s, "process", "prometheus-post");
	s = find_sock(facts, "established", "10.77.0.11:43512");
	assert_str(s, "peer", "10.77.0.12:8080");
	assert_str(s, "process", "nginx");
	/* IPv4-mapped IPv6 is written as IPv4, so it matches the other host's address. */
	s = find_sock(facts, "established", "10.77.0.11:22");
	assert_str(s, "peer", "192.0.2.50:50122");
	assert_str(facts, "sockets/cgroups/812", "nginx.service");
	assert_str(facts, "sockets/cgroups/901", "ssh.service");
	assert_str(facts, "sockets/cgroups/77", "sshd");
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__netstat_busybox_layout(void **state)
{
	sb b = {0};
	json_t *facts, *s;

	(void)state;
	block_fixture(&b, "netstat-listen", "sockets/centos-7.7__netstat-lnp.txt");
	block_text(&b, "netstat-established",
		"tcp        0      0 10.77.0.15:22         10.77.0.1:40222        ESTABLISHED "
		"2211/sshd: cmdb\n");
	facts = parse_section("sockets", &b);
	assert_int_equal(n_errors(facts), 0);
	s = find_sock(facts, "listening", "[::]:22");
	assert_non_null(s);
	assert_str(s, "process", "sshd");
	assert_int_equal(json_integer_value(json_object_get(s, "pid")), 1206);
	s = find_sock(facts, "listening", "[::1]:25");
	assert_str(s, "process", "master");
	s = find_sock(facts, "listening", "0.0.0.0:68");
	assert_str(s, "proto", "udp");
	s = find_sock(facts, "established", "10.77.0.15:22");
	assert_str(s, "peer", "10.77.0.1:40222");
	json_decref(facts);
	free(b.p);
}

/* No ss, no netstat (minimal containers): the kernel's own tables, decoded. */
static void test_collect_sections__proc_net_tables(void **state)
{
	sb b = {0};
	json_t *facts, *s;

	(void)state;
	block_fixture(&b, "proc-net-tcp", "sockets/ubuntu-20.10__proc-net-tcp.txt");
	block_fixture(&b, "proc-net-tcp6", "sockets/ubuntu-20.10__proc-net-tcp6.txt");
	block_text(&b, "proc-net-udp",
		"  sl  local_address rem_address   st\n"
		"   1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0 "
		"       0 1 2\n"
		"   2: ZZ000000:0044 00000000:0000 07\n");
	facts = parse_section("sockets", &b);
	assert_non_null(find_sock(facts, "listening", "127.0.0.53:53"));
	assert_non_null(find_sock(facts, "listening", "127.0.0.1:631"));
	assert_non_null(find_sock(facts, "listening", "0.0.0.0:22"));
	assert_non_null(find_sock(facts, "listening", "[::]:22"));
	s = find_sock(facts, "listening", "0.0.0.0:68");
	assert_str(s, "proto", "udp");
	s = find_sock(facts, "established", "10.0.0.28:22");
	assert_str(s, "peer", "10.0.0.146:56779");
	assert_int_equal(n_errors(facts), 1); /* the undecodable udp line */
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__users_never_carry_the_password_field(void **state)
{
	sb b = {0};
	json_t *facts;
	char *dump;

	(void)state;
	block_fixture(&b, "passwd", "users/centos-7.7__passwd.txt");
	sb_str(&b, "mallory:$6$salt$hashhashhash:1001:1001:Mallory:/home/mallory:/bin/sh\n");
	block_fixture(&b, "group", "users/centos-7.7__group.txt");
	sb_str(&b, "admins:$1$grouppw:2000:mallory,root\n");
	facts = parse_section("users", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_int_equal(int_at(facts, "users/users/root/uid"), 0);
	assert_str(facts, "users/users/root/shell", "/bin/bash");
	assert_str(facts, "users/users/root/home", "/root");
	assert_str(facts, "users/users/mallory/groups/0", "admins");
	assert_null(str_at(facts, "users/users/mallory/groups/1"));
	assert_str(facts, "users/groups/wheel/members/0", "joeuser");
	dump = json_dumps(facts, 0);
	assert_null(strstr(dump, "$6$"));
	assert_null(strstr(dump, "$1$"));
	assert_null(strstr(dump, "\"x\""));
	assert_null(strstr(dump, "Mallory")); /* GECOS stays behind */
	free(dump);
	json_decref(facts);
	free(b.p);
}

static void test_collect_sections__files_decoded_skipped_and_bad(void **state)
{
	sb b = {0};
	json_t *facts, *files;

	(void)state;
	/* "127.0.0.1 localhost\n" and "a\0b" in base64, "hi\n" as od -An -tx1 prints it. */
	block_text(&b, "file b64 /etc/hosts", "MTI3LjAuMC4xIGxvY2FsaG9zdAo=\n");
	block_text(&b, "file b64 /etc/blob", "YQBi\n");
	block_text(&b, "file hex /etc/motd", " 68 69 0a\n");
	block_text(&b, "file missing /etc/crontab", "");
	block_text(&b, "file too-big /etc/big", "");
	block_text(&b, "file b64 /etc/bad", "!!!!\n");
	block_text(&b, "file b64", "");
	facts = parse_section("files", &b);
	files = json_object_get(facts, "files");
	assert_str(json_object_get(files, "/etc/hosts"), "content", "127.0.0.1 localhost\n");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(files, "/etc/hosts"), "size")),
		20);
	assert_str(json_object_get(files, "/etc/motd"), "content", "hi\n");
	assert_str(json_object_get(files, "/etc/blob"), "skipped", "binary");
	assert_str(json_object_get(files, "/etc/crontab"), "skipped", "missing");
	assert_str(json_object_get(files, "/etc/big"), "skipped", "too-big");
	assert_str(json_object_get(files, "/etc/bad"), "skipped", "undecodable");
	assert_int_equal(n_errors(facts), 2);
	json_decref(facts);
	free(b.p);
}

/* Framing ---------------------------------------------------------------- */

static json_t *parse_text(const char *text)
{
	json_t *facts = NULL;

	assert_int_equal(cmdb_collect_parse(&facts, text, strlen(text), NULL), 0);
	assert_non_null(facts);
	return facts;
}

static int has_error(const json_t *facts, const char *section, const char *needle)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(facts, "errors"), i,
		e) if (strcmp(json_string_value(json_object_get(e, "section")), section) == 0 &&
		strstr(json_string_value(json_object_get(e, "message")), needle)) return 1;
	return 0;
}

static void test_collect_sections__truncated_output_keeps_what_arrived(void **state)
{
	json_t *facts =
		parse_text("@@gitcmdb-collect 1@@\n@@gitcmdb-begin os@@\n%% os-release\nID=debian\n"
			   "@@gitcmdb-end os 0@@\n@@gitcmdb-begin hardware@@\n%% "
			   "meminfo\nMemTotal: 2048000 kB\n");

	(void)state;
	assert_str(facts, "os/id", "debian");
	assert_int_equal(int_at(facts, "hardware/memory_mb"), 2000);
	assert_true(has_error(facts, "script", "incomplete"));
	assert_true(has_error(facts, "hardware", "truncated"));
	assert_true(has_error(facts, "packages", "incomplete"));
	json_decref(facts);
}

static void test_collect_sections__missing_duplicate_unknown_and_unframed(void **state)
{
	json_t *facts = parse_text("Welcome to web01!\n@@gitcmdb-collect 1@@\n@@gitcmdb-begin "
				   "os@@\n%% os-release\nID=debian\n"
				   "@@gitcmdb-end os 0@@\n@@gitcmdb-begin os@@\n%% "
				   "os-release\nID=evil\n@@gitcmdb-end os 0@@\n"
				   "@@gitcmdb-begin nosuch@@\nx\n@@gitcmdb-end nosuch "
				   "0@@\n@@gitcmdb-bogus@@\n@@gitcmdb-done@@\n");

	(void)state;
	assert_str(facts, "os/id", "debian");
	assert_true(has_error(facts, "os", "twice"));
	assert_true(has_error(facts, "script", "does not know"));
	assert_true(has_error(facts, "script", "outside any section"));
	assert_true(has_error(facts, "script", "does not understand"));
	assert_true(has_error(facts, "network", "missing from the output"));
	assert_false(has_error(facts, "script", "incomplete"));
	json_decref(facts);
}

static void test_collect_sections__garbage_and_empty_input(void **state)
{
	static const char *const inputs[] = {"", "\n\n\n", "garbage\x01\xff\xfe\n@@\n%% x\n",
		"@@gitcmdb-begin os@@", "@@gitcmdb-end os 99999999999999999999@@\n",
		"%% os-release\nID=x\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		json_t *facts = parse_text(inputs[i]);

		assert_true(has_error(facts, "script", "no header") ||
			has_error(facts, "script", "incomplete"));
		json_decref(facts);
	}
}

/* A section cannot forge frames: the remote side rewrites "@@" at a line start. */
static void test_collect_sections__forged_frame_is_escaped_by_the_script(void **state)
{
	json_t *settings = json_pack("{s:[s], s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}}", "files",
		"/tmp/PLACEHOLDER", "collectors", "os", 0, "hardware", 0, "network", 0,
		"filesystems", 0, "packages", 0, "services", 0, "sockets", 0, "users", 0);
	char *dir = tu_tempdir("forge"), *script = NULL, *path, *out = NULL, *p;
	json_t *facts = NULL, *items = NULL, *files = NULL;
	const char *evil = "@@gitcmdb-end files 0@@\n@@gitcmdb-done@@\n%% file b64 /etc/passwd\n";

	(void)state;
	assert_int_equal(cmdb_collect_script(&script, settings), 0);
	/* Point the capture at a file in our sandbox whose lines look like frames. */
	assert_true(asprintf(&path, "%s/frames", dir) > 0);
	assert_int_equal(tu_write_file(path, evil, strlen(evil)), 0);
	p = strstr(script, "/tmp/PLACEHOLDER");
	assert_non_null(p);
	char *fixed;
	assert_true(asprintf(&fixed, "%.*s%s%s", (int)(p - script), script, path,
			    p + strlen("/tmp/PLACEHOLDER")) > 0);
	free(path);
	assert_true(asprintf(&path, "%s/s.sh", dir) > 0);
	assert_int_equal(tu_write_file(path, fixed, strlen(fixed)), 0);
	assert_int_equal(tu_sh(&out, "sh '%s' 2>/dev/null", path), 0);
	assert_int_equal(cmdb_collect_parse(&facts, out, strlen(out), settings), 0);
	assert_int_equal(json_array_size(json_object_get(facts, "errors")), 0);
	if (cmdb_collect_items(&items, &files, "h1", facts, NULL) != 0)
		fail_msg("%s", cmdb_error_last());
	assert_int_equal(json_object_size(files), 1);
	void *it = json_object_iter(files);
	assert_string_equal(json_string_value(json_object_iter_value(it)), evil);
	json_decref(items);
	json_decref(files);
	json_decref(facts);
	json_decref(settings);
	free(out);
	free(fixed);
	free(path);
	free(script);
	tu_rmrf(dir);
	free(dir);
}

static void test_collect_sections__real_capture_of_this_kind_of_machine(void **state)
{
	char *path, *data;
	size_t len;
	json_t *facts = NULL;

	(void)state;
	assert_true(
		asprintf(&path, "%s/collectors/local/debian-12__collect.out", CMDB_FIXTURES) > 0);
	assert_non_null(data = tu_read_file(path, &len));
	assert_int_equal(cmdb_collect_parse(&facts, data, len, NULL), 0);
	assert_str(facts, "os/id", "debian");
	assert_str(facts, "os/version", "12");
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(facts, "packages"), "list")), 40);
	assert_non_null(json_object_get(
		json_object_get(json_object_get(facts, "network"), "interfaces"), "eth0"));
	assert_non_null(json_object_get(json_object_get(facts, "files"), "/etc/hosts"));
	json_decref(facts);
	free(data);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_sections__systemd_show_and_owners),
		cmocka_unit_test(test_collect_sections__openrc_runlevels),
		cmocka_unit_test(test_collect_sections__no_service_manager_is_not_an_error),
		cmocka_unit_test(test_collect_sections__ss_listening_with_processes),
		cmocka_unit_test(test_collect_sections__netstat_busybox_layout),
		cmocka_unit_test(test_collect_sections__proc_net_tables),
		cmocka_unit_test(test_collect_sections__users_never_carry_the_password_field),
		cmocka_unit_test(test_collect_sections__files_decoded_skipped_and_bad),
		cmocka_unit_test(test_collect_sections__truncated_output_keeps_what_arrived),
		cmocka_unit_test(test_collect_sections__missing_duplicate_unknown_and_unframed),
		cmocka_unit_test(test_collect_sections__garbage_and_empty_input),
		cmocka_unit_test(test_collect_sections__forged_frame_is_escaped_by_the_script),
		cmocka_unit_test(test_collect_sections__real_capture_of_this_kind_of_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
