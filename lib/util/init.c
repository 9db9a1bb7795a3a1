#include <git2.h>
#include <libssh2.h>

#include "util/error.h"

int cmdb_init(void)
{
	int rc;

	if ((rc = git_libgit2_init()) < 0)
		return cmdb__error_git(CMDB_ERROR, rc, "cannot initialise libgit2");
	/*
	 * libgit2 caches no tree over 4 KiB, so the 10,000-entry host/ tree of a large
	 * estate (~0.5 MB) was inflated and parsed again for every path looked up in it
	 * (a re-apply: several times per changed item). Trees up to 16 MiB are cached
	 * (within libgit2's 256 MiB cache).
	 */
	if ((rc = git_libgit2_opts(
		     GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)16 << 20)) < 0)
		return cmdb__error_git(CMDB_ERROR, rc, "cannot initialise libgit2's cache");
	if ((rc = libssh2_init(0)) != 0)
		return cmdb__error(CMDB_ERROR, "cannot initialise libssh2 (%d)", rc);
	return 0;
}

void cmdb_shutdown(void)
{
	libssh2_exit();
	git_libgit2_shutdown();
}
