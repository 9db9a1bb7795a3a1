/*
 * Fuzz the find expression parser and matcher: any bytes either parse or fail with
 * CMDB_EINVALID, and a parsed expression can be matched against arbitrary values
 * and paths without crashing, leaking or reading out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/expr.h"
#include "gitcmdb/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const values[][2] = {{"3.0.13-1~deb12u1", "string"}, {"42", "int"},
		{"4.5", "real"}, {"[\"a\", 1, 2.5, true, null, [1]]", "list"}, {"true", "bool"},
		{NULL, "null"}, {"", "string"}, {"~~^^1:0-", "string"}};
	cmdb_expr *e = NULL;
	char *src;
	int rc;

	if (size > CMDB_EXPR_MAX_LEN + 16)
		return 0;
	if (!(src = malloc(size + 1)))
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	rc = cmdb__expr_parse(&e, src);
	if (rc == 0) {
		for (size_t i = 0; i < e->count; i++) {
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				cmdb__expr_value_match(&e->terms[i], values[v][0], values[v][1],
					CMDB_VERSION_DPKG);
				cmdb__expr_value_match(
					&e->terms[i], values[v][0], values[v][1], CMDB_VERSION_RPM);
			}
			cmdb__expr_path_match(
				&e->terms[i], "attributes.packages.libssl1.1.version");
			cmdb__expr_path_match(&e->terms[i], src);
		}
		/* Version comparison of the raw input against itself and a real version. */
		cmdb_version_cmp(src, "1:2.3~rc1-4", CMDB_VERSION_DPKG);
		cmdb_version_cmp(src, "1:2.3^git1-4.el9", CMDB_VERSION_RPM);
	} else if (rc != CMDB_EINVALID) {
		abort(); /* only bad input may fail, and it must say so as EINVALID */
	}
	cmdb__expr_free(e);
	free(src);
	return 0;
}
