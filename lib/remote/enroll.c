/*
 * hostkeys enroll --remote: record the host key of a git server that is not an
 * inventory host in main's known_hosts, exactly as an inventory host's is recorded
 * (explicit trust on first use; a changed key only with replace).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "remote/remote_int.h"

static int commit(
	char *oid, int *changed, cmdb_repo *repo, const cmdb_knownhosts *kh, const char *msg)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	cmdb_changeset *cs = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	co.message = msg;
	if ((rc = cmdb_knownhosts_format(&text, &len, kh)) == 0 &&
		(rc = cmdb_changeset_new(&cs)) == 0 &&
		(rc = cmdb_changeset_put_file(cs, "known_hosts", text, len)) == 0)
		rc = cmdb_store_commit(oid, changed, repo, cs, &co);
	cmdb_changeset_free(cs);
	free(text);
	return rc;
}

int cmdb_remote_enroll(json_t **report, cmdb_repo *repo, const char *name, int replace)
{
	cmdb__remote r;
	cmdb_ssh_target t;
	cmdb_knownhosts *kh = NULL;
	char *line = NULL, *fp = NULL, *known_as = NULL, *msg = NULL, oid[41], type[64] = "";
	const char *status;
	int rc, st = 0, changed = 0;
	json_t *rep = NULL;

	*report = NULL;
	if ((rc = cmdb__remote_load(&r, repo, name)) < 0)
		return rc;
	if (!r.ssh) {
		rc = cmdb__error(CMDB_EINVALID,
			"remote %s (%s) is not an SSH URL: it has no host key to enroll", r.name,
			r.url);
		goto done;
	}
	memset(&t, 0, sizeof(t));
	t.address = r.host;
	t.port = r.port;
	t.user = r.user;
	if ((rc = cmdb_knownhosts_hostname(&known_as, r.host, r.port)) < 0 ||
		(rc = cmdb_ssh_fetch_hostkey(&line, &fp, &t)) < 0 ||
		(rc = cmdb__remote_known_hosts(&kh, repo)) < 0 ||
		(rc = cmdb_knownhosts_add(&st, kh, line, replace)) < 0)
		goto done;
	sscanf(line, "%*s %63s", type);
	status = st == CMDB_KH_MATCH ? "unchanged" : st == CMDB_KH_CHANGED ? "replaced" : "added";
	if (!(rep = json_pack("{s:s, s:s, s:s, s:s, s:s}", "remote", r.name, "known_as", known_as,
		      "type", type, "fingerprint", fp, "status", status))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (st != CMDB_KH_MATCH) {
		if (!(msg = cmdb__sprintf("hostkeys: remote %s %s\n\n%s: %s %s %s\n", r.name,
			      status, status, known_as, type, fp))) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		if ((rc = commit(oid, &changed, repo, kh, msg)) < 0)
			goto done;
		if (changed && json_object_set_new(rep, "commit", json_string(oid)) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	*report = rep;
	rep = NULL;
done:
	json_decref(rep);
	cmdb_knownhosts_free(kh);
	free(line);
	free(fp);
	free(known_as);
	free(msg);
	cmdb__remote_dispose(&r);
	return rc;
}
