/*
 * Unit tests of the filesystems collector (collectors/filesystems.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * local filesystems with sizes.
 */
#include "collect_testlib.h"

static void test_collector_filesystems__local_only_with_sizes(void **state)
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

/*
 * The lean script's one `df -P -k MOUNT...` (block "df-P"): the header skipped, the
 * mount point is the rest of the line (blanks included), rows of non-local mounts
 * change nothing. The rows are a real CentOS 7.7 df (same columns as df -P).
 */
static void test_collector_filesystems__one_df_posix(void **state)
{
	sb b = {0};
	json_t *facts, *fs;

	(void)state;
	block_text(&b, "mounts",
		"/dev/mapper/centos-root / xfs rw,seclabel,relatime 0 0\n"
		"/dev/sda1 /boot xfs rw,seclabel,relatime 0 0\n"
		"tmpfs /run tmpfs rw 0 0\n"
		"/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n");
	block_fixture(&b, "df-P", "filesystems/centos-7.7__df.txt");
	sb_str(&b, "/dev/sdb1 2097152 0 2097152 0% /mnt/my disk\nbroken row\n");
	facts = parse_section("filesystems", &b);
	fs = json_object_get(facts, "filesystems");
	assert_int_equal(json_object_size(fs), 3);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(fs, "/"), "size_mb")), 17394);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(fs, "/boot"), "size_mb")), 1014);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(fs, "/mnt/my disk"), "size_mb")),
		2048);
	assert_null(json_object_get(fs, "/run"));
	assert_int_equal(n_errors(facts), 1); /* the broken row */
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_filesystems__local_only_with_sizes),
		cmocka_unit_test(test_collector_filesystems__one_df_posix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
