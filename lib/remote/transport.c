/*
 * libgit2's transport for one remote: the SSH server's host key checked against main's
 * known_hosts (as a scan checks its hosts), the remote's identity or the ssh agent,
 * the server's own words kept for error messages. Only refs/heads/main travels.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "ssh/knownhosts.h"
#include "store/lock.h"
#include "store/repo.h"
#include "remote/remote_int.h"

#define KNOWN_HOSTS_MAX (16u * 1024 * 1024)

static void say(cmdb__conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(cmdb__conn *c, int code, const char *fmt, ...)
{
	va_list ap;

	c->failed_code = code;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

int cmdb__remote_known_hosts(cmdb_knownhosts **kh, cmdb_repo *repo)
{
	char *raw = NULL;
	size_t len = 0;
	int rc = cmdb_repo_read(&raw, &len, repo, NULL, "known_hosts");

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		rc = 0;
	}
	if (rc == 0 && len > KNOWN_HOSTS_MAX)
		rc = cmdb__error(
			CMDB_ETOOBIG, "known_hosts on main is over %u bytes", KNOWN_HOSTS_MAX);
	if (rc == 0)
		rc = cmdb_knownhosts_parse(kh, raw ? raw : "", len, "known_hosts");
	free(raw);
	return rc;
}

static int check_key(cmdb__conn *c, const git_cert_hostkey *hk)
{
	char *name = NULL, fp[64], type[64] = "key";
	const unsigned char *blob = (const unsigned char *)hk->hostkey;
	cmdb_kh_status st;

	if (!(hk->type & GIT_CERT_SSH_RAW) || !hk->hostkey || !hk->hostkey_len) {
		say(c, CMDB_EHOSTKEY, "the SSH transport gave no host key to check (remote %s)",
			c->remote->name);
		return GIT_EUSER;
	}
	if (cmdb_knownhosts_hostname(&name, c->remote->host, c->remote->port) < 0)
		return GIT_EUSER;
	st = cmdb_knownhosts_check(c->kh, name, blob, hk->hostkey_len);
	cmdb__kh_fingerprint(fp, blob, hk->hostkey_len);
	cmdb__kh_blob_type(type, sizeof(type), blob, hk->hostkey_len);
	if (st != CMDB_KH_MATCH) {
		char what[200];

		snprintf(what, sizeof(what), "git server %s presents %s %s", name, type, fp);
		if (st == CMDB_KH_UNKNOWN || st == CMDB_KH_OTHERTYPE)
			say(c, CMDB_EHOSTKEY,
				"%s, a key not enrolled in known_hosts: check the fingerprint "
				"with the server's administrator, then run 'gitcmdb hostkeys "
				"enroll --remote %s'",
				what, c->remote->name);
		else if (st == CMDB_KH_REVOKED)
			say(c, CMDB_EHOSTKEY,
				"%s, a key marked @revoked in known_hosts (remote %s)", what,
				c->remote->name);
		else
			say(c, CMDB_EHOSTKEY,
				"%s, which differs from the key recorded in known_hosts (a "
				"replaced key, or someone in between): verify it, then run "
				"'gitcmdb hostkeys enroll --remote %s --replace'",
				what, c->remote->name);
	}
	free(name);
	return st == CMDB_KH_MATCH ? 0 : GIT_EUSER;
}

static int cert_check(git_cert *cert, int valid, const char *host, void *payload)
{
	cmdb__conn *c = payload;

	(void)valid, (void)host;
	if (!c->remote->ssh)
		return GIT_PASSTHROUGH;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
		say(c, CMDB_EHOSTKEY, "unexpected certificate type from remote %s",
			c->remote->name);
		return GIT_EUSER;
	}
	return check_key(c, (const git_cert_hostkey *)cert);
}

static const char *local_user(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw && pw->pw_name ? pw->pw_name : "git";
}

static int credentials(git_credential **out, const char *url, const char *username_from_url,
	unsigned int allowed, void *payload)
{
	cmdb__conn *c = payload;
	const char *user = username_from_url && *username_from_url ? username_from_url
		: c->remote->user                                  ? c->remote->user
								   : local_user();

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY)) {
		say(c, CMDB_EAUTH, "the server of remote %s offers no public key authentication",
			c->remote->name);
		return GIT_EUSER;
	}
	if (c->auth_tries++ > 0) {
		say(c, CMDB_EAUTH,
			"the git server refused %s as user %s (remote %s): add its public key to "
			"the server's authorized_keys, or set another with 'gitcmdb remote add "
			"--identity'",
			c->remote->identity ? c->remote->identity : "the ssh agent's keys", user,
			c->remote->name);
		return GIT_EUSER;
	}
	if (c->remote->identity)
		return git_credential_ssh_key_new(out, user, NULL, c->remote->identity, NULL);
	if (!getenv("SSH_AUTH_SOCK")) {
		say(c, CMDB_EAUTH,
			"no identity for remote %s and no ssh agent ($SSH_AUTH_SOCK unset): "
			"give one with 'gitcmdb remote add --identity FILE'",
			c->remote->name);
		return GIT_EUSER;
	}
	return git_credential_ssh_key_from_agent(out, user);
}

static int push_ref_status(const char *refname, const char *status, void *payload)
{
	cmdb__conn *c = payload;

	if (status)
		snprintf(c->push_status, sizeof(c->push_status), "%s: %s", refname, status);
	return 0;
}

/* What the push will do, once the server listed its refs: nothing when main is there. */
static int negotiation(const git_push_update **updates, size_t len, void *payload)
{
	cmdb__conn *c = payload;

	c->up_to_date = len > 0;
	for (size_t i = 0; i < len; i++)
		if (!git_oid_equal(&updates[i]->src, &updates[i]->dst))
			c->up_to_date = 0;
	return 0;
}

/* The server's "remote:" lines (a hook's words), the last ones kept. */
static int sideband(const char *str, int len, void *payload)
{
	cmdb__conn *c = payload;
	size_t have = strlen(c->why), room = sizeof(c->why) - 1;

	if (c->failed_code || len <= 0)
		return 0;
	if ((size_t)len > room)
		len = (int)room;
	if (have + (size_t)len > room) {
		memmove(c->why, c->why + (have + (size_t)len - room), room - (size_t)len);
		have = room - (size_t)len;
	}
	memcpy(c->why + have, str, (size_t)len);
	c->why[have + (size_t)len] = '\0';
	return 0;
}

static void set_callbacks(git_remote_callbacks *cb, cmdb__conn *c)
{
	cb->certificate_check = cert_check;
	cb->credentials = credentials;
	cb->push_update_reference = push_ref_status;
	cb->push_negotiation = negotiation;
	cb->sideband_progress = sideband;
	cb->payload = c;
}

static int open_conn(cmdb__conn *c, git_remote **out, cmdb_repo *repo, const cmdb__remote *r)
{
	int err, rc;

	memset(c, 0, sizeof(*c));
	c->repo = repo;
	c->remote = r;
	if (r->ssh && (rc = cmdb__remote_known_hosts(&c->kh, c->repo)) < 0)
		return rc;
	if (r->identity && access(r->identity, R_OK) != 0)
		return cmdb__error(CMDB_EAUTH,
			"cannot read the identity file %s of remote %s: fix the path with "
			"'gitcmdb remote remove %s' and 'remote add --identity'",
			r->identity, r->name, r->name);
	if ((err = git_remote_create_anonymous(out, cmdb__repo_git(repo), r->url)) < 0)
		return cmdb__error_git(
			CMDB_EINVALID, err, "bad URL '%s' of remote %s", r->url, r->name);
	return 0;
}

/* A libgit2 failure as the callbacks explained it, else in libgit2's words. */
static int conn_error(cmdb__conn *c, int err, const char *what)
{
	char server[sizeof(c->why)];

	if (c->failed_code)
		return cmdb__error(c->failed_code, "%s", c->why);
	snprintf(server, sizeof(server), "%s", c->why);
	for (char *p = server; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (*server)
		return cmdb__error_git(
			CMDB_ERROR, err, "%s %s (server said: %s)", what, c->remote->url, server);
	return cmdb__error_git(CMDB_ERROR, err, "%s %s", what, c->remote->url);
}

/*
 * refs/remotes/<name>/main, for people (`git log origin/main`); gitcmdb itself uses
 * the tip it just listed. A lock left by a gitcmdb killed mid-fetch is removed once
 * stale; a lock still fresh (a `git fetch` beside us) leaves the ref as it was.
 */
static int set_tracking(cmdb_repo *repo, const cmdb__remote *r, const git_oid *id)
{
	struct timespec pause = {0, 250 * 1000000L};
	git_reference *ref = NULL;
	char *name = cmdb__sprintf("refs/remotes/%s/main", r->name);
	char *lock = cmdb__sprintf("%srefs/remotes/%s/main.lock", cmdb_repo_gitdir(repo), r->name);
	int err = GIT_ELOCKED;

	for (int i = 0; name && lock && err == GIT_ELOCKED && i < 16; i++) {
		if (i)
			nanosleep(&pause, NULL);
		cmdb__lock_remove_stale(lock);
		err = git_reference_create(
			&ref, cmdb__repo_git(repo), name, id, 1, "gitcmdb: fetch");
		git_reference_free(ref);
		ref = NULL;
	}
	free(name);
	free(lock);
	if (!name || !lock)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (err == GIT_ELOCKED)
		return 0;
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot record the remote's main") : 0;
}

static void dispose_conn(cmdb__conn *c, git_remote *remote)
{
	git_remote_free(remote);
	cmdb_knownhosts_free(c->kh);
	c->kh = NULL;
}

int cmdb__remote_fetch(git_oid *tip, int *has_tip, cmdb_repo *repo, const cmdb__remote *r)
{
	git_remote *remote = NULL;
	git_fetch_options fo;
	const git_remote_head **heads = NULL;
	/* no destination: the fetch itself writes no ref (set_tracking does, below) */
	char *spec = cmdb__strdup(CMDB_MAIN_REF);
	git_strarray specs = {&spec, 1};
	size_t n = 0;
	cmdb__conn c;
	int err, rc;

	*has_tip = 0;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if (!spec)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = open_conn(&c, &remote, repo, r)) < 0)
		goto done;
	set_callbacks(&fo.callbacks, &c);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = GIT_FETCH_NO_PRUNE;
	if ((err = git_remote_fetch(remote, &specs, &fo, NULL)) < 0) {
		rc = conn_error(&c, err, "cannot fetch from");
		goto done;
	}
	if ((err = git_remote_ls(&heads, &n, remote)) < 0) {
		rc = conn_error(&c, err, "cannot list the refs of");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(heads[i]->name, CMDB_MAIN_REF) == 0) {
			git_oid_cpy(tip, &heads[i]->oid);
			*has_tip = 1;
		}
	if (*has_tip)
		rc = set_tracking(repo, r, tip);
done:
	dispose_conn(&c, remote);
	free(spec);
	return rc;
}

/* refs/gitcmdb/push/<pid> of pushes killed midway (their process is gone). */
static void drop_stale_push_refs(git_repository *git)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;

	if (git_reference_iterator_glob_new(&it, git, "refs/gitcmdb/push/*") < 0)
		return;
	while (git_reference_next(&ref, it) == 0) {
		long pid = strtol(git_reference_name(ref) + strlen("refs/gitcmdb/push/"), NULL, 10);

		if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			git_reference_delete(ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	git_error_clear();
}

int cmdb__remote_push_oid(
	int *rejected, int *up_to_date, cmdb_repo *repo, const cmdb__remote *r, const git_oid *id)
{
	git_remote *remote = NULL;
	git_push_options po;
	git_reference *tmp = NULL;
	char *spec = NULL, *tmpname = cmdb__sprintf("refs/gitcmdb/push/%ld", (long)getpid());
	git_strarray specs = {&spec, 1};
	cmdb__conn c;
	int err, rc;

	*rejected = 0;
	*up_to_date = 0;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	drop_stale_push_refs(cmdb__repo_git(repo));
	/* Push exactly id (main may move meanwhile): a ref of our own names it. */
	if (!tmpname || !(spec = cmdb__sprintf("%s:" CMDB_MAIN_REF, tmpname))) {
		free(tmpname);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	if ((err = git_reference_create(&tmp, cmdb__repo_git(repo), tmpname, id, 1, NULL)) < 0) {
		rc = cmdb__error_git(CMDB_ERROR, err, "cannot name the commit to push");
		goto out;
	}
	if ((rc = open_conn(&c, &remote, repo, r)) < 0)
		goto out;
	set_callbacks(&po.callbacks, &c);
	err = git_remote_push(remote, &specs, &po);
	if (err == GIT_ENONFASTFORWARD) {
		*rejected = 1;
		rc = 0;
	} else if (err < 0) {
		rc = conn_error(&c, err, "cannot push to");
	} else if (*c.push_status) {
		/* The caller tells a lost race (the remote moved) from a real refusal. */
		*rejected = 2;
		rc = cmdb__error(CMDB_ERROR, "remote %s refused the push (%s)%s%s", r->name,
			c.push_status, *c.why ? "; server said: " : "", c.why);
	} else {
		*up_to_date = c.up_to_date;
		rc = set_tracking(repo, r, id);
	}
	dispose_conn(&c, remote);
out:
	if (tmp)
		git_reference_delete(tmp);
	git_reference_free(tmp);
	free(spec);
	free(tmpname);
	return rc;
}
