/* The drift bookkeeping's own state, shared by drift.c, drift_change.c and drift_auth.c. */
#ifndef CMDB_LIB_INDEX_DRIFT_INT_H
#define CMDB_LIB_INDEX_DRIFT_INT_H

#include "index/drift.h"

typedef struct cmdb_schema cmdb_schema;

enum {
	R_INSERT,
	R_CHG_GET,
	R_CHG_DEL,
	R_CHG_PUT,
	R_N
};

struct cmdb__drift_rec {
	cmdb_schema *schema; /* built-in + the repository's schemas/ at main */
	json_t *ci; /* type -> true/false: is it a CI (cache of the schema's answer) */
	sqlite3_stmt *st[R_N];
	long long *ranges; /* pairs [lo, hi] of change windows touched in this run */
	size_t nranges, cranges;
	json_t *touched; /* change ids whose record changed in this run (object as a set) */
	int settings_changed;
};

#define cmdb__drift_run(b, which, ...) cmdb__index_run_stmt(b, (b)->drift->st[which], __VA_ARGS__)

/* Insert the changes row of c at seq (R_CHG_PUT). */
int cmdb__drift_put_change(build *b, const cmdb__change *c, long long seq);

#endif
