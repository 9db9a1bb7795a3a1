#include <git2.h>
#include <libssh2.h>

#include "util/error.h"

int cmdb_init(void)
{
	int rc;

	if ((rc = git_libgit2_init()) < 0)
		return cmdb__error_git(CMDB_ERROR, rc, "cannot initialise libgit2");
	/* Cache trees of any size (libgit2 keeps only those under 4 KiB): a directory of
	 * thousands of items (service/, change/) is otherwise inflated again on every
	 * path lookup, which made reading N records O(N^2). */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE, (size_t)(16u << 20));
	if ((rc = libssh2_init(0)) != 0)
		return cmdb__error(CMDB_ERROR, "cannot initialise libssh2 (%d)", rc);
	return 0;
}

void cmdb_shutdown(void)
{
	libssh2_exit();
	git_libgit2_shutdown();
}
