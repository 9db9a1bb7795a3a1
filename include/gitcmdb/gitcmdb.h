/* gitcmdb: the whole public API, for front-ends (lib/ includes the module headers it uses). */
#ifndef GITCMDB_H
#define GITCMDB_H

#include "common.h"
#include "id.h"
#include "yaml.h"
#include "schema.h"
#include "store.h"
#include "inventory.h"
#include "ssh.h"
#include "ssh_config.h"
#include "collect.h"
#include "index.h"
#include "query.h"
#include "report.h"
#include "records.h"
#include "import.h"
#include "remote.h"
#include "scan.h"

#endif
