#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/error.h"

/* A fixed per-thread buffer: setting an error must never itself fail. */
static _Thread_local char last_msg[2048];
static _Thread_local int last_code;

const char *cmdb_error_last(void)
{
	return last_code ? last_msg : "no error";
}

int cmdb_error_last_code(void)
{
	return last_code;
}

void cmdb_error_clear(void)
{
	last_code = 0;
	last_msg[0] = '\0';
}

const char *cmdb_version(void)
{
	return CMDB_VERSION;
}

void cmdb_free(void *ptr)
{
	free(ptr);
}

int cmdb__error(int code, const char *fmt, ...)
{
	char tmp[sizeof(last_msg)];
	va_list ap;

	/* Format into a copy: callers may pass cmdb_error_last() itself as an argument. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(last_msg, tmp, sizeof(tmp));
	last_code = code ? code : CMDB_ERROR;
	return last_code;
}

int cmdb__git_code(int git_err)
{
	switch (git_err) {
	case GIT_ENOTFOUND: return CMDB_ENOTFOUND;
	case GIT_EEXISTS: return CMDB_EEXISTS;
	case GIT_ELOCKED: return CMDB_ELOCKED;
	case GIT_EINVALIDSPEC: return CMDB_EINVALID;
	default: return CMDB_ERROR;
	}
}

int cmdb__error_git(int code, int git_err, const char *fmt, ...)
{
	/* libgit2 1.5 may return NULL from git_error_last(). */
	const git_error *ge = git_error_last();
	char head[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	if (ge && ge->message)
		return cmdb__error(
			code ? code : cmdb__git_code(git_err), "%s: %s", head, ge->message);
	return cmdb__error(
		code ? code : cmdb__git_code(git_err), "%s: libgit2 error %d", head, git_err);
}
