#include <git2.h>
#include <libssh2.h>

#include "util/error.h"

int cmdb_init(void)
{
	int rc;

	if ((rc = git_libgit2_init()) < 0)
		return cmdb__error_git(CMDB_ERROR, rc, "cannot initialise libgit2");
	if ((rc = libssh2_init(0)) != 0)
		return cmdb__error(CMDB_ERROR, "cannot initialise libssh2 (%d)", rc);
	return 0;
}

void cmdb_shutdown(void)
{
	libssh2_exit();
	git_libgit2_shutdown();
}
