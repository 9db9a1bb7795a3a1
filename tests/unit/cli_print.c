/* The CLI's one printer for people: what is escaped, what is kept, and printf's layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "cli.h"

/* The printer is tested alone; no command runs here. */
const cli_command *const cli_commands[] = {NULL};

/* What fn wrote for s, as a malloc'd string. */
static char *render(void (*fn)(FILE *, const char *), const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fn(f, s);
	fclose(f);
	return out;
}

static void put_text(FILE *f, const char *s)
{
	cli_put_text(f, s, strlen(s));
}

#define ASSERT_RENDERS(fn, in, want)                                                               \
	do {                                                                                       \
		char *got_ = render(fn, in);                                                       \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

static void test_cli_print__field_escapes_every_control(void **state)
{
	(void)state;
	ASSERT_RENDERS(cli_put_field, "plain text, ok", "plain text, ok");
	ASSERT_RENDERS(cli_put_field, "\x1b[31mred\x1b[0m", "\\x1B[31mred\\x1B[0m");
	ASSERT_RENDERS(
		cli_put_field, "bell\a cr\r lf\n tab\t", "bell\\x07 cr\\x0D lf\\x0A tab\\x09");
	ASSERT_RENDERS(cli_put_field, "\x1b]0;title\x07", "\\x1B]0;title\\x07");
	ASSERT_RENDERS(cli_put_field, "del\x7f", "del\\x7F");
	ASSERT_RENDERS(cli_put_field, "\x01\x1f", "\\x01\\x1F");
	/* C1 controls are two bytes in UTF-8: U+009B is CSI, U+0085 NEL */
	ASSERT_RENDERS(cli_put_field,
		"csi\xc2\x9b"
		"2J nel\xc2\x85",
		"csi\\xC2\\x9B2J nel\\xC2\\x85");
	/* a backslash stays one: this output is for people, not for parsing */
	ASSERT_RENDERS(cli_put_field, "C:\\dir", "C:\\dir");
}

static void test_cli_print__invalid_utf8_is_escaped_byte_by_byte(void **state)
{
	(void)state;
	ASSERT_RENDERS(cli_put_field, "\xff\xfe", "\\xFF\\xFE");
	ASSERT_RENDERS(cli_put_field,
		"a\x80"
		"b",
		"a\\x80b"); /* lone continuation byte */
	ASSERT_RENDERS(cli_put_field, "\xc0\xaf", "\\xC0\\xAF"); /* overlong '/' */
	ASSERT_RENDERS(cli_put_field, "\xe0\x80\xaf", "\\xE0\\x80\\xAF"); /* overlong, 3 bytes */
	ASSERT_RENDERS(cli_put_field, "\xed\xa0\x80", "\\xED\\xA0\\x80"); /* a surrogate */
	ASSERT_RENDERS(cli_put_field, "\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* > U+10FFFF */
	ASSERT_RENDERS(cli_put_field, "cut\xe2\x82", "cut\\xE2\\x82"); /* truncated at the end */
	ASSERT_RENDERS(cli_put_field, "\xe2\x82x", "\\xE2\\x82x"); /* truncated in the middle */
}

static void test_cli_print__valid_utf8_prints_as_is(void **state)
{
	(void)state;
	ASSERT_RENDERS(cli_put_field, "café €5 → 😀", "café €5 → 😀");
	ASSERT_RENDERS(cli_put_field, "nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok"); /* U+00A0 is not C1 */
	ASSERT_RENDERS(cli_put_field, "\xc2\x80\xc2\x9f", "\\xC2\\x80\\xC2\\x9F"); /* C1's ends */
	ASSERT_RENDERS(cli_put_field, "", "");
}

static void test_cli_print__text_keeps_newlines_and_tabs(void **state)
{
	(void)state;
	ASSERT_RENDERS(put_text, "a:\n\tb: \x1b[2J\r\n", "a:\n\tb: \\x1B[2J\\x0D\n");
}

static void test_cli_print__tsv_keeps_rows_whole(void **state)
{
	(void)state;
	ASSERT_RENDERS(cli_put_tsv, "a\tb\nc\\d\x1b\xff", "a\\tb\\nc\\\\d\\x1B\\xFF");
}

static char *printed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printed(const char *fmt, ...)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	va_list ap;

	assert_non_null(f);
	va_start(ap, fmt);
	cli_vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return out;
}

/* Only %s arguments are escaped; everything else is laid out as printf would. */
static void test_cli_print__printf_escapes_strings_only(void **state)
{
	char *got;

	(void)state;
	got = printed("%s: %s\n", "host/\x1b[31mx", "line\nforged");
	assert_string_equal(got, "host/\\x1B[31mx: line\\x0Aforged\n");
	free(got);
	got = printed("[%-6s][%6s][%.3s][%.*s][%-*s]", "ab", "ab", "abcdef", 2, "xyz", 4, "q");
	assert_string_equal(got, "[ab    ][    ab][abc][xy][q   ]");
	free(got);
	/* width counts the escaped bytes, so columns after it still line up */
	got = printed("[%-6s]", "\a");
	assert_string_equal(got, "[\\x07  ]");
	free(got);
	got = printed("%d %i %u %x %X %o|%ld %lld %llu|%zu %zd|%jd|%5.2f %g %e|%c%%|%05d|%+d|%*d",
		-1, 2, 3u, 255u, 255u, 8u, -4L, -5LL, 6ULL, (size_t)7, (ssize_t)-8, (intmax_t)9,
		3.14159, 0.5, 1e10, 'x', 42, 7, 3, 12);
	assert_string_equal(
		got, "-1 2 3 ff FF 10|-4 -5 6|7 -8|9| 3.14 0.5 1.000000e+10|x%|00042|+7| 12");
	free(got);
	got = printed("%.0s|%%s", "gone");
	assert_string_equal(got, "|%s");
	free(got);
	got = printed("%.12s: %zu file(s)", "0123456789abcdef", (size_t)3);
	assert_string_equal(got, "0123456789ab: 3 file(s)");
	free(got);
}

static void test_cli_print__display_copy_escapes_every_string(void **state)
{
	json_t *in = json_pack("{s:s, s:[s, i, b, n], s:{s:s}, s:f}", "id", "host/a", "values",
		"\x1b[1mx\n+ host/forged", 3, 1, "nested", "k\x07", "v\xc2\x9b", "num", 1.5);
	json_t *out;
	char *s;

	(void)state;
	assert_non_null(in);
	out = cli_display_copy(in);
	assert_non_null(out);
	s = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s,
		"{\"id\":\"host/a\",\"nested\":{\"k\\\\x07\":\"v\\\\xC2\\\\x9B\"},"
		"\"num\":1.5,\"values\":[\"\\\\x1B[1mx\\\\x0A+ host/forged\",3,true,null]}");
	free(s);
	json_decref(out);
	json_decref(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_print__field_escapes_every_control),
		cmocka_unit_test(test_cli_print__invalid_utf8_is_escaped_byte_by_byte),
		cmocka_unit_test(test_cli_print__valid_utf8_prints_as_is),
		cmocka_unit_test(test_cli_print__text_keeps_newlines_and_tabs),
		cmocka_unit_test(test_cli_print__tsv_keeps_rows_whole),
		cmocka_unit_test(test_cli_print__printf_escapes_strings_only),
		cmocka_unit_test(test_cli_print__display_copy_escapes_every_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
