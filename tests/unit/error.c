/* The thread-local error message (lib/util/error.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "util/error.h"

static void test_error__message_and_code(void **state)
{
	(void)state;
	cmdb_error_clear();
	assert_string_equal(cmdb_error_last(), "no error");
	assert_int_equal(cmdb_error_last_code(), 0);
	assert_int_equal(cmdb__error(CMDB_EINVALID, "bad %s at %d", "x", 3), CMDB_EINVALID);
	assert_string_equal(cmdb_error_last(), "bad x at 3");
	assert_int_equal(cmdb_error_last_code(), CMDB_EINVALID);
}

/* Wrapping the previous message used to format last_msg into itself and come out empty. */
static void test_error__wrapping_the_last_message_keeps_it(void **state)
{
	(void)state;
	cmdb__error(CMDB_ENOTFOUND, "no such item");
	cmdb__error(CMDB_ENOTFOUND, "show host/x: %s", cmdb_error_last());
	assert_string_equal(cmdb_error_last(), "show host/x: no such item");
}

static void test_error__code_zero_becomes_generic(void **state)
{
	(void)state;
	assert_int_equal(cmdb__error(0, "x"), CMDB_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error__message_and_code),
		cmocka_unit_test(test_error__wrapping_the_last_message_keeps_it),
		cmocka_unit_test(test_error__code_zero_becomes_generic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
