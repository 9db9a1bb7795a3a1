/*
 * The state of one scan run, shared by scan.c (inputs, pool, commit) and
 * scan_apply.c (merging results into a changeset). Everything here is owned by
 * the scan_ctx and released by scan.c.
 */
#ifndef CMDB_LIB_SCAN_APPLY_H
#define CMDB_LIB_SCAN_APPLY_H

#include "scan/scan.h"

typedef struct cmdb__scan_spool cmdb__scan_spool;

typedef struct {
	cmdb_repo *repo;
	const cmdb_scan_opts *opts;
	json_t *settings; /* parsed gitcmdb.yaml ({} when absent) */
	cmdb_inventory *inv;
	cmdb_knownhosts *hostkeys; /* parsed known_hosts, shared by the pool's threads */
	char *script;
	cmdb_redactor *redactor;
	cmdb__scan_host *hosts; /* the selected hosts, inventory order */
	size_t n;
	cmdb__net *net;
	cmdb_changeset *cs;
	json_t *report;
	json_t *changes; /* [{id, change, details}] sorted by id */
	json_t *host_reports;
	json_t *changed_by_host; /* {name: [changed ids]} */
	json_t *scanned; /* {name: true} for hosts scanned ok */
	json_t *others; /* {name: host item} of hosts in the CMDB not scanned ok */
	json_t *groups; /* {group id: true} of the inventory groups of hosts scanned ok */
	char base[41]; /* the main every read of the merge sees ("" when main is absent) */
	char scan_id[CMDB__SCAN_ID_SIZE];
	cmdb__scan_spool *spool; /* where hosts' facts wait for the merge (NULL: in memory) */
	int blobs; /* staged bytes go to the object database as they are made (not dry runs) */
} scan_ctx;

/*
 * Merge every host scanned ok into s->cs and s->changes; record duplicates,
 * identity changes, hosts no longer in the inventory (pruned with opts->prune).
 * A host whose existing files cannot be read is failed, its files untouched.
 */
int cmdb__scan_apply(scan_ctx *s);

/*
 * The cmdb_remerge_cb of the scan commit (payload: the scan_ctx): an operation whose
 * path changed on main since s->base is merged again with head's version by the
 * ownership rules (docs/scan.md): items keep what people changed, group items stay
 * people's once they exist, a removal spares an item that is no longer the
 * scanner's, captured files stay the scanner's.
 */
int cmdb__scan_remerge(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload);

/* Helpers shared by scan_apply.c and scan_others.c (blobs and items at s->base). */
int cmdb__scan_read_raw(char **raw, size_t *len, scan_ctx *s, const char *path);
int cmdb__scan_read_item(json_t **old, char **raw, size_t *len, scan_ctx *s, const char *path);
int cmdb__scan_list_dir(json_t **out, scan_ctx *s, const char *dir);
int cmdb__scan_is_scan_item(const json_t *item);
int cmdb__scan_add_change(
	json_t *changes, const char *id, const char *kind, const json_t *old, const json_t *fresh);

/* scan_others.c: keep a host's identity evidence in idents ({name: {attributes: {identity}}}). */
int cmdb__scan_keep_identity(json_t *idents, const char *name, const json_t *host_item);
/* Register hosts on main not scanned ok; report or prune those gone from the inventory. */
int cmdb__scan_load_others(scan_ctx *s, json_t *idents);

/*
 * scan_spool.c: hosts as they arrive. The pool hands each host scanned ok to
 * cmdb__scan_arrived (payload: the scan_ctx) on its worker's thread: its endpoints
 * are registered for discovery, its identity evidence kept, and its items and files
 * written compactly to the spool (an unlinked temporary file) and freed, so the
 * scan's memory does not grow with the estate. The merge reads each host back
 * with cmdb__scan_spool_get, one host at a time. Without a spool, or when a write
 * fails, the facts simply stay in memory (slower to nothing, never wrong).
 */
int cmdb__scan_spool_new(cmdb__scan_spool **out);
void cmdb__scan_spool_free(cmdb__scan_spool *sp);
void cmdb__scan_arrived(cmdb__scan_host *h, void *payload);
/* The first error of cmdb__scan_arrived (0 when none): it fails the scan, as the merge would. */
int cmdb__scan_spool_error(const cmdb__scan_spool *sp);
/* Put h's items and files back from the spool (a no-op for a host not spooled). */
int cmdb__scan_spool_get(cmdb__scan_spool *sp, cmdb__scan_host *h);
/* Register h for discovery and keep its identity evidence (the merge's first pass). */
int cmdb__scan_register(scan_ctx *s, cmdb__scan_host *h);

#endif
