/*
 * Large commits write one pack instead of thousands of loose objects (each one a
 * file, a rename and, with fsync on, a disk flush). A packer is a second handle on
 * the repository whose object writes go to an in-memory store (libgit2 mempack)
 * until flushed as a single pack through the indexer.
 */
#ifndef CMDB_LIB_PACK_H
#define CMDB_LIB_PACK_H

#include <git2.h>

/* Changesets with at least this many operations are packed. */
#define CMDB_PACK_THRESHOLD 128

typedef struct {
	git_repository *git; /* write objects through this handle */
	git_odb_backend *mempack; /* owned by git's odb */
} cmdb__packer;

int cmdb__packer_open(cmdb__packer *p, const char *gitdir);
/* Write every object queued since the last flush/discard as one pack, then forget them. */
int cmdb__packer_flush(cmdb__packer *p);
/*
 * Write the queued objects ids[0..n) as one pack, then forget every queued object
 * (git_mempack_dump keeps only what a queued commit reaches: loose blobs need this).
 */
int cmdb__packer_flush_ids(cmdb__packer *p, const git_oid *ids, size_t n);
/* Forget the queued objects (nothing reaches the disk). */
void cmdb__packer_discard(cmdb__packer *p);
void cmdb__packer_close(cmdb__packer *p);

#endif
