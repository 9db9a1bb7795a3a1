/*
 * Unit tests of the hardware collector (collectors/hardware.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * x86 guests, ARM boards, old SMP kernels.
 */
#include "collect_testlib.h"

static void test_collector_hardware__x86_guest_arm_and_old_smp(void **state)
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

static void test_collector_hardware__raspberry_pi_board_as_model(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_hardware__x86_guest_arm_and_old_smp),
		cmocka_unit_test(test_collector_hardware__raspberry_pi_board_as_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
