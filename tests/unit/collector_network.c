/*
 * Unit tests of the network collector (collectors/network.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * interfaces, routes, resolvers, old iproute2, sysfs.
 */
#include "collect_testlib.h"

static void test_collector_network__interfaces_routes_resolvers(void **state)
{
	sb b = {0};
	json_t *facts, *ifs;

	(void)state;
	block_fixture(&b, "ip-addr", "network/el8__ip-addr.txt");
	block_fixture(&b, "ip-route", "network/linux-unknown__ip-route-default-multi.txt");
	block_fixture(&b, "ip6-route", "network/linux-unknown__ip-6-route-show.txt");
	block_text(&b, "resolv.conf",
		"search example.org\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n");
	facts = parse_section("network", &b);
	assert_int_equal(n_errors(facts), 0);
	ifs = json_object_get(json_object_get(facts, "network"), "interfaces");
	assert_non_null(json_object_get(ifs, "macvlan0")); /* "macvlan0@eth0" */
	assert_null(json_object_get(ifs, "macvlan0@eth0"));
	assert_str(facts, "network/interfaces/eth0/mac", "e4:11:5b:ed:36:0c");
	assert_str(facts, "network/interfaces/eth0/addresses/0", "10.10.220.100/32");
	assert_int_equal(int_at(facts, "network/interfaces/eth0/mtu"), 1500);
	assert_str(facts, "network/interfaces/docker0/addresses/0", "172.17.0.1/16");
	assert_null(str_at(facts, "network/interfaces/eth2/addresses/0"));
	assert_str(facts, "network/routes/0", "default via 192.168.1.254 dev eth0");
	assert_str(facts, "network/routes/1", "default via 192.168.2.254 dev lxcbr");
	assert_str(facts, "network/dns/0", "10.0.0.2");
	assert_str(facts, "network/dns/1", "10.0.0.3");
	assert_str(facts, "network/search/0", "example.org");
	json_decref(facts);
	free(b.p);
}

static void test_collector_network__old_iproute_tun_and_no_final_newline(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_fixture(&b, "ip-addr", "network/linux-2.6era__ip-addr-tun-tap.txt");
	block_fixture(&b, "ip-route", "network/linux-unknown__ip-route-show.txt");
	facts = parse_section("network", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_null(str_at(facts, "network/interfaces/tun0/mac")); /* link/none */
	assert_str(facts, "network/interfaces/tun0/addresses/0", "192.168.41.6");
	assert_int_equal(int_at(facts, "network/interfaces/lo/mtu"), 16436);
	assert_str(facts, "network/routes/0", "default via 10.16.112.1 dev ens192");
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "ip-addr", "network/linux-2.6era__ip-addr-no-state.txt");
	facts = parse_section("network", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_true(json_object_size(
			    json_object_get(json_object_get(facts, "network"), "interfaces")) >= 2);
	json_decref(facts);
	free(b.p);
}

static void test_collector_network__drops_temporary_and_veth(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "ip-addr",
		"2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group "
		"default qlen 1000\n"
		"    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n"
		"    inet6 2001:db8::1234:5678:9abc:def0/64 scope global temporary dynamic\n"
		"    inet6 2001:db8::5054:ff:fe12:3456/64 scope global dynamic mngtmpaddr\n"
		"9: veth1a2b3c@if8: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
		"master docker0\n"
		"    link/ether 9a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff link-netnsid 0\n");
	facts = parse_section("network", &b);
	assert_str(facts, "network/interfaces/eth0/addresses/0", "2001:db8::5054:ff:fe12:3456/64");
	assert_null(str_at(facts, "network/interfaces/eth0/addresses/1"));
	assert_null(json_object_get(
		json_object_get(json_object_get(facts, "network"), "interfaces"), "veth1a2b3c"));
	json_decref(facts);
	free(b.p);
}

static void test_collector_network__from_sysfs_without_ip(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "sysfs-net",
		"eth0 02:42:ac:11:00:02 1500\nlo 00:00:00:00:00:00 65536\nveth9 aa:bb:cc:dd:ee:ff "
		"1500\ntun0  1400\nbad line here x\n");
	block_text(&b, "resolv.conf", "nameserver 10.0.0.2\n");
	facts = parse_section("network", &b);
	assert_str(facts, "network/interfaces/eth0/mac", "02:42:ac:11:00:02");
	assert_int_equal(int_at(facts, "network/interfaces/eth0/mtu"), 1500);
	assert_int_equal(int_at(facts, "network/interfaces/tun0/mtu"), 1400);
	assert_null(str_at(facts, "network/interfaces/tun0/mac"));
	assert_null(json_object_get(
		json_object_get(json_object_get(facts, "network"), "interfaces"), "veth9"));
	assert_int_equal(n_errors(facts), 1);
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_network__interfaces_routes_resolvers),
		cmocka_unit_test(test_collector_network__old_iproute_tun_and_no_final_newline),
		cmocka_unit_test(test_collector_network__drops_temporary_and_veth),
		cmocka_unit_test(test_collector_network__from_sysfs_without_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
