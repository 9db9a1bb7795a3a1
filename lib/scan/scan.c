/*
 * cmdb_scan_run: inputs from main (gitcmdb.yaml, inventory.yaml, known_hosts),
 * the worker pool, then one single-threaded pass that merges every scanned host
 * with what the CMDB holds, discovers relations, and records one commit.
 *
 * Why inputs come from main and not the work tree: the scan commit must be
 * explained by history alone (which inventory, which trusted host keys), and a
 * bare repository has no work tree. --inventory / known_hosts options override.
 * known_hosts is parsed once here and the parsed table is shared by every worker:
 * no temporary copy is ever written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/yaml.h"
#include "scan/scan.h"
#include "scan/scan_apply.h"

static int load_settings(scan_ctx *s)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = cmdb_repo_read(&buf, &len, s->repo, NULL, "gitcmdb.yaml");

	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		s->settings = json_object();
		return s->settings ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (rc == 0)
		rc = cmdb_yaml_parse(&s->settings, buf, len, "gitcmdb.yaml");
	free(buf);
	if (rc == 0 && !json_is_object(s->settings))
		rc = cmdb__error(CMDB_EINVALID, "gitcmdb.yaml: expected a mapping of settings");
	return rc;
}

int cmdb_scan_inventory(cmdb_inventory **out, cmdb_repo *repo, const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (file)
		return cmdb_inventory_load(out, file);
	rc = cmdb_repo_read(&buf, &len, repo, NULL, "inventory.yaml");
	if (rc == CMDB_ENOTFOUND)
		return cmdb__error(CMDB_ENOTFOUND,
			"inventory.yaml is not committed on main: commit it, or pass --inventory "
			"FILE");
	if (rc == 0)
		rc = cmdb_inventory_parse(out, buf, len, "inventory.yaml");
	free(buf);
	return rc;
}

int cmdb_scan_known_hosts(cmdb_knownhosts **out, cmdb_repo *repo, const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (file)
		return cmdb_knownhosts_load(out, file);
	rc = cmdb_repo_read(&buf, &len, repo, NULL, "known_hosts");
	if (rc == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		return cmdb_knownhosts_parse(out, "", 0, "known_hosts");
	}
	if (rc == 0)
		rc = cmdb_knownhosts_parse(out, buf, len, "known_hosts (main)");
	free(buf);
	return rc;
}

/* settings.scan.<key>, or a top-level <key> as older files wrote it. */
static int setting_bool(const json_t *settings, const char *key, int dflt)
{
	const json_t *v = json_object_get(json_object_get(settings, "scan"), key);

	if (!v)
		v = json_object_get(settings, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int make_redactor(scan_ctx *s)
{
	int rc = cmdb_redactor_new_from_settings(&s->redactor, s->settings, s->opts->redaction_key);

	return rc < 0 ? rc : cmdb__scan_note_redaction_key(s->report, s->redactor);
}

/* The hosts of shard opts->shard_index of opts->shard_count (by cmdb_scan_shard_of). */
static size_t keep_shard(size_t *idx, size_t count, scan_ctx *s)
{
	size_t kept = 0;

	if (s->opts->shard_count <= 1)
		return count;
	for (size_t i = 0; i < count; i++)
		if (cmdb_scan_shard_of(cmdb_inventory_host(s->inv, idx[i])->name,
			    s->opts->shard_count) == s->opts->shard_index)
			idx[kept++] = idx[i];
	return kept;
}

static int select_hosts(scan_ctx *s)
{
	size_t *idx = NULL, count = 0;
	int rc = cmdb_inventory_select(&idx, &count, s->inv, s->opts->limit);

	if (rc < 0)
		return rc;
	count = keep_shard(idx, count, s);
	if (!(s->hosts = cmdb__calloc(count ? count : 1, sizeof(*s->hosts)))) {
		free(idx);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		s->hosts[i].host = cmdb_inventory_host(s->inv, idx[i]);
		s->hosts[i].status = "pending";
		s->hosts[i].code = CMDB_ERROR;
	}
	s->n = count;
	free(idx);
	return 0;
}

static int run_pool(scan_ctx *s)
{
	cmdb__scan_pool_opts po;
	cmdb_ssh_target base;
	int rc;

	if ((rc = cmdb_collect_script(&s->script, s->settings)) < 0)
		return rc;
	memset(&po, 0, sizeof(po));
	po.script = s->script;
	po.settings = s->settings;
	po.redactor = s->redactor;
	po.hostkeys = s->hostkeys;
	po.known_hosts_name = s->opts->known_hosts ? s->opts->known_hosts : "known_hosts";
	po.timeout_s = s->opts->timeout_s;
	po.jobs = s->opts->jobs;
	po.progress = s->opts->progress;
	po.payload = s->opts->payload;
	po.arrived = cmdb__scan_arrived;
	po.arrived_payload = s;
	/* No spool (no temporary directory): the facts stay in memory, as before. */
	if (cmdb__scan_spool_new(&s->spool) < 0)
		cmdb_error_clear();
	cmdb__scan_base_target(&base, &po);
	if ((rc = cmdb__route_new(&po.route, s->inv, &base)) < 0)
		return rc;
	if ((rc = cmdb__route_warnings(po.route, s->report)) == 0)
		rc = cmdb__scan_pool_run(s->hosts, s->n, &po);
	cmdb__route_free(po.route);
	return rc;
}

int cmdb__scan_random64(uint64_t *out)
{
	unsigned char b[8];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cmdb__error(CMDB_ERROR, "no random bytes for the scan id: %s",
				n < 0 ? strerror(errno) : "getrandom gave none");
		got += (size_t)n;
	}
	*out = 0;
	for (size_t i = 0; i < sizeof(b); i++)
		*out = *out << 8 | b[i];
	return 0;
}

static int host_reports(scan_ctx *s)
{
	size_t ok = 0, unreachable = 0, failed = 0;

	for (size_t i = 0; i < s->n; i++) {
		cmdb__scan_host *h = &s->hosts[i];
		json_t *hr = json_pack(
			"{sssssf}", "name", h->host->name, "status", h->status, "ms", h->ms);
		json_t *changed = json_object_get(s->changed_by_host, h->host->name);

		if (!hr || json_array_append_new(s->host_reports, hr) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
		if (h->error)
			json_object_set_new(hr, "error", json_string(h->error));
		if (h->target)
			json_object_set_new(hr, "target", json_string(h->target));
		json_object_set_new(hr, "changed", changed ? json_incref(changed) : json_array());
		if (json_array_size(h->warnings))
			json_object_set(hr, "warnings", h->warnings);
		if (h->code == 0)
			ok++;
		else if (strcmp(h->status, "unreachable") == 0)
			unreachable++;
		else
			failed++;
	}
	json_object_set_new(s->report, "counts",
		json_pack("{sIsIsIsIsI}", "hosts", (json_int_t)s->n, "ok", (json_int_t)ok,
			"changed", (json_int_t)json_object_size(s->changed_by_host), "unreachable",
			(json_int_t)unreachable, "failed", (json_int_t)failed));
	return 0;
}

/*
 * The commit landed but the work tree could not follow: a warning, never a failed
 * scan (best effort: running out of memory here only costs the warning).
 */
static int note_sync_error(scan_ctx *s, const char *oid)
{
	const char *why = cmdb_repo_sync_error(s->repo);
	json_t *list = json_object_get(s->report, "warnings");
	char *w;

	if (!why)
		return 0;
	w = cmdb__sprintf("the scan is committed (main is now %.12s), but the work tree and "
			  "git index could not be updated: %s; fix that, then run 'gitcmdb "
			  "status' to finish the update (before using plain git here)",
		oid, why);
	if (!list && json_object_set_new(s->report, "warnings", list = json_array()) < 0)
		list = NULL;
	if (w && list)
		json_array_append_new(list, json_string(w));
	json_object_set_new(s->report, "worktree_error", json_string(why));
	free(w);
	return 0;
}

static int commit_scan(scan_ctx *s)
{
	char *message = NULL, *summary = NULL, *t_id = NULL, *t_hosts = NULL, *t_scope = NULL;
	char *full = NULL, *t_shard = NULL;
	const char *trailers[5];
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	const json_t *commit = json_object_get(s->settings, "commit");
	const json_t *lock_ms = json_object_get(commit, "lock_timeout_ms");
	char oid[41] = "";
	int changed = 0, rc;

	if ((rc = cmdb__scan_message(&message, s->report)) < 0 ||
		(rc = cmdb__scan_summary(&summary, s->report)) < 0)
		goto done;
	t_id = cmdb__sprintf("Scan-Id: %s", s->scan_id);
	t_hosts = cmdb__sprintf("Scanned-Hosts: %zu", s->n);
	t_scope = cmdb__sprintf("Scan-Scope: %s", s->opts->limit ? s->opts->limit : "all");
	if (s->opts->shard_count > 1)
		t_shard = cmdb__sprintf(
			"Scan-Shard: %d/%d", s->opts->shard_index, s->opts->shard_count);
	if (!t_id || !t_hosts || !t_scope || (s->opts->shard_count > 1 && !t_shard)) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	trailers[0] = t_id;
	trailers[1] = t_hosts;
	trailers[2] = t_scope;
	trailers[3] = t_shard;
	trailers[4] = NULL;
	json_object_set_new(s->report, "summary", json_string(summary));
	if (!(full = cmdb__sprintf("%s\n%s\n%s\n%s\n%s%s", message, t_id, t_hosts, t_scope,
		      t_shard ? t_shard : "", t_shard ? "\n" : ""))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_object_set_new(s->report, "message", json_string(full));
	json_object_set_new(s->report, "committed", json_false());
	json_object_set_new(s->report, "commit", json_null());
	if (s->opts->dry_run)
		goto done;
	co.message = message;
	co.trailers = trailers;
	co.author_name = json_string_value(json_object_get(commit, "author_name"));
	co.author_email = json_string_value(json_object_get(commit, "author_email"));
	if (json_is_integer(lock_ms) && json_integer_value(lock_ms) >= 0)
		co.lock_timeout_ms = (int)json_integer_value(lock_ms);
	/* An unchanged scan still proves the CMDB was verified (ISO 20000 §8.2.6). */
	co.allow_empty = setting_bool(s->settings, "record_unchanged_scans", 1);
	/* What lands on main after the merge read s->base is merged again, never overwritten. */
	co.base = s->base[0] ? s->base : NULL;
	co.remerge = cmdb__scan_remerge;
	co.remerge_payload = s;
	if ((rc = cmdb_store_commit(oid, &changed, s->repo, s->cs, &co)) < 0)
		goto done;
	if (changed || co.allow_empty) {
		json_object_set_new(s->report, "committed", json_true());
		json_object_set_new(s->report, "commit", json_string(oid));
	}
	rc = note_sync_error(s, oid);
done:
	free(message);
	free(full);
	free(summary);
	free(t_id);
	free(t_hosts);
	free(t_scope);
	free(t_shard);
	return rc;
}

static void scan_dispose(scan_ctx *s)
{
	for (size_t i = 0; i < s->n; i++)
		cmdb__scan_host_dispose(&s->hosts[i]);
	free(s->hosts);
	cmdb_knownhosts_free(s->hostkeys);
	json_decref(s->settings);
	cmdb_inventory_free(s->inv);
	free(s->script);
	cmdb_redactor_free(s->redactor);
	cmdb__net_free(s->net);
	cmdb__scan_spool_free(s->spool);
	cmdb_changeset_free(s->cs);
	json_decref(s->report);
	json_decref(s->changes);
	json_decref(s->host_reports);
	json_decref(s->changed_by_host);
	json_decref(s->scanned);
	json_decref(s->others);
	json_decref(s->groups);
}

static int scan_init(scan_ctx *s, cmdb_repo *repo, const cmdb_scan_opts *opts)
{
	uint64_t rnd;
	int rc;

	memset(s, 0, sizeof(*s));
	s->repo = repo;
	s->opts = opts;
	s->blobs = !opts->dry_run;
	if ((rc = cmdb__scan_random64(&rnd)) < 0)
		return rc;
	cmdb__scan_id(s->scan_id, time(NULL), rnd);
	s->report = json_pack("{sssssb}", "scan_id", s->scan_id, "scope",
		opts->limit ? opts->limit : "all", "dry_run", opts->dry_run ? 1 : 0);
	s->changes = json_array();
	s->host_reports = json_array();
	s->changed_by_host = json_object();
	s->scanned = json_object();
	s->others = json_object();
	s->groups = json_object();
	if (!s->groups || !s->report || !s->changes || !s->host_reports || !s->changed_by_host ||
		!s->scanned || !s->others || cmdb__net_new(&s->net) < 0 ||
		cmdb_changeset_new(&s->cs) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int cmdb_scan_run(json_t **report, cmdb_repo *repo, const cmdb_scan_opts *opts)
{
	cmdb_scan_opts dflt = CMDB_SCAN_OPTS_INIT;
	scan_ctx s;
	double t0 = now_s(), t1, t2;
	int rc;

	*report = NULL;
	if (!opts)
		opts = &dflt;
	if ((rc = scan_init(&s, repo, opts)) < 0)
		goto done;
	if ((rc = load_settings(&s)) < 0 ||
		(rc = cmdb_scan_inventory(&s.inv, s.repo, s.opts->inventory)) < 0 ||
		(rc = select_hosts(&s)) < 0 ||
		(rc = cmdb_scan_known_hosts(&s.hostkeys, repo, opts->known_hosts)) < 0 ||
		(rc = make_redactor(&s)) < 0 || (rc = run_pool(&s)) < 0)
		goto done;
	t1 = now_s();
	if ((rc = cmdb__scan_apply(&s)) < 0 || (rc = host_reports(&s)) < 0)
		goto done;
	json_object_set(s.report, "hosts", s.host_reports);
	json_object_set(s.report, "changes", s.changes);
	t2 = now_s();
	if ((rc = commit_scan(&s)) < 0)
		goto done;
	/* Where the time went, for benchmarks and slow-scan reports (not in the commit). */
	json_object_set_new(s.report, "timing",
		json_pack("{sfsfsf}", "collect_s", t1 - t0, "merge_s", t2 - t1, "commit_s",
			now_s() - t2));
	*report = s.report;
	s.report = NULL;
done:
	scan_dispose(&s);
	return rc;
}

int cmdb_scan_shard_of(const char *name, int count)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a: stable across versions and machines */

	if (count <= 1 || !name)
		return 1;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (int)(h % (uint64_t)count) + 1;
}
