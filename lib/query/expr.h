/*
 * find expressions: "TERM [, TERM | and TERM]..." where TERM is "PATH OP VALUE" or
 * a bare PATH (exists). Parsing owns every string of the result; evaluation is pure
 * (no index), so the fuzzer and unit tests drive it directly.
 */
#ifndef CMDB_LIB_EXPR_H
#define CMDB_LIB_EXPR_H

#include <regex.h>
#include <stddef.h>

#include "gitcmdb/query.h"

#define CMDB_EXPR_MAX_LEN 4096
#define CMDB_EXPR_MAX_TERMS 32

typedef enum {
	CMDB_OP_EXISTS,
	CMDB_OP_EQ,
	CMDB_OP_NE,
	CMDB_OP_LT,
	CMDB_OP_LE,
	CMDB_OP_GT,
	CMDB_OP_GE,
	CMDB_OP_RE,
	CMDB_OP_NRE,
} cmdb_expr_op;

typedef struct {
	char *path; /* as written; '*' matches any run of characters */
	size_t prefix_len; /* bytes before the first '*' (strlen(path) when none) */
	int wildcard;
	cmdb_expr_op op;
	char *value; /* NULL for CMDB_OP_EXISTS */
	int value_is_num;
	double num;
	regex_t re; /* compiled when op is RE/NRE */
	int column; /* 1-based column of the term, for messages */
} cmdb_expr_term;

typedef struct {
	cmdb_expr_term *terms;
	size_t count;
} cmdb_expr;

/* Parse src; CMDB_EINVALID "expression:1:COL: what" on a syntax error. */
int cmdb__expr_parse(cmdb_expr **out, const char *src);
void cmdb__expr_free(cmdb_expr *e);

/* 1 if path (a flattened attribute path) is selected by the term's path pattern. */
int cmdb__expr_path_match(const cmdb_expr_term *t, const char *path);

/*
 * 1 if a stored value satisfies the term. vtype is the index's value type
 * (string|int|real|bool|null|list; NULL = string); a list value is a JSON array and
 * matches when any element does (for != and !~: when no element matches the positive test).
 */
int cmdb__expr_value_match(
	const cmdb_expr_term *t, const char *value, const char *vtype, cmdb_version_scheme scheme);

/* Text form of an operator ("<=", "~", ...). */
const char *cmdb__expr_op_name(cmdb_expr_op op);

#endif
