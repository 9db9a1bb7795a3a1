/* The drift bookkeeping's own state, shared by drift.c, drift_change.c and drift_auth.c. */
#ifndef CMDB_LIB_INDEX_DRIFT_INT_H
#define CMDB_LIB_INDEX_DRIFT_INT_H

#include "index/drift.h"
#include "index/drift_explain.h"

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

/* The rule's state (drift_auth.c): building (writes verdicts) or explaining. */
enum {
	A_GROUPS,
	A_UPDATE,
	A_MATCH,
	A_N
};

struct cmdb__drift_explainer {
	build *b; /* explain: only b->idx is set */
	build own; /* explain: what b points at */
	int explain; /* 1: no writes; candidates for every drift judged */
	json_t *result; /* explain: the candidates of the last drift judged */
	sqlite3_stmt *st[A_N];
	cmdb__change *chg; /* the changes table, in id order */
	size_t nchg;
	json_t *by_id; /* "change/CHG-0001" -> index into chg */
	long long grace; /* seconds */
	json_t *exempt; /* globs over paths */
	json_t *covering; /* affected id -> [indexes into chg of the changes affecting it] */
	json_t *affects; /* per chg index: [the ids it affects] */
	json_t *trailers; /* "seq" -> [values of that commit's Change: trailers] */
	size_t *win; /* indexes into chg of the authorising changes with a window, by start */
	size_t nwin;
	long long win_maxlen; /* the longest of those windows (seconds, >= 0) */
	size_t *hits; /* scratch of nchg entries for judge_uncovered */
};
typedef struct cmdb__drift_explainer auth;

typedef struct {
	char *change; /* "CHG-0001" */
	char *reason;
	int rank; /* trailer problems first, then covering changes, then the rest */
	long long dist; /* seconds from the window, for ordering */
} cand;

typedef struct {
	const char *id, *kind, *paths;
	long long seq, time;
	char **targets; /* the item, its host, their groups */
	size_t ntargets;
	int *seen; /* per change: considered already */
	cand *cands; /* CAND_POOL of them while judged */
	size_t ncands;
	long long win_idx, trl_idx; /* first matching change by window / trailer, or -1 */
} drift;

const char *cmdb__drift_name_of(const char *change_id); /* "change/CHG-1" -> "CHG-1" */
void cmdb__drift_load_settings(auth *a);
/* Settings, statements (the writing ones only when building) and the change records. */
int cmdb__drift_auth_init(auth *a);
void cmdb__drift_auth_dispose(auth *a);
/* Judge d: building, write its verdict and matches; explaining, its candidates to a->result. */
int cmdb__drift_judge(auth *a, drift *d);

/* Insert the changes row of c at seq (R_CHG_PUT). */
int cmdb__drift_put_change(build *b, const cmdb__change *c, long long seq);

#endif
