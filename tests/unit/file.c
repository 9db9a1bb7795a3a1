/* The one whole-file reader (lib/util/file.c): caps, file kinds, links, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "util/alloc.h"
#include "util/file.h"
#include "testutil.h"

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static void expect_read(const char *path, size_t cap, unsigned flags, const char *want)
{
	char *buf = NULL;
	size_t len = 7;

	if (cmdb__file_read(&buf, &len, path, cap, flags) < 0)
		fail_msg("%s: %s", path, cmdb_error_last());
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);
	assert_int_equal(buf[len], '\0');
	free(buf);
}

static void expect_fail(const char *path, size_t cap, unsigned flags, int code, const char *msg)
{
	char *buf = NULL;
	size_t len = 7;

	assert_int_equal(cmdb__file_read(&buf, &len, path, cap, flags), code);
	assert_null(buf);
	assert_int_equal(len, 7);
	if (!strstr(cmdb_error_last(), msg))
		fail_msg("'%s' does not say '%s'", cmdb_error_last(), msg);
}

static void test_file__caps_and_kinds(void **state)
{
	char *dir = tu_tempdir("file"), *f = path_in(dir, "f"), *e = path_in(dir, "empty");
	char *fifo = path_in(dir, "fifo"), *link = path_in(dir, "link");
	char *missing = path_in(dir, "missing");

	(void)state;
	assert_int_equal(tu_write_file(f, "hello\n", 6), 0);
	assert_int_equal(tu_write_file(e, "", 0), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(symlink(f, link), 0);

	expect_read(f, 6, 0, "hello\n"); /* exactly the cap */
	expect_read(f, 1 << 20, 0, "hello\n");
	expect_read(e, 0, 0, "");
	expect_read(f, 6, CMDB__FILE_SECRET, "hello\n");
	expect_fail(f, 5, 0, CMDB_ETOOBIG, "f: 6 bytes is over the 5-byte limit");
	expect_fail(missing, 10, 0, CMDB_ENOTFOUND, "cannot read ");
	/* a FIFO without a writer would block an open() for reading forever */
	expect_fail(fifo, 10, 0, CMDB_EINVALID, "fifo: not a regular file");
	expect_fail(dir, 10, 0, CMDB_EINVALID, "not a regular file");
	expect_read(link, 10, 0, "hello\n");
	expect_fail(link, 10, CMDB__FILE_NOFOLLOW, CMDB_EINVALID,
		"link is a symbolic link: gitcmdb does not follow it");
	expect_fail("/dev/null", 10, 0, CMDB_EINVALID, "not a regular file");
	if (geteuid() != 0) { /* root reads anything */
		assert_int_equal(chmod(f, 0), 0);
		expect_fail(f, 10, 0, CMDB_ERROR, "Permission denied");
	}
	tu_rmrf(dir);
	free(dir);
	free(f);
	free(e);
	free(fifo);
	free(link);
	free(missing);
}

/* /proc files say st_size 0 and are read to their end all the same, under the cap. */
static void test_file__size_unknown_until_read(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(cmdb__file_read(&buf, &len, "/proc/self/status", 1 << 20, 0), 0);
	assert_non_null(strstr(buf, "Name:"));
	assert_int_equal(strlen(buf), len);
	free(buf);
	buf = NULL;
	assert_int_equal(cmdb__file_read(&buf, &len, "/proc/self/status", 16, 0), CMDB_ETOOBIG);
	assert_null(buf);
	assert_non_null(strstr(cmdb_error_last(), "over the 16-byte limit"));
}

/* A big file read with the allocation seam failing at each step: an error, never a leak. */
static void test_file__allocation_failures(void **state)
{
	char *dir = tu_tempdir("file"), *f = path_in(dir, "big"), *data = malloc(300000);
	int ok = 0;

	(void)state;
	memset(data, 'x', 300000);
	assert_int_equal(tu_write_file(f, data, 300000), 0);
	for (long nth = 1; !ok && nth < 20; nth++) {
		char *buf = NULL;
		size_t len = 0;
		int rc;

		cmdb__alloc_fail_at(nth);
		rc = cmdb__file_read(&buf, &len, f, 1 << 20, nth % 2 ? CMDB__FILE_SECRET : 0);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(len, 300000);
			ok = 1;
		} else {
			assert_int_equal(rc, CMDB_ERROR);
			assert_non_null(strstr(cmdb_error_last(), "out of memory"));
		}
		free(buf);
	}
	assert_true(ok);
	tu_rmrf(dir);
	free(dir);
	free(f);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file__caps_and_kinds),
		cmocka_unit_test(test_file__size_unknown_until_read),
		cmocka_unit_test(test_file__allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
