/*
 * Host key enrolment (`gitcmdb hostkeys`): fetch each selected inventory host's SSH
 * host key on the scan's pool, record it in main's known_hosts and commit that file
 * once, naming what was added and replaced. Explicit trust on first use: a key that
 * differs from the recorded one is refused unless the caller says replace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "scan/scan.h"

#define DEFAULT_JOBS 16
#define DEFAULT_TIMEOUT_S 10

/* One host's fetched key (or why not): written by one pool job each. */
typedef struct {
	const cmdb_host *host;
	char *line, *fp, *error;
} fetched;

typedef struct {
	fetched **f; /* this round's hosts */
	cmdb__route *route;
} fetch_job;

static void fetch_one(size_t i, void *payload)
{
	fetch_job *job = payload;
	fetched *f = job->f[i];
	cmdb_ssh_target t;

	/* A host behind jumps is reached through them (their keys checked, a login on
	 * each jump); the host itself only shows its key. */
	if (cmdb__route_target(&t, job->route, f->host) < 0 ||
		cmdb_ssh_fetch_hostkey(&f->line, &f->fp, &t) < 0)
		f->error = cmdb__strdup(cmdb_error_last());
}

/* Select the hosts; *f[*n] is the caller's. */
static int select_all(
	fetched **out, size_t *n, const cmdb_inventory *inv, const cmdb_hostkeys_opts *opts)
{
	size_t *idx = NULL;
	fetched *f;
	int rc;

	if ((rc = cmdb_inventory_select(&idx, n, inv, opts->limit)) < 0)
		return rc;
	if (!(f = cmdb__calloc(*n, sizeof(*f)))) {
		free(idx);
		return cmdb__error(CMDB_ERROR, "out of memory for %zu hosts", *n);
	}
	for (size_t i = 0; i < *n; i++)
		f[i].host = cmdb_inventory_host(inv, idx[i]);
	free(idx);
	*out = f;
	return 0;
}

/* How many inventory hosts stand before h on its way (its round: jumps go first). */
static int depth_of(const cmdb_inventory *inv, const cmdb_host *h, int level)
{
	const char *p = h->proxy_jump;
	int d = 0;

	if (level > 8)
		return 9;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		cmdb_inventory_hop hop;
		if (cmdb_inventory_hop_parse(&hop, inv, p, n) == 0 && hop.host) {
			int hd = 1 + depth_of(inv, hop.host, level + 1);
			d = hd > d ? hd : d;
		}
		p += n + (p[n] == ',');
	}
	return d;
}

/* Record one fetched key in kh; *entry describes it ({name, address, port, status, ...}). */
static int enroll_one(json_t **entry, cmdb_knownhosts *kh, const fetched *f, int replace)
{
	const cmdb_host *h = f->host;
	const char *status = "error", *error = f->error ? f->error : "out of memory";
	char type[64] = "";
	json_t *e;
	int st = 0, rc = 0;

	if (!(e = json_pack(
		      "{s:s, s:s, s:i}", "name", h->name, "address", h->address, "port", h->port)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (f->line) {
		sscanf(f->line, "%*s %63s", type);
		if (json_object_set_new(e, "type", json_string(type)) < 0 ||
			json_object_set_new(e, "fingerprint", json_string(f->fp)) < 0 ||
			json_object_set_new(
				e, "known_as", json_stringn(f->line, strcspn(f->line, " "))) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		if (cmdb_knownhosts_add(&st, kh, f->line, replace) == 0) {
			status = st == CMDB_KH_MATCH    ? "unchanged"
				: st == CMDB_KH_CHANGED ? "replaced"
							: "added";
			error = NULL;
		} else {
			status = "refused";
			error = cmdb_error_last();
		}
	}
	if (json_object_set_new(e, "status", json_string(status)) < 0 ||
		(error && json_object_set_new(e, "error", json_string(error)) < 0))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	if (rc < 0)
		json_decref(e);
	else
		*entry = e;
	return rc;
}

static const char *status_of(const json_t *h)
{
	return json_string_value(json_object_get(h, "status"));
}

static int recorded(const json_t *h)
{
	const char *st = status_of(h);

	return st && (strcmp(st, "added") == 0 || strcmp(st, "replaced") == 0);
}

int cmdb__hostkeys_message(char **out, int *any, const json_t *hosts, size_t max_lines)
{
	cmdb_buf b = CMDB_BUF_INIT((size_t)-1);
	size_t i, added = 0, replaced = 0, listed = 0;
	const json_t *h;
	int rc;

	json_array_foreach(hosts, i, h)
	{
		added += recorded(h) && strcmp(status_of(h), "added") == 0;
		replaced += recorded(h) && strcmp(status_of(h), "replaced") == 0;
	}
	*any = added || replaced;
	rc = cmdb__buf_printf(&b, "hostkeys: %zu added, %zu replaced\n\n", added, replaced);
	json_array_foreach(hosts, i, h)
	{
		if (rc < 0 || listed == max_lines)
			break;
		if (!recorded(h))
			continue;
		rc = cmdb__buf_printf(&b, "%s: host/%s %s %s\n", status_of(h),
			json_string_value(json_object_get(h, "name")),
			json_string_value(json_object_get(h, "type")),
			json_string_value(json_object_get(h, "fingerprint")));
		listed++;
	}
	if (rc == 0 && added + replaced > listed)
		rc = cmdb__buf_printf(&b,
			"… and %zu more (%zu added, %zu replaced in all; 'gitcmdb hostkeys list' "
			"shows every key)\n",
			added + replaced - listed, added, replaced);
	if (rc == 0 && !(*out = cmdb__buf_detach(&b, NULL)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	cmdb__buf_dispose(&b);
	return rc;
}

/* One commit of known_hosts naming what was added and replaced; report["commit"] its id. */
static int commit_known_hosts(json_t *report, cmdb_repo *repo, const cmdb_knownhosts *kh)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	cmdb_changeset *cs = NULL;
	char oid[41], *text = NULL, *msg = NULL;
	size_t len;
	int rc, any = 0, changed = 0;

	if ((rc = cmdb__hostkeys_message(&msg, &any, json_object_get(report, "hosts"),
		     CMDB__HOSTKEYS_MESSAGE_LINES)) < 0 ||
		!any)
		goto done;
	co.message = msg;
	if ((rc = cmdb_knownhosts_format(&text, &len, kh)) < 0 ||
		(rc = cmdb_changeset_new(&cs)) < 0 ||
		(rc = cmdb_changeset_put_file(cs, "known_hosts", text, len)) < 0 ||
		(rc = cmdb_store_commit(oid, &changed, repo, cs, &co)) < 0)
		goto done;
	if (changed && json_object_set_new(report, "commit", json_string(oid)) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb_changeset_free(cs);
	free(text);
	free(msg);
	return rc;
}

/*
 * Fetch and record in rounds: hosts with no jump first, then those whose jumps were
 * recorded in an earlier round (each round's keys are in kh before the next starts, so
 * a jump enrolled now is trusted for the hosts behind it).
 */
static int enroll_rounds(json_t **entries, cmdb_knownhosts *kh, const cmdb_inventory *inv,
	fetched *f, size_t n, const cmdb_hostkeys_opts *opts)
{
	cmdb_ssh_target base;
	fetch_job job = {NULL, NULL};
	int rc = 0, timeout_ms = (opts->timeout_s > 0 ? opts->timeout_s : DEFAULT_TIMEOUT_S) * 1000;

	memset(&base, 0, sizeof(base));
	base.timeout_ms = base.connect_timeout_ms = base.auth_timeout_ms = timeout_ms;
	base.command_timeout_ms = timeout_ms;
	base.hostkeys = kh;
	base.known_hosts = "known_hosts";
	if (!(job.f = cmdb__calloc(n + 1, sizeof(*job.f))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (int round = 0; rc == 0 && round <= 9; round++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (depth_of(inv, f[i].host, 0) == round)
				job.f[m++] = &f[i];
		if (m == 0)
			continue;
		if ((rc = cmdb__route_new(&job.route, inv, &base)) < 0)
			break;
		rc = cmdb__scan_pool_each(
			m, opts->jobs > 0 ? opts->jobs : DEFAULT_JOBS, fetch_one, &job);
		cmdb__route_free(job.route);
		for (size_t i = 0; rc == 0 && i < m; i++)
			rc = enroll_one(&entries[job.f[i] - f], kh, job.f[i], opts->replace);
	}
	cmdb_free(job.f);
	return rc;
}

int cmdb_hostkeys_enroll(json_t **report, cmdb_repo *repo, const cmdb_hostkeys_opts *opts)
{
	static const cmdb_hostkeys_opts dflt = CMDB_HOSTKEYS_OPTS_INIT;
	cmdb_inventory *inv = NULL;
	cmdb_knownhosts *kh = NULL;
	json_t *res = NULL, *hosts = NULL, *e = NULL;
	fetched *f = NULL;
	json_t **entries = NULL;
	size_t n = 0;
	int rc;

	*report = NULL;
	if (!opts)
		opts = &dflt;
	if ((rc = cmdb_scan_inventory(&inv, repo, opts->inventory)) < 0 ||
		(rc = cmdb_scan_known_hosts(&kh, repo, NULL)) < 0 ||
		(rc = select_all(&f, &n, inv, opts)) < 0)
		goto done;
	if (!(res = json_object()) || !(hosts = json_array()) ||
		json_object_set(res, "hosts", hosts) < 0 ||
		!(entries = cmdb__calloc(n + 1, sizeof(*entries)))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	/* recorded round by round, in inventory order within a round: the file is
	 * deterministic whatever order the jobs finished in; reported in inventory order */
	if ((rc = enroll_rounds(entries, kh, inv, f, n, opts)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		e = entries[i];
		entries[i] = NULL;
		if (json_array_append_new(hosts, e) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	if ((rc = commit_known_hosts(res, repo, kh)) < 0)
		goto done;
	*report = res;
	res = NULL;
done:
	for (size_t i = 0; entries && i < n; i++)
		json_decref(entries[i]);
	cmdb_free(entries);
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].line);
		free(f[i].fp);
		free(f[i].error);
	}
	free(f);
	cmdb_inventory_free(inv);
	cmdb_knownhosts_free(kh);
	json_decref(res);
	json_decref(hosts);
	return rc;
}

int cmdb_hostkeys_list(json_t **out, cmdb_repo *repo)
{
	cmdb_knownhosts *kh = NULL;
	cmdb_knownhost e;
	json_t *arr = NULL;
	int rc;

	*out = NULL;
	if ((rc = cmdb_scan_known_hosts(&kh, repo, NULL)) < 0)
		return rc;
	if (!(arr = json_array()))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; rc == 0 && i < cmdb_knownhosts_count(kh); i++) {
		if ((rc = cmdb_knownhosts_entry(&e, kh, i)) < 0)
			break;
		if (json_array_append_new(arr,
			    json_pack("{s:s, s:s, s:s, s:s, s:i}", "hosts", e.hosts, "type", e.type,
				    "fingerprint", e.fingerprint, "marker", e.marker, "line",
				    (int)e.line)) < 0)
			rc = cmdb__error(CMDB_ERROR, "out of memory");
	}
	cmdb_knownhosts_free(kh);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
