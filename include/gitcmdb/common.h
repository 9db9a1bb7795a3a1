/*
 * gitcmdb: common definitions shared by every public header.
 *
 * Invariants: every fallible function returns 0 or a negative CMDB_E* code and,
 * on failure, sets a thread-local message readable with cmdb_error_last().
 * Out-parameters are set only on success; callers own what they receive.
 */
#ifndef GITCMDB_COMMON_H
#define GITCMDB_COMMON_H

#include <stddef.h>

#define CMDB_API __attribute__((visibility("default")))

/* Error codes a caller can act on; anything else is CMDB_ERROR. */
typedef enum {
	CMDB_OK = 0,
	CMDB_ERROR = -1, /* generic failure; see cmdb_error_last() */
	CMDB_ENOTFOUND = -3, /* item, file, revision or repository does not exist */
	CMDB_EEXISTS = -4, /* target already exists */
	CMDB_EINVALID = -5, /* bad input: syntax, schema, id, option */
	CMDB_EAUTH = -6, /* ssh authentication failed */
	CMDB_EHOSTKEY = -7, /* ssh host key unknown or changed */
	CMDB_ETIMEOUT = -8, /* a deadline passed */
	CMDB_ELOCKED = -9, /* another writer holds the repository lock */
	CMDB_EDIRTY = -10, /* the work tree has uncommitted edits we would overwrite */
	CMDB_ETOOBIG = -11, /* input over a size cap */
	CMDB_EUNREACHABLE = -12, /* host could not be reached */
} cmdb_error_code;

/* The message of the last error on this thread ("no error" if none). Valid until the next call. */
CMDB_API const char *cmdb_error_last(void);
/* The code that went with the last error on this thread (0 if none). */
CMDB_API int cmdb_error_last_code(void);
/* Forget the last error on this thread. */
CMDB_API void cmdb_error_clear(void);
/* Library version string, e.g. "0.1.0". */
CMDB_API const char *cmdb_version(void);
/* Free memory the library handed out with a char ** out-parameter. NULL is a no-op. */
CMDB_API void cmdb_free(void *ptr);
/* Initialise the libraries gitcmdb uses (libgit2, libssh2); call once before anything else. */
CMDB_API int cmdb_init(void);
/* Release what cmdb_init acquired. */
CMDB_API void cmdb_shutdown(void);

#endif
