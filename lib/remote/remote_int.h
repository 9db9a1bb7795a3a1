/* Shared by the files of lib/remote/: the remote's settings and the transport. */
#ifndef CMDB_LIB_REMOTE_INT_H
#define CMDB_LIB_REMOTE_INT_H

#include <git2.h>

#include "gitcmdb/remote.h"
#include "gitcmdb/ssh.h"

/* A configured remote, read from the repository's git config. */
typedef struct {
	char *name;
	char *url;
	char *identity; /* NULL: the ssh agent */
	/* SSH servers only (ssh:// or user@host:path): where the host key is checked */
	int ssh;
	char *host; /* address, without brackets */
	int port; /* 22 when not given */
	char *user; /* NULL when the URL names none */
} cmdb__remote;

/* Read remote name's settings (CMDB_ENOTFOUND naming the remotes there are). */
int cmdb__remote_load(cmdb__remote *out, cmdb_repo *repo, const char *name);
void cmdb__remote_dispose(cmdb__remote *r);
/* Fill ssh/host/port/user of r from r->url; CMDB_EINVALID for an SSH URL without a host. */
int cmdb__remote_parse_url(cmdb__remote *r);

/* A connection's state for libgit2's callbacks (transport.c). */
typedef struct {
	cmdb_repo *repo;
	const cmdb__remote *remote;
	cmdb_knownhosts *kh; /* main's known_hosts */
	int auth_tries;
	int failed_code; /* CMDB_EHOSTKEY / CMDB_EAUTH once a callback refused */
	char why[1024]; /* the refusal, for the error message */
	char push_status[512]; /* the server's reason when it refused the ref update */
	int up_to_date; /* the push found the remote's main already at the commit */
} cmdb__conn;

/* known_hosts on main, parsed (none yet: empty); for checking and enrolling a git server. */
int cmdb__remote_known_hosts(cmdb_knownhosts **kh, cmdb_repo *repo);

/* Fetch remote main into refs/remotes/<name>/main; *tip: its commit (*has_tip 0: none). */
int cmdb__remote_fetch(git_oid *tip, int *has_tip, cmdb_repo *repo, const cmdb__remote *r);
/*
 * Push local commit id to the remote's main (never forced). *rejected = 1 when the remote
 * moved on (not a fast-forward: fetch and try again); a refusal for another reason is
 * CMDB_ERROR with the server's words. *up_to_date = 1 when the remote's main already was
 * id (nothing sent).
 */
int cmdb__remote_push_oid(
	int *rejected, int *up_to_date, cmdb_repo *repo, const cmdb__remote *r, const git_oid *id);

/*
 * Re-apply the commits of (onto..local], oldest first, on onto: *out is the new tip
 * (onto itself when there are none). *count: commits re-applied.
 */
int cmdb__remote_reapply(git_oid *out, size_t *count, cmdb_repo *repo, const git_oid *onto,
	const git_oid *local, const cmdb_push_opts *opts);

/*
 * A second handle (*git) on the repository at gitdir whose object writes stay in memory
 * until flushed as one pack of exactly those objects (objpack.c). Close discards what
 * was not flushed.
 */
typedef struct cmdb__objpack cmdb__objpack;
int cmdb__objpack_open(cmdb__objpack **out, git_repository **git, const char *gitdir);
int cmdb__objpack_flush(cmdb__objpack *p);
void cmdb__objpack_close(cmdb__objpack *p);

#endif
