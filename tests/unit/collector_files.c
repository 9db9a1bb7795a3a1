/*
 * Unit tests of the files collector (collectors/files.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * decoded, skipped and bad captures.
 */
#include "collect_testlib.h"

static void test_collector_files__decoded_skipped_and_bad(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_files__decoded_skipped_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
