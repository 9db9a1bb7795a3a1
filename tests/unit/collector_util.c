/*
 * Unit tests of the parser helpers every collector shares (collectors/util.c),
 * on real command output (tests/fixtures/collectors, see its PROVENANCE.tsv):
 * the reversible byte encoding.
 */
#include <time.h>

#include "collect_testlib.h"
#include "collectors.h"

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
static void test_collector_util__encoding_is_reversible(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_util__encoding_is_reversible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
