/*
 * The repository write lock: an flock(2) on <gitdir>/gitcmdb/write.lock. The
 * kernel drops it when the holder dies, so a killed writer never blocks the
 * next one. The holder's pid is written into the file for error messages only.
 */
#ifndef CMDB_LIB_LOCK_H
#define CMDB_LIB_LOCK_H

typedef struct {
	int fd; /* -1 when not held */
} cmdb__lock;

#define CMDB_LOCK_INIT                                                                             \
	{                                                                                          \
		-1                                                                                 \
	}
#define CMDB_LOCK_DEFAULT_TIMEOUT_MS 10000

/*
 * Take the lock in gitdir, waiting up to timeout_ms (<0 = default, 0 = try once).
 * CMDB_ELOCKED names the holder's pid; CMDB_ERROR explains a read-only repository.
 */
int cmdb__lock_acquire(cmdb__lock *lock, const char *gitdir, int timeout_ms);
/* Release (a no-op when not held). */
void cmdb__lock_release(cmdb__lock *lock);

/*
 * git's own lock files (refs/heads/main.lock, index.lock) are held for
 * milliseconds; one older than this, seen while we hold our lock, was left by a
 * killed writer and is removed.
 */
#define CMDB_STALE_LOCK_MS 2000

/* Remove path if it is older than CMDB_STALE_LOCK_MS. Call only while holding the write lock. */
void cmdb__lock_remove_stale(const char *path);

#endif
