/*
 * The scan: run the collector script on every selected inventory host over SSH
 * (a pool of threads, one exec per host), turn the output into items, merge them
 * with what the CMDB already holds, discover connects_to relations, and record
 * the result as exactly one commit on main.
 *
 * Ownership rules (docs/scan.md): the scanner owns an item's `attributes` and the
 * relations it discovered (listed in attributes.discovered_relations); `annotations`
 * and every other relation are kept. A host that failed keeps its files untouched.
 */
#ifndef GITCMDB_SCAN_H
#define GITCMDB_SCAN_H

#include <jansson.h>

#include "common.h"
#include "inventory.h"
#include "ssh.h"
#include "store.h"

/* Progress, reported after each host finishes (called with the scan's lock held: keep it short). */
typedef struct {
	size_t done; /* hosts finished so far */
	size_t total; /* hosts selected */
	size_t failed; /* hosts finished with an error */
	double elapsed; /* seconds since the scan started */
	const char *host; /* the host that just finished */
} cmdb_scan_progress;

typedef void (*cmdb_scan_progress_cb)(const cmdb_scan_progress *p, void *payload);

typedef struct {
	const char *inventory; /* inventory file; NULL = inventory.yaml committed on main */
	const char *known_hosts; /* known_hosts file; NULL = known_hosts committed on main */
	const char *limit; /* host globs / @group (cmdb_inventory_select); NULL = all */
	int jobs; /* hosts in flight; <= 0 = 32 */
	int timeout_s; /* per-host deadline in seconds, from connect to parsed items; <= 0 = 120 */
	int dry_run; /* compute and report, commit nothing */
	int prune; /* delete the items of hosts no longer in the inventory */
	const char *redaction_key; /* redaction key file; NULL = the collectors' default */
	cmdb_scan_progress_cb progress;
	void *payload;
	/* shard_index of shard_count (1-based; count <= 1 = no sharding): only the selected hosts
	 * whose cmdb_scan_shard_of is shard_index; the commit gets a Scan-Shard trailer */
	int shard_index, shard_count;
} cmdb_scan_opts;

#define CMDB_SCAN_OPTS_INIT                                                                        \
	{                                                                                          \
		NULL, NULL, NULL, 32, 120, 0, 0, NULL, NULL, NULL, 0, 0                            \
	}

/*
 * Run a scan of repo. On success *report (caller's, json_decref) describes it:
 *   {"scan_id", "scope", "dry_run", "summary" (the commit's first line), "message",
 *    "commit" (40-hex or null), "committed" (bool),
 *    "counts": {"hosts", "ok", "changed", "unreachable", "failed"},
 *    "hosts": [{"name", "status", "error"?, "ms", "changed": [ids]}],
 *    "changes": [{"id", "change": "new"|"modified"|"removed", "details"}],
 *    "duplicates": [{"hosts": [names], "evidence"}], "identity_changed": [{"host", "evidence"}],
 *    "not_in_inventory": [ids], "pruned": [ids],
 *    "remerged": [paths], "redaction_key": {"id", "path", "created"},
 *    "warnings": [strings] (scan-wide, when any), "worktree_error": string}
 * Host status: ok, unreachable, timeout, hostkey, auth, toobig, incomplete, error.
 * The merge reads one main and names it as the commit's base: what others commit
 * meanwhile is merged again by the ownership rules ("remerged" lists those paths).
 * Failed hosts do not make this fail: the return is an error only when the scan
 * itself could not run or commit (bad inventory, CMDB_EDIRTY, CMDB_ELOCKED, ...).
 * A scan that committed but could not update the work tree (disk full) succeeds:
 * "worktree_error" says why and "warnings" what to run (cmdb_repo_sync).
 */
CMDB_API int cmdb_scan_run(json_t **report, cmdb_repo *repo, const cmdb_scan_opts *opts);

/*
 * The shard (1..count) host name falls in: a stable hash (FNV-1a, 64 bit) of the name
 * modulo count, so N scanners split one inventory without coordination.
 */
CMDB_API int cmdb_scan_shard_of(const char *name, int count);

/*
 * The known_hosts a scan checks host keys against, parsed (cmdb_knownhosts_free): file
 * when given, else the one committed on main (none yet = no host known). Parsed once
 * and shared read-only by every exec; nothing is written to disk.
 */
CMDB_API int cmdb_scan_known_hosts(cmdb_knownhosts **out, cmdb_repo *repo, const char *file);

/*
 * The inventory a scan or an enrolment reads (cmdb_inventory_free): file when given,
 * else the inventory.yaml committed on main (CMDB_ENOTFOUND, saying what to do, when
 * there is none).
 */
CMDB_API int cmdb_scan_inventory(cmdb_inventory **out, cmdb_repo *repo, const char *file);

/*
 * Write inventory.yaml on main from the ansible inventory file (cmdb_inventory_from_ansible)
 * in one commit. With merge, the inventory on main is kept (defaults, other hosts, tags)
 * and the imported hosts' settings and group members are laid over it; without, the
 * file replaces it. The result is validated as any inventory before it is committed.
 * *report (caller's): {"hosts": N, "added": [names], "updated": [names], "groups": N,
 * "unknown": [...as cmdb_inventory_from_ansible...], "commit": 40-hex or null}.
 */
CMDB_API int cmdb_scan_import_ansible(
	json_t **report, cmdb_repo *repo, const char *file, int merge);

/*
 * A cmdb_remerge_cb (payload: the cmdb_repo) for re-applying a scan commit's operations
 * on a main that moved, by the scan's ownership rules: an item keeps what people changed
 * (annotations, manual relations), the scan's attributes win. For cmdb_push_opts.
 */
CMDB_API int cmdb_scan_remerge(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload);

/* ---- host keys ------------------------------------------------------------------ */

typedef struct {
	const char *inventory; /* inventory file; NULL = inventory.yaml committed on main */
	const char *limit; /* host globs / @group (cmdb_inventory_select); NULL = all */
	int replace; /* accept a key that differs from the recorded one */
	int jobs; /* hosts contacted at once; <= 0 = 16 */
	int timeout_s; /* connect and handshake deadline per host; <= 0 = 10 */
} cmdb_hostkeys_opts;

#define CMDB_HOSTKEYS_OPTS_INIT                                                                    \
	{                                                                                          \
		NULL, NULL, 0, 16, 10                                                              \
	}

/*
 * Enrol host keys: take the SSH host key each selected host presents (no login is
 * attempted; the hosts are contacted on the scan's pool), record it in main's
 * known_hosts and commit that file once ("hostkeys: N added, M replaced", a line per
 * key), unless nothing changed. Explicit trust on first use: a host presenting a key
 * that differs from the recorded one is refused unless opts->replace, which drops
 * its other keys. *report (caller's):
 *   {"hosts": [{"name", "address", "port", "status", "type", "fingerprint",
 *    "known_as", "error"}], "commit": 40-hex (only when one was made)}
 * in inventory order; status is added, unchanged, replaced, refused (error says why)
 * or error (unreachable, timed out...; no key fields). Hosts that failed do not make
 * this fail: the return is an error only when the enrolment could not run or commit
 * (bad inventory or known_hosts, no host selected, CMDB_EDIRTY, CMDB_ELOCKED, ...).
 */
CMDB_API int cmdb_hostkeys_enroll(json_t **report, cmdb_repo *repo, const cmdb_hostkeys_opts *opts);

/* The recorded keys of main's known_hosts, in file order (caller's):
 * [{"hosts", "type", "fingerprint" (SHA256:...), "marker" ("", "@revoked"...), "line"}]. */
CMDB_API int cmdb_hostkeys_list(json_t **out, cmdb_repo *repo);

#endif
