/*
 * gitcmdb hostkeys: record inventory hosts' SSH host keys in the repository's
 * known_hosts (committed, so their history is audit evidence) and list them.
 * Enrolment is explicit trust on first use: a key that differs from the recorded
 * one is never replaced unless --replace says so.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *limit, *inventory;
	int replace, json, timeout_s, jobs;
} opts;

static const cli_option enroll_options[] = {
	CLI_OPT_STRING(opts, limit, "limit", 0, "HOSTS",
		"comma-separated host globs or @group (\"!\" excludes); default all"),
	CLI_OPT_STRING(opts, inventory, "inventory", 0, "FILE",
		"take the hosts from FILE instead of main's inventory.yaml"),
	CLI_OPT_FLAG(opts, replace, "replace", 0,
		"accept a changed key (after verifying it out of band)"),
	CLI_OPT_DURATION(opts, timeout_s, "timeout", 1, 3600,
		"connect and handshake deadline per host (default 10s)"),
	CLI_OPT_INT(opts, jobs, "jobs", "N", 1, 256, "hosts contacted in parallel (default 16)"),
	CLI_OPT_END,
};

static int load_inventory(cmdb_inventory **inv, cmdb_repo *repo, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (file)
		return cmdb_inventory_load(inv, file);
	if ((rc = cmdb_repo_read(&text, &len, repo, NULL, "inventory.yaml")) < 0)
		return rc;
	rc = cmdb_inventory_parse(inv, text, len, "inventory.yaml");
	cmdb_free(text);
	return rc;
}

/* One host's fetched key (or the error), filled by the worker threads. */
typedef struct {
	const cmdb_host *host;
	char *line, *fp, *error;
} fetched;

typedef struct {
	fetched *f;
	size_t n, next;
	pthread_mutex_t mu;
	const opts *o;
} pool;

static void *fetch_worker(void *arg)
{
	pool *p = arg;

	for (;;) {
		cmdb_ssh_target t = {0};
		fetched *f;

		pthread_mutex_lock(&p->mu);
		f = p->next < p->n ? &p->f[p->next++] : NULL;
		pthread_mutex_unlock(&p->mu);
		if (!f)
			return NULL;
		t.address = f->host->address;
		t.port = f->host->port;
		t.user = f->host->user;
		/* One deadline per host, whatever the server sends (a byte a second...). */
		t.timeout_ms = t.connect_timeout_ms = t.auth_timeout_ms =
			(p->o->timeout_s ? p->o->timeout_s : 10) * 1000;
		if (cmdb_ssh_fetch_hostkey(&f->line, &f->fp, &t) < 0)
			f->error = strdup(cmdb_error_last());
	}
}

/* Fetch every host's key, p->o->jobs at a time (a dead host costs only its own deadline). */
static int fetch_all(fetched *f, size_t n, const opts *o)
{
	pthread_t th[256];
	pool p = {f, n, 0, PTHREAD_MUTEX_INITIALIZER, o};
	size_t jobs = (size_t)(o->jobs ? o->jobs : 16), started = 0;

	if (jobs > n)
		jobs = n;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, fetch_worker, &p) != 0)
			break;
	if (started == 0 && n)
		fetch_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/* Record one fetched key in kh; returns the report entry. */
static json_t *enroll_one(cmdb_knownhosts *kh, const fetched *f, const opts *o, int *failed)
{
	const cmdb_host *h = f->host;
	char type[64] = "";
	const char *status, *error = f->error;
	json_t *e;
	int st = 0;

	e = json_pack("{s:s, s:s, s:i}", "name", h->name, "address", h->address, "port", h->port);
	if (!f->line) {
		status = "error";
		goto fail;
	}
	sscanf(f->line, "%*s %63s", type);
	json_object_set_new(e, "type", json_string(type));
	json_object_set_new(e, "fingerprint", json_string(f->fp));
	json_object_set_new(e, "known_as", json_stringn(f->line, strcspn(f->line, " ")));
	if (cmdb_knownhosts_add(&st, kh, f->line, o->replace) < 0) {
		status = "refused";
		error = cmdb_error_last();
		goto fail;
	}
	status = st == CMDB_KH_MATCH ? "unchanged" : st == CMDB_KH_CHANGED ? "replaced" : "added";
	json_object_set_new(e, "status", json_string(status));
	return e;
fail:
	*failed = 1;
	json_object_set_new(e, "status", json_string(status));
	json_object_set_new(e, "error", json_string(error ? error : "out of memory"));
	return e;
}

/* One commit of known_hosts naming what was added and replaced. */
static int commit_known_hosts(
	json_t *report, cmdb_repo *repo, const cmdb_knownhosts *kh, const json_t *hosts)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	cmdb_changeset *cs = NULL;
	char oid[41], *text = NULL, *msg = NULL;
	size_t len, i, added = 0, replaced = 0, mlen = 0, cap = 256;
	json_t *h;
	int rc, changed = 0;

	json_array_foreach(hosts, i, h)
	{
		const char *s = json_string_value(json_object_get(h, "status"));
		added += !strcmp(s, "added");
		replaced += !strcmp(s, "replaced");
		cap += strlen(json_string_value(json_object_get(h, "name"))) + 100;
	}
	if (!added && !replaced)
		return 0;
	if (!(msg = malloc(cap))) {
		cmdb_error_clear(); /* reported here: enroll must not report a stale error */
		return cli_errorf(CMDB_ERROR, "out of memory");
	}
	mlen = (size_t)snprintf(msg, cap, "hostkeys: %zu added, %zu replaced\n\n", added, replaced);
	json_array_foreach(hosts, i, h)
	{
		const char *s = json_string_value(json_object_get(h, "status"));
		if (!strcmp(s, "added") || !strcmp(s, "replaced"))
			mlen += (size_t)snprintf(msg + mlen, cap - mlen, "%s: host/%s %s %s\n", s,
				json_string_value(json_object_get(h, "name")),
				json_string_value(json_object_get(h, "type")),
				json_string_value(json_object_get(h, "fingerprint")));
	}
	co.message = msg;
	if ((rc = cmdb_knownhosts_format(&text, &len, kh)) < 0 ||
		(rc = cmdb_changeset_new(&cs)) < 0 ||
		(rc = cmdb_changeset_put_file(cs, "known_hosts", text, len)) < 0 ||
		(rc = cmdb_store_commit(oid, &changed, repo, cs, &co)) < 0)
		goto done;
	if (changed)
		json_object_set_new(report, "commit", json_string(oid));
done:
	cmdb_changeset_free(cs);
	cmdb_free(text);
	free(msg);
	return rc;
}

static void print_enroll(const json_t *report)
{
	const json_t *hosts = json_object_get(report, "hosts"), *h, *commit;
	size_t i;

	json_array_foreach(hosts, i, h)
	{
		const char *err = json_string_value(json_object_get(h, "error"));
		const char *fp = json_string_value(json_object_get(h, "fingerprint"));
		cli_printf("%-20s %-10s %s %s\n", json_string_value(json_object_get(h, "name")),
			json_string_value(json_object_get(h, "status")),
			json_string_value(json_object_get(h, "type"))
				? json_string_value(json_object_get(h, "type"))
				: "-",
			fp ? fp : "-");
		if (err)
			cli_errorf(0, "host/%s: %s", json_string_value(json_object_get(h, "name")),
				err);
	}
	if ((commit = json_object_get(report, "commit")))
		cli_printf("committed %s\n", json_string_value(commit));
	else
		puts("known_hosts unchanged; nothing committed");
}

static int enroll(cmdb_repo *repo, const opts *o)
{
	cmdb_inventory *inv = NULL;
	cmdb_knownhosts *kh = NULL;
	json_t *report = json_object(), *hosts = json_array();
	size_t *idx = NULL, n = 0;
	fetched *f = NULL;
	int failed = 0, rc = CLI_FAIL;

	if (!report || !hosts) {
		cli_errorf(0, "out of memory");
		goto done;
	}
	if (load_inventory(&inv, repo, o->inventory) < 0) {
		cli_fail(cmdb_error_last_code() == CMDB_ENOTFOUND
				? "main has no inventory.yaml: commit one first, or pass "
				  "--inventory FILE"
				: "fix the inventory first");
		goto done;
	}
	if (cmdb_inventory_select(&idx, &n, inv, o->limit) < 0 ||
		cmdb_scan_known_hosts(&kh, repo, NULL) < 0) {
		cli_fail(NULL);
		goto done;
	}
	if (!(f = calloc(n, sizeof(*f)))) {
		cli_errorf(0, "out of memory for %zu hosts", n);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		f[i].host = cmdb_inventory_host(inv, idx[i]);
	fetch_all(f, n, o);
	for (size_t i = 0; i < n; i++) { /* in inventory order, so the file is deterministic */
		if (json_array_append_new(hosts, enroll_one(kh, &f[i], o, &failed)) < 0) {
			cli_errorf(0, "out of memory");
			goto done;
		}
	}
	if (json_object_set(report, "hosts", hosts) < 0) {
		cli_errorf(0, "out of memory");
		goto done;
	}
	if (commit_known_hosts(report, repo, kh, hosts) < 0) {
		if (cmdb_error_last_code()) /* else it said why */
			cli_fail(cmdb_error_last_code() == CMDB_EDIRTY
					? "commit or revert your edits to known_hosts first"
					: NULL);
		goto done;
	}
	if (o->json)
		cli_print_json(report);
	else
		print_enroll(report);
	rc = failed ? CLI_FAIL : CLI_OK;
done:
	for (size_t i = 0; f && i < n; i++) {
		cmdb_free(f[i].line);
		cmdb_free(f[i].fp);
		free(f[i].error);
	}
	free(f);
	cmdb_free(idx);
	cmdb_inventory_free(inv);
	cmdb_knownhosts_free(kh);
	json_decref(report);
	json_decref(hosts);
	return rc;
}

static int list(cmdb_repo *repo, const opts *o)
{
	cmdb_knownhosts *kh = NULL;
	json_t *out = json_array();
	cmdb_knownhost e;

	int rc = CLI_OK;

	if (cmdb_scan_known_hosts(&kh, repo, NULL) < 0) {
		json_decref(out);
		return cli_fail("fix known_hosts on main (the line named above)");
	}
	for (size_t i = 0; i < cmdb_knownhosts_count(kh); i++) {
		if (cmdb_knownhosts_entry(&e, kh, i) < 0)
			break;
		if (o->json &&
			json_array_append_new(out,
				json_pack("{s:s, s:s, s:s, s:s, s:i}", "hosts", e.hosts, "type",
					e.type, "fingerprint", e.fingerprint, "marker", e.marker,
					"line", (int)e.line)) < 0) {
			rc = cli_errorf(CLI_FAIL, "out of memory");
			break;
		}
		if (!o->json)
			cli_printf("%s%s%s %s %s\n", e.marker, *e.marker ? " " : "", e.hosts,
				e.type, e.fingerprint);
	}
	if (o->json && rc == CLI_OK)
		cli_print_json(out);
	json_decref(out);
	cmdb_knownhosts_free(kh);
	return rc;
}

static int run_enroll(cli_ctx *ctx, void *o, int argc, char **argv)
{
	opts *eo = o;

	(void)argc, (void)argv;
	eo->json = ctx->json;
	return enroll(ctx->repo, eo);
}

static int run_list(cli_ctx *ctx, void *o, int argc, char **argv)
{
	opts *lo = o;

	(void)argc, (void)argv;
	lo->json = ctx->json;
	return list(ctx->repo, lo);
}

static const cli_command enroll_cmd = {
	.name = "enroll",
	.summary = "record inventory hosts' SSH host keys in known_hosts and commit it",
	.synopsis = "gitcmdb hostkeys enroll [--limit HOSTS] [--inventory FILE] [--replace]\n"
		    "                               [--timeout DURATION] [--jobs N] [--json]",
	.about =
		"Connect to each selected inventory host, take the SSH host key it presents\n"
		"(no login is attempted), record it in the repository's known_hosts and commit "
		"the\n"
		"changed file on main. It prints each key's SHA256 fingerprint: compare them with\n"
		"'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the hosts. A host already\n"
		"recorded with the same key is 'unchanged'. A host presenting a different key is\n"
		"refused (exit 1) unless --replace is given, which drops the host's old keys.\n"
		"'gitcmdb scan' accepts only hosts whose key is recorded here.\n",
	.options = enroll_options,
	.opts_size = sizeof(opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_enroll,
};

static const cli_command list_cmd = {
	.name = "list",
	.summary = "list the recorded keys of main's known_hosts with their fingerprints",
	.synopsis = "gitcmdb hostkeys list [--json]",
	.about = "Print the recorded keys of main's known_hosts with their SHA256 fingerprints.\n",
	.opts_size = sizeof(opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_list,
};

static const cli_command *const hostkeys_subcommands[] = {&enroll_cmd, &list_cmd, NULL};

const cli_command cli_cmd_hostkeys = {
	.name = "hostkeys",
	.summary = "enroll and list SSH host keys",
	.about = "Record inventory hosts' SSH host keys in the repository's known_hosts\n"
		 "(committed, so their history is audit evidence) and list them. Enrolment is\n"
		 "explicit trust on first use: a key that differs from the recorded one is never\n"
		 "replaced unless --replace says so.\n",
	.subcommands = hostkeys_subcommands,
};
