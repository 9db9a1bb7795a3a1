/* gitcmdb: the whole public API. */
#ifndef GITCMDB_H
#define GITCMDB_H

#include "common.h"
#include "id.h"
#include "yaml.h"
#include "schema.h"
#include "store.h"
#include "inventory.h"
#include "ssh.h"
#include "collect.h"
#include "index.h"
#include "query.h"
#include "scan.h"

/* Initialise the libraries gitcmdb uses (libgit2, libssh2); call once before anything else. */
CMDB_API int cmdb_init(void);
/* Release what cmdb_init acquired. */
CMDB_API void cmdb_shutdown(void);

#endif
