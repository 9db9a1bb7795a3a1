/*
 * The capped buffer (lib/util/buf.c): growth, the cap as a hard limit that leaves the
 * contents as they were, the NUL terminator, detach and dispose, and allocation
 * failures that leave the buffer usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

static void test_buf__cap_refuses_and_keeps_contents(void **state)
{
	cmdb_buf b = CMDB_BUF_INIT(8);
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(cmdb__buf_puts(&b, "12345"), 0);
	assert_int_equal(cmdb__buf_puts(&b, "6789"), CMDB_ETOOBIG);
	assert_int_equal(b.len, 5);
	assert_int_equal(cmdb__buf_printf(&b, "%d", 678), 0);
	assert_int_equal(cmdb__buf_printf(&b, "%d", 9), CMDB_ETOOBIG);
	s = cmdb__buf_detach(&b, &len);
	assert_string_equal(s, "12345678");
	assert_int_equal(len, 8);
	assert_null(b.ptr);
	cmdb_free(s);
	cmdb__buf_dispose(&b);
}

/* Exactly the cap fits; one byte more is refused with a message naming the limit. */
static void test_buf__cap_is_exact_and_named(void **state)
{
	cmdb_buf b = CMDB_BUF_INIT(4);

	(void)state;
	assert_int_equal(cmdb__buf_put(&b, "abcd", 4), 0);
	assert_int_equal(cmdb__buf_put(&b, "", 0), 0);
	assert_int_equal(cmdb__buf_put(&b, "e", 1), CMDB_ETOOBIG);
	assert_non_null(strstr(cmdb_error_last(), "4-byte limit"));
	assert_string_equal(b.ptr, "abcd");
	/* A length that would wrap len + n around is refused too, not wrapped. */
	assert_int_equal(cmdb__buf_put(&b, "x", (size_t)-1), CMDB_ETOOBIG);
	assert_int_equal(b.len, 4);
	cmdb__buf_dispose(&b);
}

/* Many small appends and one big one: contents in order, always NUL-terminated. */
static void test_buf__grows_and_stays_terminated(void **state)
{
	cmdb_buf b;
	char big[5000];

	(void)state;
	cmdb__buf_init(&b, 0); /* no cap */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(cmdb__buf_put(&b, i % 2 ? "b" : "a", 1), 0);
		assert_int_equal(b.ptr[b.len], '\0');
	}
	assert_int_equal(b.len, 1000);
	assert_true(b.alloc > b.len);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.ptr[i], i % 2 ? 'b' : 'a');
	memset(big, 'z', sizeof(big));
	assert_int_equal(cmdb__buf_put(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 6000);
	assert_int_equal(b.ptr[999], 'b');
	assert_int_equal(b.ptr[1000], 'z');
	assert_int_equal(b.ptr[6000], '\0');
	/* Binary data: an embedded NUL is payload, the length says where it ends. */
	assert_int_equal(cmdb__buf_put(&b, "x\0y", 3), 0);
	assert_int_equal(b.len, 6003);
	assert_memory_equal(b.ptr + 6000, "x\0y", 4);
	cmdb__buf_dispose(&b);
}

/* printf output longer than its 256-byte stack buffer takes the heap path, same result. */
static void test_buf__printf_short_and_long(void **state)
{
	cmdb_buf b = CMDB_BUF_INIT(0);
	char want[700];

	(void)state;
	assert_int_equal(cmdb__buf_printf(&b, "%s=%d;", "n", 42), 0);
	assert_string_equal(b.ptr, "n=42;");
	assert_int_equal(cmdb__buf_printf(&b, "%0600d", 7), 0);
	memset(want, '0', 599);
	want[599] = '7';
	want[600] = '\0';
	assert_int_equal(b.len, 605);
	assert_string_equal(b.ptr + 5, want);
	cmdb__buf_dispose(&b);
}

/* Detach of a buffer never written gives "" (never NULL); dispose twice is harmless. */
static void test_buf__detach_empty_and_dispose_twice(void **state)
{
	cmdb_buf b = CMDB_BUF_INIT(16);
	size_t len = 99;
	char *s;

	(void)state;
	s = cmdb__buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_int_equal(cmdb__buf_puts(&b, "again"), 0);
	assert_string_equal(b.ptr, "again");
	cmdb__buf_dispose(&b);
	cmdb__buf_dispose(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	/* Reusable after dispose, cap kept. */
	assert_int_equal(cmdb__buf_puts(&b, "0123456789abcdefg"), CMDB_ETOOBIG);
	assert_int_equal(cmdb__buf_puts(&b, "ok"), 0);
	assert_string_equal(b.ptr, "ok");
	cmdb__buf_dispose(&b);
}

/* A failed allocation is an error and leaves what was there; the next call works. */
static void test_buf__allocation_failure_keeps_contents(void **state)
{
	cmdb_buf b = CMDB_BUF_INIT(0);
	char big[1000];

	(void)state;
	assert_int_equal(cmdb__buf_puts(&b, "keep"), 0);
	memset(big, 'q', sizeof(big));
	cmdb__alloc_fail_at(1);
	assert_int_equal(cmdb__buf_put(&b, big, sizeof(big)), CMDB_ERROR);
	cmdb__alloc_fail_at(0);
	assert_non_null(strstr(cmdb_error_last(), "out of memory"));
	assert_int_equal(b.len, 4);
	assert_string_equal(b.ptr, "keep");
	/* The long printf's own allocation fails: same. */
	cmdb__alloc_fail_at(1);
	assert_int_equal(cmdb__buf_printf(&b, "%0300d", 1), CMDB_ERROR);
	cmdb__alloc_fail_at(0);
	assert_string_equal(b.ptr, "keep");
	assert_int_equal(cmdb__buf_put(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 1004);
	cmdb__buf_dispose(&b);
	/* Detach of an empty buffer needs one byte: NULL when that fails. */
	cmdb__alloc_fail_at(1);
	assert_null(cmdb__buf_detach(&b, NULL));
	cmdb__alloc_fail_at(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__cap_refuses_and_keeps_contents),
		cmocka_unit_test(test_buf__cap_is_exact_and_named),
		cmocka_unit_test(test_buf__grows_and_stays_terminated),
		cmocka_unit_test(test_buf__printf_short_and_long),
		cmocka_unit_test(test_buf__detach_empty_and_dispose_twice),
		cmocka_unit_test(test_buf__allocation_failure_keeps_contents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
