/*
 * The output framing (lib/collect/collect.c): truncated, missing, duplicated, forged
 * and garbage sections, and a real capture of this machine. Each collector's parser
 * has its own tests/unit/collector_<name>.c.
 */
#include "collect_testlib.h"

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

/*
 * The script's note that `sudo -n` was refused (become: sudo without passwordless sudo)
 * becomes an error of section "become" (the scan's warning); inside a section the same
 * line is only text of that section.
 */
static void test_collect_sections__become_refused_note(void **state)
{
	json_t *facts = parse_text("@@gitcmdb-collect 1@@\n@@gitcmdb-note become-refused@@\n"
				   "@@gitcmdb-begin os@@\n%% os-release\nID=debian\n"
				   "@@gitcmdb-end os 0@@\n@@gitcmdb-done@@\n");

	(void)state;
	assert_str(facts, "os/id", "debian");
	assert_true(has_error(facts, "become", "sudo -n refused"));
	assert_true(has_error(facts, "become", "without privilege"));
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
		cmocka_unit_test(test_collect_sections__truncated_output_keeps_what_arrived),
		cmocka_unit_test(test_collect_sections__missing_duplicate_unknown_and_unframed),
		cmocka_unit_test(test_collect_sections__become_refused_note),
		cmocka_unit_test(test_collect_sections__garbage_and_empty_input),
		cmocka_unit_test(test_collect_sections__forged_frame_is_escaped_by_the_script),
		cmocka_unit_test(test_collect_sections__real_capture_of_this_kind_of_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
