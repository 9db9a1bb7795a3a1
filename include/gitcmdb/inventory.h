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
	/* Jump hosts, "NAME[,NAME...]" (each an inventory host or [user@]host[:port]), the
	 * first reached first; from the host, else its group, else defaults. NULL = direct. */
	const char *proxy_jump;
	unsigned set; /* CMDB_HOST_SET_* bits: what the inventory wrote (not defaulted) */
	const char *become; /* "sudo": the collector runs through `sudo -n`; NULL: as user */
} cmdb_host;

#define CMDB_HOST_SET_ADDRESS 0x1u
#define CMDB_HOST_SET_PORT 0x2u
#define CMDB_HOST_SET_USER 0x4u
#define CMDB_HOST_SET_IDENTITY 0x8u
#define CMDB_HOST_SET_JUMP 0x10u

/* Most channels one jump session carries at once (defaults.jump_channels, default 10). */
CMDB_API int cmdb_inventory_jump_channels(const cmdb_inventory *inv);
/* 1 when the inventory says `ssh_config: true` (fill unset settings from ~/.ssh/config). */
CMDB_API int cmdb_inventory_ssh_config(const cmdb_inventory *inv);
/* The host named name, or NULL. */
CMDB_API const cmdb_host *cmdb_inventory_find(const cmdb_inventory *inv, const char *name);

/*
 * One hop of a proxy_jump list: an inventory host (host set, its settings apply) or
 * [user@]address[:port] ("[v6]:port" for IPv6 with a port; user and port 0 when absent).
 */
typedef struct {
	const cmdb_host *host;
	char user[33];
	char address[254];
	int port;
} cmdb_inventory_hop;

/* Parse the hop of text[0..len); CMDB_EINVALID saying what is wrong. */
CMDB_API int cmdb_inventory_hop_parse(
	cmdb_inventory_hop *out, const cmdb_inventory *inv, const char *text, size_t len);

/*
 * Read an ansible inventory, INI or YAML (YAML when name ends in .yml, .yaml or .json or
 * the first line is "---" or "NAME:"), into inventory.yaml's document: *out {"hosts":
 * {name: {address, port, user, identity_file, proxy_jump} or null}, "groups": {name:
 * [hosts]}}; ranges expanded, variables resolved as ansible does (all, parent groups,
 * child groups, host). *unknown lists what is not used: [{"file", "line", "where"
 * ("host web01" / "group web"), "variable", "why"}]. Syntax errors, an inventory
 * plugin's config (plugin: aws_ec2) and values inventory.yaml would refuse are
 * CMDB_EINVALID naming file:line.
 */
CMDB_API int cmdb_inventory_from_ansible(
	json_t **out, json_t **unknown, const char *buf, size_t len, const char *name);

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
