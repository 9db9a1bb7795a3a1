/*
 * The scan merge (lib/scan/scan_apply.c, scan_others.c) on a hand-made pool result:
 * a real CMDB repository holds what earlier scans wrote, the "pool" is a host array
 * filled in by hand, and the test reads the changeset and the changes the merge
 * staged. No SSH. Every allocation of the merge is then failed in turn: each run
 * either fails with an error or stages exactly what the clean run staged (a host
 * the merge could not finish is failed whole), never a quietly smaller changeset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "json_assert.h"
#include "repo_fixture.h"

#include "util/alloc.h"
#include "scan/scan_apply.h"
#include "store/changeset.h"

static const char inventory_yaml[] = "groups:\n"
				     "  web: [web01]\n"
				     "hosts:\n"
				     "  web01: {address: 192.0.2.11}\n"
				     "  other01: {address: 192.0.2.12}\n";

/* What earlier scans (and one person) left on main. */
static const char *const existing[][2] = {
	{"host/web01",
		"{\"type\":\"host\",\"name\":\"web01\",\"source\":\"scan\","
		"\"attributes\":{\"os\":{\"id\":\"debian\",\"version\":\"11\"},"
		"\"identity\":{\"machine_id\":\"m-web01\"}}}"},
	{"service/web01/nginx",
		"{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
		"\"attributes\":{\"state\":\"failed\"},\"annotations\":{\"owner\":\"team-web\"},"
		"\"relations\":{\"runs_on\":[\"host/web01\"]}}"},
	{"service/web01/old",
		"{\"type\":\"service\",\"name\":\"old\",\"source\":\"scan\","
		"\"attributes\":{\"state\":\"running\"}}"},
	{"service/web01/manual",
		"{\"type\":\"service\",\"name\":\"manual\",\"source\":\"manual\","
		"\"attributes\":{}}"},
	{"host/other01",
		"{\"type\":\"host\",\"name\":\"other01\",\"source\":\"scan\","
		"\"attributes\":{\"identity\":{\"machine_id\":\"m-other01\"}}}"},
	{"host/gone01",
		"{\"type\":\"host\",\"name\":\"gone01\",\"source\":\"scan\","
		"\"attributes\":{\"identity\":{\"machine_id\":\"m-gone01\"}}}"},
	{"service/gone01/x",
		"{\"type\":\"service\",\"name\":\"x\",\"source\":\"scan\","
		"\"attributes\":{}}"},
};

/* web01's fresh items and files, as the pool would have parsed them. */
static const char fresh_items[] =
	"{\"host/web01\":{\"type\":\"host\",\"name\":\"web01\",\"source\":\"scan\","
	"\"attributes\":{\"os\":{\"id\":\"debian\",\"version\":\"12\"},"
	"\"identity\":{\"machine_id\":\"m-web01\"}}},"
	"\"service/web01/nginx\":{\"type\":\"service\",\"name\":\"nginx\",\"source\":\"scan\","
	"\"attributes\":{\"state\":\"running\"},\"relations\":{\"runs_on\":[\"host/web01\"]}}}";
static const char fresh_files[] = "{\"file/web01/etc/issue\":\"Debian 12\\n\"}";

/* The clean run: every operation (P put, D delete) and every change, sorted. */
static const char expected_ops[] = "D file/gone01/etc/hosts\n"
				   "P file/web01/etc/issue\n"
				   "D file/web01/etc/motd\n"
				   "P group/web.yaml\n"
				   "D host/gone01.yaml\n"
				   "P host/web01.yaml\n"
				   "D service/gone01/x.yaml\n"
				   "P service/web01/nginx.yaml\n"
				   "D service/web01/old.yaml\n";
static const char expected_changes[] = "group/web new\n"
				       "host/gone01 removed\n"
				       "host/web01 modified\n"
				       "service/gone01/x removed\n"
				       "service/web01/nginx modified\n"
				       "service/web01/old removed\n";

typedef struct {
	tu_repo r;
	cmdb_inventory *inv;
	cmdb_scan_opts opts;
} fixture;

static int setup(void **state)
{
	void *rs = NULL;
	fixture *f = calloc(1, sizeof(*f));
	cmdb_changeset *cs = NULL;
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;

	assert_non_null(f);
	tu_repo_setup_bare(&rs);
	f->r = *(tu_repo *)rs;
	free(rs);
	assert_int_equal(cmdb_changeset_new(&cs), 0);
	for (size_t i = 0; i < sizeof(existing) / sizeof(existing[0]); i++) {
		json_t *item = tu_json(existing[i][1]);

		assert_int_equal(cmdb_changeset_put_item(cs, existing[i][0], item), 0);
		json_decref(item);
	}
	assert_int_equal(cmdb_changeset_put_file(cs, "file/web01/etc/motd", "hi\n", 3), 0);
	assert_int_equal(
		cmdb_changeset_put_file(cs, "file/gone01/etc/hosts", "127.0.0.1\n", 10), 0);
	co.message = "earlier scans";
	if (cmdb_store_commit(NULL, NULL, f->r.repo, cs, &co) < 0)
		fail_msg("commit: %s", cmdb_error_last());
	cmdb_changeset_free(cs);
	if (cmdb_inventory_parse(
		    &f->inv, inventory_yaml, strlen(inventory_yaml), "inventory.yaml") < 0)
		fail_msg("inventory: %s", cmdb_error_last());
	f->opts = (cmdb_scan_opts)CMDB_SCAN_OPTS_INIT;
	f->opts.prune = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_repo *r = malloc(sizeof(*r));

	assert_non_null(r);
	*r = f->r;
	cmdb_inventory_free(f->inv);
	free(f);
	*state = r;
	return tu_repo_teardown(state);
}

/* The pool's result by hand: web01 scanned ok, other01 unreachable. */
static void ctx_init(scan_ctx *s, fixture *f)
{
	memset(s, 0, sizeof(*s));
	s->repo = f->r.repo;
	s->opts = &f->opts;
	s->inv = f->inv;
	s->n = cmdb_inventory_count(f->inv);
	assert_int_equal(s->n, 2);
	s->hosts = calloc(s->n, sizeof(*s->hosts));
	assert_non_null(s->hosts);
	for (size_t i = 0; i < s->n; i++) {
		cmdb__scan_host *h = &s->hosts[i];

		h->host = cmdb_inventory_host(f->inv, i);
		if (strcmp(h->host->name, "web01") == 0) {
			h->status = "ok";
			h->items = tu_json(fresh_items);
			h->files = tu_json(fresh_files);
			h->missing = json_object();
			h->warnings = json_array();
		} else {
			h->code = CMDB_EUNREACHABLE;
			h->status = "unreachable";
			h->error = strdup("connection refused");
		}
	}
	s->report = json_pack("{ss}", "scan_id", "test");
	s->changes = json_array();
	s->host_reports = json_array();
	s->changed_by_host = json_object();
	s->scanned = json_object();
	s->others = json_object();
	s->groups = json_object();
	assert_int_equal(cmdb__net_new(&s->net), 0);
	assert_int_equal(cmdb_changeset_new(&s->cs), 0);
}

static void ctx_dispose(scan_ctx *s)
{
	for (size_t i = 0; i < s->n; i++)
		cmdb__scan_host_dispose(&s->hosts[i]);
	free(s->hosts);
	cmdb__net_free(s->net);
	cmdb_changeset_free(s->cs);
	json_decref(s->report);
	json_decref(s->changes);
	json_decref(s->host_reports);
	json_decref(s->changed_by_host);
	json_decref(s->scanned);
	json_decref(s->others);
	json_decref(s->groups);
}

static cmdb__scan_host *host_named(scan_ctx *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->hosts[i].host->name, name) == 0)
			return &s->hosts[i];
	fail_msg("no host %s", name);
	return NULL;
}

/* "P path\n"/"D path\n" for each staged operation, sorted by path; without lines containing skip.
 */
static char *ops_text(const scan_ctx *s, const char *skip)
{
	const cmdb__op **ops = NULL;
	size_t n = 0, len = 0;
	char *out = calloc(1, 1);

	assert_int_equal(cmdb__changeset_sorted(&ops, &n, s->cs), 0);
	for (size_t i = 0; i < n; i++) {
		if (skip && strstr(ops[i]->path, skip))
			continue;
		out = realloc(out, len + strlen(ops[i]->path) + 4);
		assert_non_null(out);
		len += (size_t)sprintf(out + len, "%c %s\n",
			ops[i]->kind == CMDB__OP_DELETE ? 'D' : 'P', ops[i]->path);
	}
	free(ops);
	return out;
}

static char *changes_text(const scan_ctx *s, const char *skip)
{
	size_t i, len = 0;
	json_t *c;
	char *out = calloc(1, 1);

	json_array_foreach(s->changes, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *kind = json_string_value(json_object_get(c, "change"));

		assert_non_null(id);
		assert_non_null(kind);
		if (skip && strstr(id, skip))
			continue;
		out = realloc(out, len + strlen(id) + strlen(kind) + 3);
		assert_non_null(out);
		len += (size_t)sprintf(out + len, "%s %s\n", id, kind);
	}
	return out;
}

static void assert_text(char *got, const char *want, const char *what)
{
	if (strcmp(got, want) != 0)
		fail_msg("%s:\nexpected:\n%sgot:\n%s", what, want, got);
	free(got);
}

static void test_scan_apply__merges_removes_prunes_and_keeps(void **state)
{
	fixture *f = *state;
	scan_ctx s;
	const cmdb__op **ops = NULL;
	size_t n = 0;
	json_t *web01 = NULL;

	ctx_init(&s, f);
	if (cmdb__scan_apply(&s) < 0)
		fail_msg("apply: %s", cmdb_error_last());
	assert_int_equal(host_named(&s, "web01")->code, 0);
	assert_text(ops_text(&s, NULL), expected_ops, "operations");
	assert_text(changes_text(&s, NULL), expected_changes, "changes");
	/* The merged host item: fresh attributes, the inventory group discovered. */
	assert_int_equal(cmdb__changeset_sorted(&ops, &n, s.cs), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ops[i]->path, "host/web01.yaml") == 0)
			assert_int_equal(
				cmdb_yaml_parse(&web01, ops[i]->data, ops[i]->len, "web01"), 0);
	free(ops);
	assert_non_null(web01);
	tu_assert_json(json_object_get(web01, "relations"), "{\"member_of\":[\"group/web\"]}");
	json_decref(web01);
	/* Reported: web01's changed ids, gone01 pruned, other01 left as it is. */
	tu_assert_json(json_object_get(s.changed_by_host, "web01"),
		"[\"host/web01\",\"service/web01/nginx\",\"service/web01/old\"]");
	tu_assert_json(json_object_get(s.report, "pruned"), "[\"host/gone01\"]");
	assert_null(json_object_get(s.report, "not_in_inventory"));
	ctx_dispose(&s);
}

/* Every staged operation with its bytes, sorted by path. */
static char *ops_full(const scan_ctx *s)
{
	const cmdb__op **ops = NULL;
	size_t n = 0, len = 0;
	char *out = calloc(1, 1);

	assert_int_equal(cmdb__changeset_sorted(&ops, &n, s->cs), 0);
	for (size_t i = 0; i < n; i++) {
		out = realloc(out, len + strlen(ops[i]->path) + ops[i]->len + 8);
		assert_non_null(out);
		len += (size_t)sprintf(out + len, "%c %s\n",
			ops[i]->kind == CMDB__OP_DELETE ? 'D' : 'P', ops[i]->path);
		memcpy(out + len, ops[i]->data ? ops[i]->data : "", ops[i]->len);
		len += ops[i]->len;
		out[len] = '\0';
	}
	free(ops);
	return out;
}

/* Hosts spooled as they arrive merge to exactly what they merge to from memory. */
static void test_scan_apply__spooled_hosts_merge_alike(void **state)
{
	fixture *f = *state;
	scan_ctx s;
	char *want_ops, *want_changes, *want_report;

	ctx_init(&s, f);
	if (cmdb__scan_apply(&s) < 0)
		fail_msg("apply: %s", cmdb_error_last());
	want_ops = ops_full(&s);
	want_changes = json_dumps(s.changes, JSON_COMPACT);
	want_report = json_dumps(s.report, JSON_COMPACT | JSON_SORT_KEYS);
	ctx_dispose(&s);

	ctx_init(&s, f);
	assert_int_equal(cmdb__scan_spool_new(&s.spool), 0);
	for (size_t i = 0; i < s.n; i++) {
		cmdb__scan_host *h = &s.hosts[i];

		if (h->code != 0)
			continue;
		cmdb__scan_arrived(h, &s);
		assert_int_equal(h->spooled, 1);
		assert_int_equal(h->arrived, 1);
		assert_null(h->items);
		assert_null(h->files);
	}
	if (cmdb__scan_apply(&s) < 0)
		fail_msg("apply: %s", cmdb_error_last());
	assert_text(ops_full(&s), want_ops, "operations (spooled)");
	assert_text(json_dumps(s.changes, JSON_COMPACT), want_changes, "changes (spooled)");
	assert_text(json_dumps(s.report, JSON_COMPACT | JSON_SORT_KEYS), want_report,
		"report (spooled)");
	cmdb__scan_spool_free(s.spool);
	ctx_dispose(&s);
	free(want_ops);
	free(want_changes);
	free(want_report);
}

/* What a host may send survives the spool exactly: NUL bytes, reals, big integers, order. */
static void test_scan_apply__spool_round_trip(void **state)
{
	fixture *f = *state;
	scan_ctx s;
	cmdb__scan_host *h;
	json_t *items = tu_json("{\"host/web01\":{\"type\":\"host\",\"attributes\":{\"z\":1,"
				"\"a\":0.1,\"big\":9007199254740993,\"tiny\":1e-300,"
				"\"u\":\"caf\u00e9 \u2192\"}}}");
	json_t *files = json_object(), *want_items = json_deep_copy(items), *want_files;
	char *a, *b;

	json_object_set_new(files, "file/web01/bin", json_stringn("a\0b\0", 4));
	want_files = json_deep_copy(files);
	ctx_init(&s, f);
	h = host_named(&s, "web01");
	json_decref(h->items);
	json_decref(h->files);
	h->items = items;
	h->files = files;
	assert_int_equal(cmdb__scan_spool_new(&s.spool), 0);
	cmdb__scan_arrived(h, &s);
	assert_int_equal(h->spooled, 1);
	assert_int_equal(cmdb__scan_spool_get(s.spool, h), 0);
	assert_int_equal(h->spooled, 0);
	assert_true(json_equal(h->items, want_items));
	assert_true(json_equal(h->files, want_files));
	assert_int_equal(json_string_length(json_object_get(h->files, "file/web01/bin")), 4);
	/* Key order too: what is emitted does not depend on the spool. */
	a = json_dumps(h->items, JSON_COMPACT);
	b = json_dumps(want_items, JSON_COMPACT);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* Registered for discovery and identity once, on arrival. */
	assert_non_null(h->ident);
	cmdb__scan_spool_free(s.spool);
	json_decref(want_items);
	json_decref(want_files);
	ctx_dispose(&s);
}

/* Without --prune a host gone from the inventory is only reported. */
static void test_scan_apply__gone_host_reported_without_prune(void **state)
{
	fixture *f = *state;
	scan_ctx s;

	f->opts.prune = 0;
	ctx_init(&s, f);
	if (cmdb__scan_apply(&s) < 0)
		fail_msg("apply: %s", cmdb_error_last());
	tu_assert_json(json_object_get(s.report, "not_in_inventory"), "[\"host/gone01\"]");
	assert_text(ops_text(&s, "gone01"),
		"P file/web01/etc/issue\n"
		"D file/web01/etc/motd\n"
		"P group/web.yaml\n"
		"P host/web01.yaml\n"
		"P service/web01/nginx.yaml\n"
		"D service/web01/old.yaml\n",
		"operations");
	assert_text(ops_text(&s, "web"), "", "gone01 untouched");
	f->opts.prune = 1;
	ctx_dispose(&s);
}

/* Sections missing from the output: their items and files stay as they were. */
static void test_scan_apply__missing_sections_keep_old_data(void **state)
{
	fixture *f = *state;
	scan_ctx s;
	cmdb__scan_host *h;

	ctx_init(&s, f);
	h = host_named(&s, "web01");
	json_object_set_new(h->missing, "services", json_true());
	json_object_set_new(h->missing, "files", json_true());
	if (cmdb__scan_apply(&s) < 0)
		fail_msg("apply: %s", cmdb_error_last());
	assert_text(ops_text(&s, "gone01"),
		"P file/web01/etc/issue\n"
		"P group/web.yaml\n"
		"P host/web01.yaml\n"
		"P service/web01/nginx.yaml\n",
		"operations");
	ctx_dispose(&s);
}

/* After a run with the nth allocation set to fail: was it reached? (The countdown is spent.) */
static int fault_was_hit(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = cmdb__malloc(1);

		if (!p) {
			cmdb__alloc_fail_at(0);
			return 0;
		}
		free(p);
	}
	cmdb__alloc_fail_at(0);
	return 1;
}

static void test_scan_apply__allocation_failures_never_drop_an_operation(void **state)
{
	fixture *f = *state;
	int failures = 0, host_failed = 0;
	long n;

	json_set_alloc_funcs(cmdb__malloc, free);
	for (n = 1; n < 100000; n++) {
		scan_ctx s;
		cmdb__scan_host *h;
		int rc;

		ctx_init(&s, f);
		cmdb__alloc_fail_at(n);
		rc = cmdb__scan_apply(&s);
		if (!fault_was_hit(n)) {
			assert_int_equal(rc, 0);
			ctx_dispose(&s);
			break;
		}
		h = host_named(&s, "web01");
		if (rc < 0) {
			failures++;
			assert_non_null(strstr(cmdb_error_last(), "out of memory"));
		} else if (h->code != 0) {
			/* web01 failed whole: none of its files touched; gone01 still pruned. */
			host_failed++;
			assert_non_null(h->error);
			assert_text(ops_text(&s, "group/web"),
				"D file/gone01/etc/hosts\nD host/gone01.yaml\nD "
				"service/gone01/x.yaml\n",
				"operations with web01 failed");
			assert_text(changes_text(&s, "group/web"),
				"host/gone01 removed\nservice/gone01/x removed\n",
				"changes with web01 failed");
		} else {
			char *ops = ops_text(&s, NULL), *changes = changes_text(&s, NULL);

			const json_t *ids = json_object_get(s.changed_by_host, "web01");

			if (strcmp(ops, expected_ops) != 0 ||
				strcmp(changes, expected_changes) != 0 || json_array_size(ids) != 3)
				fail_msg("allocation %ld failed, the merge succeeded with:\n%s%s"
					 "and %zu changed ids of web01",
					n, ops, changes, json_array_size(ids));
			free(ops);
			free(changes);
		}
		cmdb_error_clear();
		ctx_dispose(&s);
	}
	json_set_alloc_funcs(malloc, free);
	print_message("scan_apply: %ld allocations, %d failed the merge, %d failed web01 alone\n",
		n - 1, failures, host_failed);
	assert_true(n < 100000);
	assert_true(failures > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_apply__merges_removes_prunes_and_keeps),
		cmocka_unit_test(test_scan_apply__gone_host_reported_without_prune),
		cmocka_unit_test(test_scan_apply__spooled_hosts_merge_alike),
		cmocka_unit_test(test_scan_apply__spool_round_trip),
		cmocka_unit_test(test_scan_apply__missing_sections_keep_old_data),
		cmocka_unit_test(test_scan_apply__allocation_failures_never_drop_an_operation),
	};

	cmdb_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
