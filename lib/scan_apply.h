/*
 * The state of one scan run, shared by scan.c (inputs, pool, commit) and
 * scan_apply.c (merging results into a changeset). Everything here is owned by
 * the scan_ctx and released by scan.c.
 */
#ifndef CMDB_LIB_SCAN_APPLY_H
#define CMDB_LIB_SCAN_APPLY_H

#include "scan.h"

typedef struct {
	cmdb_repo *repo;
	const cmdb_scan_opts *opts;
	json_t *settings;         /* parsed gitcmdb.yaml ({} when absent) */
	cmdb_inventory *inv;
	char *known_hosts_tmp;    /* temp copy of main's known_hosts we must unlink */
	const char *known_hosts;
	char *script;
	cmdb_redactor *redactor;
	cmdb__scan_host *hosts;   /* the selected hosts, inventory order */
	size_t n;
	cmdb__net *net;
	cmdb_changeset *cs;
	json_t *report;
	json_t *changes;          /* [{id, change, details}] sorted by id */
	json_t *host_reports;
	json_t *changed_by_host;  /* {name: [changed ids]} */
	json_t *scanned;          /* {name: true} for hosts scanned ok */
	json_t *others;           /* {name: host item} of hosts in the CMDB not scanned ok */
	json_t *groups;           /* {group id: true} of the inventory groups of hosts scanned ok */
	char scan_id[32];
} scan_ctx;

/*
 * Merge every host scanned ok into s->cs and s->changes; record duplicates,
 * identity changes, hosts no longer in the inventory (pruned with opts->prune).
 * A host whose existing files cannot be read is failed, its files untouched.
 */
int cmdb__scan_apply(scan_ctx *s);

#endif
