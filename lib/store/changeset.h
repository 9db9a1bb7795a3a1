/* The changeset's operations, shared by changeset.c and store.c only. */
#ifndef CMDB_LIB_CHANGESET_H
#define CMDB_LIB_CHANGESET_H

#include <stddef.h>

#include "gitcmdb/store.h"
#include "store/pack.h"

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
	int blob; /* PUT of a blob already in the object database: oid, len; data NULL */
	unsigned char oid[20];
} cmdb__op;

/* Record a PUT of the blob oid (raw, already written; len its size). */
int cmdb__changeset_put_oid(
	cmdb_changeset *cs, const char *path, const unsigned char oid[20], size_t len);

struct cmdb_changeset {
	cmdb__op *ops;
	size_t count, alloc;
	/* cmdb_changeset_put_blob: blobs queued in memory, written as a pack past a size */
	cmdb__packer packer;
	size_t queued; /* bytes in the packer not yet written */
	size_t flushed; /* ops[0..flushed) have their blobs written */
};

/* Queued blobs of cmdb_changeset_put_blob written as one pack (before a commit names them). */
int cmdb__changeset_flush(cmdb_changeset *cs);

/*
 * The operations sorted by path, one per path (the last one recorded wins), as a
 * new array of pointers into cs (free() the array only). CMDB_EINVALID when a
 * path is written both as a file and as a directory ("a" and "a/b").
 */
int cmdb__changeset_sorted(const cmdb__op ***out, size_t *count, const cmdb_changeset *cs);

#endif
