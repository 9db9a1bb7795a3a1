/*
 * Remotes: the CMDB repository's git remotes (kept in its git config, so `git remote -v`
 * shows them), push and pull of main without ever forcing, and repository upkeep.
 *
 * Transport is libgit2's: ssh://user@host[:port]/path and user@host:path over SSH, with the
 * server's host key checked against main's known_hosts exactly as scans check hosts (an
 * unenrolled key is refused with its SHA256 fingerprint), the remote's identity key or the
 * ssh agent for authentication; file:// URLs and local paths.
 *
 * Only refs/heads/main travels. A push that the remote refuses as not a fast-forward
 * fetches, re-applies the local commits the remote lacks on its tip (each keeping its
 * message, trailers and author) and tries again, a bounded number of times with
 * jittered backoff.
 */
#ifndef GITCMDB_REMOTE_H
#define GITCMDB_REMOTE_H

#include <jansson.h>

#include "common.h"
#include "store.h"

/*
 * Add remote name (git's remote name rules) with url; identity (may be NULL) is the
 * private key file SSH authenticates with (else the ssh agent), stored as
 * remote.<name>.gitcmdbIdentity. CMDB_EEXISTS when name is taken, CMDB_EINVALID for a
 * bad name or URL.
 */
CMDB_API int cmdb_remote_add(
	cmdb_repo *repo, const char *name, const char *url, const char *identity);
/* Remove remote name and its remote-tracking refs. CMDB_ENOTFOUND when there is none. */
CMDB_API int cmdb_remote_remove(cmdb_repo *repo, const char *name);
/* The remotes, sorted by name (caller's): [{"name", "url", "identity"?}]. */
CMDB_API int cmdb_remote_list(json_t **out, cmdb_repo *repo);
/*
 * The remote a command without one means (*out is the caller's, cmdb_free): "origin"
 * when it exists, else the only remote. CMDB_ENOTFOUND saying what to do otherwise.
 */
CMDB_API int cmdb_remote_default(char **out, cmdb_repo *repo);

typedef struct {
	int attempts; /* pushes tried while other pushers win the race; <= 0 = 16 */
	/* pause before the third and later attempts: doubled each time up to 3 s, each one
	 * drawn from 50 % to 150 % of that; <= 0 = 100 ms */
	int backoff_ms;
	/*
	 * How an operation of a re-applied commit that carries a Scan-Id trailer is merged
	 * with the remote's version of its path (cmdb_scan_remerge: the scan's ownership rules).
	 * NULL, and for every other commit: a three-way merge of the file's lines; a conflict
	 * refuses (CMDB_EDIRTY naming the path), local commits kept.
	 */
	cmdb_remerge_cb scan_remerge;
	void *scan_remerge_payload;
} cmdb_push_opts;

#define CMDB_PUSH_OPTS_INIT                                                                        \
	{                                                                                          \
		16, 100, NULL, NULL                                                                \
	}

/*
 * Push main to remote name's main, never forced. *report (caller's):
 *   {"remote", "url", "status": "pushed" | "up-to-date" | "behind", "commit": 40-hex,
 *    "attempts", "reapplied": number of local commits re-applied on the remote's tip}
 * "behind": the remote holds everything and more (run pull). A remote that refuses for
 * another reason (a hook) is CMDB_ERROR with the server's reason; nothing local changes.
 */
CMDB_API int cmdb_remote_push(
	json_t **report, cmdb_repo *repo, const char *name, const cmdb_push_opts *opts);

/*
 * Fetch remote name's main and bring main to it: fast-forward, or re-apply the local
 * commits the remote lacks on its tip (as push does). The work tree follows as after a
 * commit (a path with uncommitted edits refuses with CMDB_EDIRTY; nothing moves).
 * *report: {"remote", "url", "status": "fast-forward" | "up-to-date" | "ahead" |
 * "reapplied", "commit", "reapplied"}.
 */
CMDB_API int cmdb_remote_pull(
	json_t **report, cmdb_repo *repo, const char *name, const cmdb_push_opts *opts);

/*
 * Record the SSH host key that remote name's server presents in main's known_hosts and
 * commit it (like cmdb_hostkeys_enroll for an inventory host). *report:
 * {"remote", "known_as", "type", "fingerprint", "status": "added" | "unchanged" |
 * "replaced", "commit"?}. A different recorded key is CMDB_EHOSTKEY unless replace.
 */
CMDB_API int cmdb_remote_enroll(json_t **report, cmdb_repo *repo, const char *name, int replace);

/* ---- upkeep ------------------------------------------------------------------------ */

typedef struct {
	int prune_days; /* unreachable objects older than this many days are removed; < 0 = 14 */
	int use_git; /* 1: `git gc` when git is installed (default); 0: libgit2's packbuilder */
} cmdb_gc_opts;

#define CMDB_GC_OPTS_INIT                                                                          \
	{                                                                                          \
		-1, 1                                                                              \
	}

/*
 * Pack the loose objects of repo and prune unreachable ones older than prune_days. Safe
 * while other gitcmdb processes write: every object reachable from a ref, and every
 * object younger than the grace period, stays. *report: {"method": "git" | "libgit2",
 * "loose_before", "loose_after", "packs_after", "bytes_before", "bytes_after", "ms"}.
 */
CMDB_API int cmdb_repo_gc(json_t **report, cmdb_repo *repo, const cmdb_gc_opts *opts);
/* Number of loose objects in repo (objects/xx/ files). */
CMDB_API int cmdb_repo_loose_count(size_t *out, cmdb_repo *repo);

#endif
