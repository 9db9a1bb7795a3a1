/* Internal error helpers: set the thread-local message once, where a failure happens. */
#ifndef CMDB_LIB_ERROR_H
#define CMDB_LIB_ERROR_H

#include "gitcmdb/common.h"

/* Set the thread-local error to printf(fmt, ...) and return code, so callers can `return
 * cmdb__error(...)`. */
int cmdb__error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like cmdb__error, appending libgit2's last message (or the libgit2 error number when it has
 * none). */
int cmdb__error_git(int code, int git_err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map a libgit2 return code to a CMDB_E* code. */
int cmdb__git_code(int git_err);

#endif
