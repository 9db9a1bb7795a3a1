/* JSON helpers for cmocka tests: literals, semantic equality, and validator findings. */
#ifndef CMDB_TEST_JSON_ASSERT_H
#define CMDB_TEST_JSON_ASSERT_H

#include <stddef.h>

#include <jansson.h>

/* Parse a JSON literal written in a test; fails the test on bad JSON. Caller decrefs. */
json_t *tu_json(const char *text);
/* Fail unless actual equals the JSON text expected (as values, not bytes). */
void tu_assert_json(const json_t *actual, const char *expected);
/* Fail unless findings holds exactly one finding at file:line:col whose message contains text. */
void tu_expect_finding(
	const json_t *findings, const char *file, int line, int col, const char *text);
/* Fail unless findings holds exactly n findings (printing them otherwise). */
void tu_expect_findings(const json_t *findings, size_t n);

#endif
