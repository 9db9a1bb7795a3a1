#include <git2.h>
#include <libssh2.h>

#include "util/error.h"

int cmdb_init(void)
{
	int rc;

	if ((rc = git_libgit2_init()) < 0)
		return cmdb__error_git(CMDB_ERROR, rc, "cannot initialise libgit2");
	/*
	 * libgit2 caches parsed commits and trees of at most 4 KiB by default. A scan reads
	 * every host's files from one commit, path by path, records are read one path at a
	 * time from change/ or incident/, and a re-apply looks up each changed item: without
	 * this the same big object was inflated again for each path (a 400 KB host/ tree at
	 * 10,000 hosts, an 880 KB enrolment commit), quadratic in the estate or the number
	 * of records. Up to 16 MiB each, within libgit2's 256 MiB cache.
	 */
	if ((rc = git_libgit2_opts(
		     GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, (size_t)16 << 20)) < 0 ||
		(rc = git_libgit2_opts(
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
