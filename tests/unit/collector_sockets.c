/*
 * Unit tests of the sockets collector (collectors/sockets.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * ss, busybox netstat, /proc/net.
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

static void test_collector_sockets__ss_listening_with_processes(void **state)
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

static void test_collector_sockets__netstat_busybox_layout(void **state)
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
static void test_collector_sockets__proc_net_tables(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_sockets__ss_listening_with_processes),
		cmocka_unit_test(test_collector_sockets__netstat_busybox_layout),
		cmocka_unit_test(test_collector_sockets__proc_net_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
