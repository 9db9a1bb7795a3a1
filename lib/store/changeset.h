/* The changeset's operations, shared by changeset.c and store.c only. */
#ifndef CMDB_LIB_CHANGESET_H
#define CMDB_LIB_CHANGESET_H

#include <stddef.h>

#include "gitcmdb/store.h"

enum {
	CMDB__OP_PUT = 1,
	CMDB__OP_DELETE = 2
};

typedef struct {
	int kind;
	char *path; /* repository-relative, validated */
	char *data; /* PUT only */
	size_t len;
	size_t seq; /* insertion order: the last operation on a path wins */
} cmdb__op;

struct cmdb_changeset {
	cmdb__op *ops;
	size_t count, alloc;
};

/*
 * The operations sorted by path, one per path (the last one recorded wins), as a
 * new array of pointers into cs (free() the array only). CMDB_EINVALID when a
 * path is written both as a file and as a directory ("a" and "a/b").
 */
int cmdb__changeset_sorted(const cmdb__op ***out, size_t *count, const cmdb_changeset *cs);

#endif
