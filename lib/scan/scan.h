/*
 * Internals of the scan, split by concern so the pure parts are unit-testable
 * without SSH: merging (scan_merge.c), describing changes and the commit message
 * (scan_message.c), dependency discovery (discover.c). Every json_t returned is
 * the caller's; inputs are borrowed and never modified.
 */
#ifndef CMDB_LIB_SCAN_H
#define CMDB_LIB_SCAN_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "gitcmdb/collect.h"
#include "gitcmdb/inventory.h"
#include "gitcmdb/scan.h"
#include "gitcmdb/ssh_config.h"

/* --- inventory.c, scan_route.c: reaching hosts ------------------------------ */

/* 1 when v is acceptable as the inventory's address, user or identity_file
 * (what = CMDB_HOST_SET_ADDRESS, _USER, _IDENTITY). */
int cmdb__inventory_valid(int what, const char *v);

/* Walk h's chain of jumps (seen[0..depth] the hosts left so far, room for 9): a hop
 * that does not parse or loops back is CMDB_EINVALID saying which (inventory_jump.c). */
int cmdb__inventory_walk_jumps(
	const cmdb_inventory *inv, const cmdb_host *h, const cmdb_host **seen, size_t depth);

typedef struct cmdb__route cmdb__route;

/*
 * The targets of an inventory's hosts: base gives the timeouts and host keys of every
 * target and jump; jump sessions are shared (jump_channels each); with ssh_config: true
 * ~/.ssh/config fills what the inventory leaves unset. Thread-safe.
 */
int cmdb__route_new(cmdb__route **out, const cmdb_inventory *inv, const cmdb_ssh_target *base);
/* Stop the jump sessions and free the targets (after every exec ended). */
void cmdb__route_free(cmdb__route *r);
/* Fill t for host h (strings owned by r or the inventory); errors name the host. */
int cmdb__route_target(cmdb_ssh_target *t, cmdb__route *r, const cmdb_host *h);
/* Add the ~/.ssh/config warnings (Match exec skipped, file:line) to report["warnings"]. */
int cmdb__route_warnings(cmdb__route *r, json_t *report);
/* "user@addr:port[ key FILE][ via HOP,HOP...]" (hops in the order they are reached). */
char *cmdb__route_describe(const cmdb_ssh_target *t);
/* The host as the route sees it (ssh_config applied; strings owned by r). */
int cmdb__route_effective(cmdb_host *out, cmdb__route *r, const cmdb_host *h);

/* --- scan_pool.c ----------------------------------------------------------- */

/* One selected host: what its exec gave. Owned by the scan; dispose with cmdb__scan_host_dispose.
 */
typedef struct {
	const cmdb_host *host; /* borrowed from the inventory */
	int code; /* 0 when the host was scanned, else the CMDB_E* of the failure */
	const char *status; /* "ok", "unreachable", ... "incomplete" (static string) */
	char *error; /* why it failed (NULL when ok) */
	json_t *items; /* {id: item} collected (ok only) */
	json_t *files; /* {path: content} captured, redacted (ok only) */
	json_t *warnings; /* array of strings: sections that failed, dropped ids */
	json_t *missing; /* {section: true} for sections absent from the output */
	char hostkey[64]; /* "SHA256:..." the host presented */
	char *target; /* how it was reached: "user@addr:port key FILE via JUMP,..." */
	double ms; /* wall time of this host */
	uint64_t deadline_ms; /* CLOCK_MONOTONIC ms by which its items must be made; 0 = none */
	/* Set when the host was handed to the scan as it arrived (scan_spool.c): */
	int arrived; /* its endpoints are registered for discovery, ident kept */
	int spooled; /* items/files are in the spool at spool_off (spool_len bytes), not here */
	json_t *ident; /* {name: {attributes: {identity}}} of its host item ({} when none) */
	uint64_t spool_off;
	size_t spool_len;
} cmdb__scan_host;

typedef struct {
	const char *script; /* the collector script (cmdb_collect_script) */
	const json_t *settings; /* parsed gitcmdb.yaml (may be NULL) */
	const cmdb_redactor *redactor;
	const cmdb_knownhosts *hostkeys; /* parsed known_hosts checked strictly (shared) */
	const char *known_hosts_name; /* what messages call it: "known_hosts" or the file */
	int timeout_s; /* each host's deadline: connect to parsed items */
	int jobs;
	cmdb__route *route; /* how each host is reached (NULL: directly, its own settings) */
	cmdb_scan_progress_cb progress;
	void *payload;
	/* Called on the worker's thread with each host scanned ok, as soon as it is parsed
	 * (NULL: none); it may move h->items/files away (the scan spools them). */
	void (*arrived)(cmdb__scan_host *h, void *arrived_payload);
	void *arrived_payload;
} cmdb__scan_pool_opts;

/* One job of the pool: the work for item i of n; it writes only to its own slot. */
typedef void (*cmdb__scan_job_fn)(size_t i, void *payload);

/*
 * Run fn(i, payload) for every i in [0, n) on up to jobs threads taking the next i
 * from a shared counter (a dead host costs only its own deadline). Fewer threads
 * than asked, or none (then the caller's thread does the work), is slower, not
 * wrong. Fails only when it cannot start (out of memory).
 */
int cmdb__scan_pool_each(size_t n, int jobs, cmdb__scan_job_fn fn, void *payload);

/* The timeouts and host keys every target of a scan (and each of its jumps) gets. */
void cmdb__scan_base_target(cmdb_ssh_target *t, const cmdb__scan_pool_opts *o);

/* Scan hosts[0..n) with up to o->jobs threads; per-host failures land in each host. */
int cmdb__scan_pool_run(cmdb__scan_host *hosts, size_t n, const cmdb__scan_pool_opts *o);
void cmdb__scan_host_dispose(cmdb__scan_host *h);

/*
 * Turn one host's script output into h->items/files (h->host->name is the host).
 * Incomplete output (no final framing line) marks the host "incomplete"; ids and
 * paths that do not belong to this host are dropped with a warning. Output over the
 * facts limit, or an item over the item file limit, marks it "toobig"; past
 * h->deadline_ms (checked between stages) it is "timeout".
 */
int cmdb__scan_host_parse(cmdb__scan_host *h, const char *out, size_t len, const json_t *settings,
	const cmdb_redactor *redactor);

/* --- scan_merge.c ---------------------------------------------------------- */

/*
 * Merge a freshly collected item with the item already in the CMDB (old, may be
 * NULL). The scanner owns attributes and the relations it discovered: the result
 * has fresh's attributes, old's annotations and every old relation that was not
 * listed in old's attributes.discovered_relations, plus discovered (a map
 * relation type -> [ids], may be NULL), recorded in attributes.discovered_relations.
 */
int cmdb__scan_merge_item(
	json_t **out, const json_t *fresh, const json_t *old, const json_t *discovered);

/*
 * Merge again an item the scan merged (staged: what it would commit) with the item
 * as it is on main now (current, may be NULL), by the same ownership rules: the
 * scanner's attributes and discovered relations from staged, everything else
 * (annotations, manual relations, other keys) from current. Used when main moved
 * while the scan ran, so a person's edit committed meanwhile is kept.
 */
int cmdb__scan_remerge_item(json_t **out, const json_t *staged, const json_t *current);

/* Sort an array of strings bytewise, dropping duplicates and non-strings, in place. */
int cmdb__scan_sort_unique(json_t *arr);

/* 1 when two items are equal as documents (what would make the same file), else 0. */
int cmdb__scan_item_equal(const json_t *a, const json_t *b);

/*
 * Identity checks of host items. *evidence receives a short description (cmdb_free):
 * cmdb__scan_same_machine: 1 when a and b share machine_id or dmi_uuid.
 * cmdb__scan_identity_changed: 1 when every piece of evidence present in both
 * old and fresh (machine_id, dmi_uuid, ssh_hostkey, macs) differs, and there is some.
 */
int cmdb__scan_same_machine(char **evidence, const json_t *a, const json_t *b);
int cmdb__scan_identity_changed(char **evidence, const json_t *old, const json_t *fresh);

/*
 * Duplicate identities: hosts ({name: host item}) sharing a machine-id or a DMI uuid.
 * *out is an array of {"hosts": [sorted names], "evidence"}; a group is reported
 * only when at least one of its hosts is in scanned ({name: true}, NULL = all).
 */
int cmdb__scan_duplicates(json_t **out, const json_t *hosts, const json_t *scanned);

/* --- scan_message.c -------------------------------------------------------- */

/*
 * What changed in an item, for the commit message: "new" when old is NULL,
 * "removed" when fresh is NULL, else e.g. "packages: openssl 3.0.11 → 3.0.13,
 * +curl; os.version: 11 → 12; relations: +connects_to service/db01/postgresql".
 * At most max_parts changes are named, then "… N more".
 */
int cmdb__scan_describe(char **out, const json_t *old, const json_t *fresh, size_t max_parts);

/*
 * "YYYYMMDDTHHMMSSZ-xxxxxxxxxxxxxxxx" (UTC, then rnd as 16 hex digits) into out:
 * 64 random bits, so scanners started in the same second never collide (docs/scan.md).
 */
#define CMDB__SCAN_ID_SIZE 48
void cmdb__scan_id(char out[CMDB__SCAN_ID_SIZE], time_t t, uint64_t rnd);
/* 64 bits from getrandom(2) (the kernel's CSPRNG); CMDB_ERROR when it cannot give them. */
int cmdb__scan_random64(uint64_t *out);

/* The commit message (summary line, blank line, body) from a report (see scan.h). */
int cmdb__scan_message(char **out, const json_t *report);

/* The summary line alone ("scan: 48 hosts, 3 changed, 1 unreachable"). */
int cmdb__scan_summary(char **out, const json_t *report);

/*
 * Record r's key in report: "redaction_key": {"id", "path", "created"}; a created key
 * (every earlier fingerprint changes) also adds a line to "warnings" and marks the
 * summary and the message.
 */
int cmdb__scan_note_redaction_key(json_t *report, const cmdb_redactor *r);

/* The host status name for an error code from cmdb_ssh_exec ("unreachable", ...). */
const char *cmdb__scan_status_name(int code);

/* --- hostkeys.c ------------------------------------------------------------ */

/*
 * The commit message of an enrolment: "hostkeys: A added, R replaced", then a line
 * per recorded key ("added: host/NAME TYPE SHA256:...") for the first max_lines of
 * them, then "… and K more (A added, R replaced in all; ...)". *any = 0 when nothing
 * was recorded. hosts is the report's array of {name, status, type, fingerprint}.
 */
#define CMDB__HOSTKEYS_MESSAGE_LINES 100
int cmdb__hostkeys_message(char **out, int *any, const json_t *hosts, size_t max_lines);

/* --- discover.c ------------------------------------------------------------ */

typedef struct cmdb__net cmdb__net;

int cmdb__net_new(cmdb__net **out);
void cmdb__net_free(cmdb__net *net);

/*
 * Register host's endpoints from its items ({id: item}: the host item and its
 * services): addresses from the host's network interfaces, listeners from each
 * service's attributes.listen and the host's sockets.listening.
 */
int cmdb__net_add_host(cmdb__net *net, const char *host, const json_t *items);

/*
 * Resolve the established connections of host's items (services' attributes.connects,
 * the host's sockets.established) against every registered host: *out maps each
 * source item id to a sorted array of connects_to target ids (items without any
 * resolved connection are absent). An address owned by more than one host is
 * ambiguous and ignored; loopback addresses mean the source host itself.
 */
int cmdb__net_resolve(json_t **out, const cmdb__net *net, const char *host, const json_t *items);

/*
 * Split "tcp:ADDR:PORT" (ADDR may be [v6], "*", v4-mapped v6) into a normalised
 * address (no brackets, no %zone, "::ffff:" stripped, "*" for any) and port.
 * Also accepts "ADDR:PORT" and "L->R" (takes R). 0 or CMDB_EINVALID.
 */
int cmdb__net_parse_endpoint(char *addr, size_t addr_size, int *port, const char *text);

#endif
