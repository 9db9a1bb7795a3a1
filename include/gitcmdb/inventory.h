/*
 * The scan inventory (inventory.yaml): hosts, groups, defaults with per-host
 * overrides. Validation rejects, with file:line, values that could become
 * options or shell syntax, bad ports and user names, duplicate names, and names
 * that are not valid item id components. The inventory owns every string below.
 */
#ifndef GITCMDB_INVENTORY_H
#define GITCMDB_INVENTORY_H

#include <jansson.h>

#include "common.h"

typedef struct cmdb_inventory cmdb_inventory;

typedef struct {
	const char *name; /* the host's item name: host/<name> */
	const char *address; /* DNS name or IP literal */
	int port; /* default 22 */
	const char *user; /* default "cmdb" */
	const char *identity_file; /* "~" expanded; NULL = agent only */
	const json_t *tags; /* array of strings (borrowed) */
	const json_t *groups; /* array of group names (borrowed) */
	const char *passphrase_env; /* env var holding the key passphrase, or NULL */
	const char *become; /* "sudo": the collector runs through `sudo -n`; NULL: as user */
} cmdb_host;

/* Load and validate an inventory file. */
CMDB_API int cmdb_inventory_load(cmdb_inventory **out, const char *path);
/* Parse and validate inventory text; name is used in messages. */
CMDB_API int cmdb_inventory_parse(
	cmdb_inventory **out, const char *buf, size_t len, const char *name);
CMDB_API void cmdb_inventory_free(cmdb_inventory *inv);
CMDB_API size_t cmdb_inventory_count(const cmdb_inventory *inv);
/* Host i (0-based, inventory order sorted by name), or NULL. */
CMDB_API const cmdb_host *cmdb_inventory_host(const cmdb_inventory *inv, size_t i);
/*
 * Select hosts by limit: comma-separated fnmatch globs on names or "@group" (NULL = all);
 * a "!" prefix excludes (alone, excludes from all). An unknown @group is CMDB_EINVALID.
 * *out is a new array of indexes (cmdb_free), *count its length; none matching → CMDB_ENOTFOUND.
 */
CMDB_API int cmdb_inventory_select(
	size_t **out, size_t *count, const cmdb_inventory *inv, const char *limit);

#endif
