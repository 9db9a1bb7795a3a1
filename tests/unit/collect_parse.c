/*
 * Collector parsers on real command output (tests/fixtures/collectors, see its
 * PROVENANCE.tsv) and on the output framing: every section on real formats from
 * Debian, Ubuntu, RHEL/Rocky, Alpine/busybox, and bad output giving clear errors.
 */
#include <time.h>

#include "collect_testlib.h"
#include "collectors.h"

static json_t *os_from(const char *fixture, const char *extra)
{
	sb b = {0};
	json_t *facts;

	block_fixture(&b, "os-release", fixture);
	if (extra)
		sb_str(&b, extra);
	facts = parse_section("os", &b);
	free(b.p);
	return facts;
}

static void test_collect_parse__os_release_of_each_distribution(void **state)
{
	static const struct {
		const char *fixture, *id, *version, *name;
	} cases[] = {
		{"os/ubuntu-24.04.3__os-release.txt", "ubuntu", "24.04", "Ubuntu"},
		{"os/rocky-9.3__os-release.txt", "rocky", "9.3", "Rocky Linux"},
		{"os/debian-10__os-release.txt", "debian", "10", "Debian GNU/Linux"},
		{"os/alpine-3.23.2__os-release.txt", "alpine", "3.23.2", "Alpine Linux"},
		{"os/rhel-8.6__os-release-with-comments.txt", "rhel", "8.6",
			"Red Hat Enterprise Linux"},
		{"os/oracle-linux-7.2__os-release.txt", "ol", "7.2", "Oracle Linux Server"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *facts = os_from(cases[i].fixture, NULL);

		assert_int_equal(n_errors(facts), 0);
		assert_str(facts, "os/id", cases[i].id);
		assert_str(facts, "os/version", cases[i].version);
		assert_str(facts, "os/name", cases[i].name);
		/* A version is a string, never a number. */
		assert_true(
			json_is_string(json_object_get(json_object_get(facts, "os"), "version")));
		json_decref(facts);
	}
}

static void test_collect_parse__os_without_version_and_with_names(void **state)
{
	json_t *facts = os_from("os/debian-12-bookworm-sid__os-release.txt",
		"%% kernel\n6.1.0-18-amd64\n%% arch\nx86_64\n%% hostname\nweb01\n%% "
		"fqdn\nweb01.example.org\n"
		"%% timezone\n/usr/share/zoneinfo/Europe/Berlin\n");

	(void)state;
	assert_str(facts, "os/id", "debian");
	assert_null(str_at(facts, "os/version"));
	assert_str(facts, "os/kernel", "6.1.0-18-amd64");
	assert_str(facts, "os/arch", "x86_64");
	assert_str(facts, "os/hostname", "web01");
	assert_str(facts, "os/fqdn", "web01.example.org");
	assert_str(facts, "os/timezone", "Europe/Berlin");
	json_decref(facts);
	/* hostname -f answering a bare name says nothing about a domain. */
	facts = os_from(
		"os/rocky-9.3__os-release.txt", "%% fqdn\nlocalhost\n%% timezone\nEtc/UTC\n");
	assert_null(str_at(facts, "os/fqdn"));
	assert_str(facts, "os/timezone", "Etc/UTC");
	json_decref(facts);
}

static void test_collect_parse__hardware_x86_guest_arm_and_old_smp(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_fixture(&b, "cpuinfo", "cpu-memory/rhel-9__cpuinfo-x86_64-kvm-guest.txt");
	block_fixture(&b, "meminfo", "cpu-memory/linux-unknown__meminfo.txt");
	block_text(&b, "machine-id", "4c4c4544004e4b1080374cc04f4e3732\n");
	block_text(&b, "dmi",
		"sys_vendor=QEMU\nproduct_name=Standard PC (Q35 + ICH9, 2009)\n"
		"product_uuid=9f1b3c2e-1d2a-4b5c-8d7e-0f1a2b3c4d5e\nproduct_serial=Not "
		"Specified\n");
	facts = parse_section("hardware", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_str(facts, "hardware/cpu_model", "Intel Core Processor (Haswell, no TSX, IBRS)");
	assert_int_equal(int_at(facts, "hardware/cpus"), 2);
	assert_int_equal(int_at(facts, "hardware/memory_mb"), 4036680 / 1024);
	assert_str(facts, "hardware/virtualization", "vm"); /* the cpuinfo hypervisor flag */
	assert_str(facts, "hardware/machine_id", "4c4c4544004e4b1080374cc04f4e3732");
	assert_str(facts, "hardware/vendor", "QEMU");
	assert_str(facts, "hardware/dmi_uuid", "9f1b3c2e-1d2a-4b5c-8d7e-0f1a2b3c4d5e");
	assert_null(str_at(facts, "hardware/serial")); /* firmware placeholder */
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "cpuinfo", "cpu-memory/rhel-9__cpuinfo-aarch64-kvm-guest.txt");
	block_text(&b, "virt", "kvm\n");
	facts = parse_section("hardware", &b);
	assert_int_equal(int_at(facts, "hardware/cpus"), 2);
	assert_null(str_at(facts, "hardware/cpu_model"));
	assert_str(facts, "hardware/virtualization", "kvm");
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "cpuinfo", "cpu-memory/rhel-5.6__cpuinfo-x86_64.txt");
	block_fixture(
		&b, "cpuinfo-rpi", "cpu-memory/raspios-12-bookworm__cpuinfo-aarch64-rpi3.txt");
	block_text(&b, "machine-id", "not-an-id\n");
	facts = parse_section("hardware", &b);
	assert_int_equal(int_at(facts, "hardware/cpus"), 16);
	assert_int_equal(int_at(facts, "hardware/sockets"), 2);
	assert_null(str_at(facts, "hardware/machine_id"));
	assert_int_equal(n_errors(facts), 1); /* the bad machine-id is named */
	assert_str(facts, "errors/0/section", "hardware");
	json_decref(facts);
	free(b.p);
}

static void test_collect_parse__raspberry_pi_board_as_model(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_fixture(&b, "cpuinfo", "cpu-memory/raspios-12-bookworm__cpuinfo-aarch64-rpi3.txt");
	facts = parse_section("hardware", &b);
	assert_int_equal(int_at(facts, "hardware/cpus"), 4);
	assert_non_null(str_at(facts, "hardware/cpu_model"));
	json_decref(facts);
	free(b.p);
}

static void test_collect_parse__network_interfaces_routes_resolvers(void **state)
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

static void test_collect_parse__network_old_iproute_tun_and_no_final_newline(void **state)
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

static void test_collect_parse__network_drops_temporary_and_veth(void **state)
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

static void test_collect_parse__network_from_sysfs_without_ip(void **state)
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

static void test_collect_parse__filesystems_local_only_with_sizes(void **state)
{
	sb b = {0};
	json_t *facts, *fs;

	(void)state;
	block_fixture(&b, "mounts", "filesystems/rhel-9.4__proc-mounts-excerpt.txt");
	sb_str(&b,
		"srv:/export /mnt/nfs nfs4 rw,relatime,vers=4.2 0 0\n"
		"//fs/share /mnt/cifs cifs rw 0 0\n"
		"user@host:/ /mnt/ssh fuse.sshfs rw 0 0\n"
		"tmpfs /run tmpfs rw 0 0\n"
		"/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n");
	block_text(&b, "df", "/boot 1038336\n/mnt/my\\040disk 2097152\n/mnt/nfs notanumber\n");
	facts = parse_section("filesystems", &b);
	fs = json_object_get(facts, "filesystems");
	assert_int_equal(json_object_size(fs), 2);
	assert_str(json_object_get(fs, "/boot"), "device", "/dev/nvme0n1p2");
	assert_str(json_object_get(fs, "/boot"), "fstype", "ext4");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(fs, "/boot"), "size_mb")), 1014);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(fs, "/mnt/my disk"), "size_mb")),
		2048);
	assert_null(json_object_get(fs, "/mnt/nfs"));
	assert_null(json_object_get(fs, "/proc"));
	assert_int_equal(n_errors(facts), 1); /* the unreadable df line */
	json_decref(facts);
	free(b.p);
}

static json_t *find_pkg(const json_t *facts, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(json_object_get(facts, "packages"), "list"), i,
		p) if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) return p;
	return NULL;
}

static void test_collect_parse__packages_dpkg_rpm_apk(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_fixture(&b, "dpkg", "packages/derived__dpkg-query-gitcmdb-format.txt");
	facts = parse_section("packages", &b);
	assert_int_equal(n_errors(facts), 0);
	assert_str(find_pkg(facts, "apache2"), "version", "2.2.16-6+squeeze6");
	assert_str(find_pkg(facts, "apache2"), "arch", "amd64");
	assert_null(find_pkg(facts, "vlc-nox")); /* removed, config files left: not installed */
	assert_non_null(find_pkg(facts, "jcagent"));
	assert_str(facts, "packages/managers/0", "dpkg");
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "rpm", "packages/derived__rpm-qa-gitcmdb-format.txt");
	sb_str(&b, "bind-libs\t32\t9.16.23-14.el9\tx86_64\n");
	facts = parse_section("packages", &b);
	assert_str(find_pkg(facts, "gjs"), "version", "1.32.0-1.mga2");
	assert_str(find_pkg(facts, "libpciaccess0"), "arch", "i586");
	assert_str(find_pkg(facts, "bind-libs"), "version", "32:9.16.23-14.el9");
	assert_null(find_pkg(facts, "gpg-pubkey"));
	json_decref(facts);
	free(b.p);

	memset(&b, 0, sizeof(b));
	block_fixture(&b, "apk", "packages/alpine-3.12__apk-db-installed-one-pkg.txt");
	sb_str(&b, "\n");
	block_fixture(&b, "apk-index", "packages/alpine-unknown__apkindex-excerpt.txt");
	facts = parse_section("packages", &b);
	assert_str(find_pkg(facts, "alpine-baselayout"), "version", "3.2.0-r6");
	assert_str(find_pkg(facts, "alpine-baselayout"), "arch", "x86_64");
	assert_str(facts, "packages/managers/0", "apk");
	json_decref(facts);
	free(b.p);
}

/*
 * Two names that differ only in bytes that are not UTF-8 used to collapse into
 * one ("??dup"), losing a package. Each such byte is now "\xHH", and a backslash
 * that would read as an escape is "\x5C", so every name stays its own.
 */
static void test_collect_parse__invalid_utf8_names_stay_distinct(void **state)
{
	static const char *const want[] = {"\\xFF\\xFEdup", "\\xFE\\xFFdup", "??dup", "\\x5CxFFdup",
		"a\\b", "\\x5Cx00x", NULL};
	sb b = {0};
	json_t *facts, *items, *files, *pk;

	(void)state;
	sb_str(&b, "%% dpkg\n");
	sb_str(&b,
		"ii \t\xff\xfe"
		"dup\t1\tamd64\n"
		"ii \t\xfe\xff"
		"dup\t2\tamd64\n"
		"ii \t??dup\t3\tamd64\n"
		"ii \t\\xFFdup\t4\tamd64\n"
		"ii \ta\\b\t5\tamd64\n"
		"ii \t\\x00x\t6\tamd64\n");
	facts = parse_section("packages", &b);
	assert_int_equal(n_errors(facts), 0);
	for (size_t i = 0; want[i]; i++)
		if (!find_pkg(facts, want[i]))
			fail_msg("package '%s' missing", want[i]);
	assert_int_equal(cmdb_collect_items(&items, &files, "h", facts, NULL), 0);
	pk = json_object_get(
		json_object_get(json_object_get(items, "host/h"), "attributes"), "packages");
	assert_int_equal(json_object_size(pk), 6);
	assert_str(json_object_get(pk, "\\xFF\\xFEdup"), "version", "1");
	assert_str(json_object_get(pk, "\\xFE\\xFFdup"), "version", "2");
	json_decref(items);
	json_decref(files);
	json_decref(facts);
	free(b.p);
}

static int hexval(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

/* The reader's side of the encoding (docs/collectors.md): "\xHH" for 00, 5C, 80-FF. */
static size_t decode(char *out, const char *s)
{
	size_t o = 0;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && strchr("0123456789ABCDEF", s[2]) && s[2] &&
			strchr("0123456789ABCDEF", s[3]) && s[3]) {
			int v = hexval(s[2]) * 16 + hexval(s[3]);

			if (v == 0 || v == 0x5C || v >= 0x80) {
				out[o++] = (char)v;
				s += 4;
				continue;
			}
		}
		out[o++] = *s++;
	}
	return o;
}

/* Random bytes, biased towards backslashes, 'x', hex digits and invalid bytes. */
static void test_collect_parse__encoding_is_reversible(void **state)
{
	static const char alphabet[] = "\\\\\\xxFF05C8a\xff\xc3\xa9\xe2\x82\xac\x80\x00 ";
	const char *seed_env = getenv("CMDB_SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
	char in[24], back[24];

	(void)state;
	printf("encoding_is_reversible: CMDB_SEED=%u\n", seed);
	srand(seed);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(in));
		char *enc;
		json_t *j;

		for (size_t i = 0; i < n; i++)
			in[i] = rand() % 4 ? alphabet[rand() % (int)(sizeof(alphabet) - 1)]
					   : (char)(rand() % 256);
		enc = cmdb__sanitize(in, n);
		assert_non_null(enc);
		j = json_string(enc); /* valid UTF-8, no NUL */
		if (!j || decode(back, enc) != n || memcmp(back, in, n) != 0)
			fail_msg("round %d (seed %u): not reversible: '%s'", round, seed, enc);
		json_decref(j);
		free(enc);
	}
	/* Text without invalid bytes or escape-like backslashes is unchanged. */
	{
		static const char plain[] = "dev-disk-by\\x2duuid \\\\srv\\share caf\xc3\xa9 \\xff";
		char *enc = cmdb__sanitize(plain, strlen(plain));

		assert_string_equal(enc, plain);
		free(enc);
	}
}

static void test_collect_parse__packages_garbage_is_an_error(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "dpkg", "this is not\ndpkg output at all\n");
	facts = parse_section("packages", &b);
	assert_null(json_object_get(facts, "packages"));
	assert_str(facts, "errors/0/section", "packages");
	assert_non_null(strstr(str_at(facts, "errors/1/message"), "no readable package list"));
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_parse__os_release_of_each_distribution),
		cmocka_unit_test(test_collect_parse__os_without_version_and_with_names),
		cmocka_unit_test(test_collect_parse__hardware_x86_guest_arm_and_old_smp),
		cmocka_unit_test(test_collect_parse__raspberry_pi_board_as_model),
		cmocka_unit_test(test_collect_parse__network_interfaces_routes_resolvers),
		cmocka_unit_test(test_collect_parse__network_old_iproute_tun_and_no_final_newline),
		cmocka_unit_test(test_collect_parse__network_drops_temporary_and_veth),
		cmocka_unit_test(test_collect_parse__network_from_sysfs_without_ip),
		cmocka_unit_test(test_collect_parse__filesystems_local_only_with_sizes),
		cmocka_unit_test(test_collect_parse__packages_dpkg_rpm_apk),
		cmocka_unit_test(test_collect_parse__invalid_utf8_names_stay_distinct),
		cmocka_unit_test(test_collect_parse__encoding_is_reversible),
		cmocka_unit_test(test_collect_parse__packages_garbage_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
