/* Output shared by `change`, `incident` and `problem` (see record_print.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "record_print.h"

cmdb_id_list rec_ids(const cli_list *l)
{
	cmdb_id_list ids = {(const char *const *)l->v, l->n};

	return ids;
}

static void warn_sync(cmdb_repo *repo)
{
	const char *why = cmdb_repo_sync_error(repo);

	if (why)
		cli_errorf(0,
			"warning: main has moved, but the work tree and git index could not be "
			"updated: %s; fix that, then run 'gitcmdb status' to finish the update",
			why);
}

int rec_written(cli_ctx *ctx, const char *id, const char *commit, const char *what)
{
	int rc = CLI_OK;

	if (ctx->json) {
		json_t *r = json_pack("{s:s, s:s}", "id", id, "commit", commit);

		rc = r ? cli_print_json(r) : cli_errorf(CLI_FAIL, "out of memory");
		json_decref(r);
	} else {
		cli_printf("%s\ncommitted %.12s: %s\n", id, commit, what);
	}
	warn_sync(ctx->repo);
	return rc;
}

int rec_failed(void)
{
	int code = cmdb_error_last_code();

	return cli_fail(code == CMDB_ELOCKED  ? "try again when it has finished"
			: code == CMDB_EDIRTY ? "commit or revert your edits to that record first"
					      : "nothing was committed");
}

static const char *field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

int rec_print_list(const json_t *list, int json, const char *const *cols)
{
	const json_t *e;
	size_t i;

	if (json)
		return cli_print_json(list);
	json_array_foreach(list, i, e)
	{
		if (json_object_get(e, "error")) {
			cli_printf("%-10s (unreadable: %s)\n", field(e, "id"), field(e, "error"));
			continue;
		}
		cli_printf("%-10s %-13s", field(e, "id"), field(e, "status"));
		for (size_t c = 0; cols && cols[c]; c++) {
			if (!strcmp(cols[c], "window")) {
				const json_t *w = json_object_get(e, "window");

				cli_printf(" %s..%s", field(w, "start"), field(w, "end"));
			} else {
				cli_printf(" %-9s", field(e, cols[c]));
			}
		}
		cli_printf(" %s\n", field(e, "summary"));
	}
	if (json_array_size(list) == 0)
		fputs("no records\n", stderr);
	return CLI_OK;
}

/* The attributes in the schema's order, then any other (a hand-written record). */
static void print_attributes(const json_t *attrs)
{
	static const char *const order[] = {"summary", "description", "type", "status", "severity",
		"risk", "requested_by", "approved_by", "approved_at", "window", "opened",
		"resolved", "closed", "root_cause", "workaround", "external_ref", NULL};
	const char *key;
	const json_t *v;

	for (size_t i = 0; order[i]; i++) {
		v = json_object_get(attrs, order[i]);
		if (json_is_string(v))
			cli_printf("  %-13s %s\n", order[i], json_string_value(v));
		else if (json_is_object(v))
			cli_printf(
				"  %-13s %s .. %s\n", order[i], field(v, "start"), field(v, "end"));
	}
	json_object_foreach((json_t *)attrs, key, v)
	{
		int known = 0;

		for (size_t i = 0; order[i]; i++)
			known |= !strcmp(order[i], key);
		if (!known && json_is_string(v))
			cli_printf("  %-13s %s\n", key, json_string_value(v));
	}
}

static void print_related(const json_t *related)
{
	static const char *const rels[] = {"affects", "caused_by", "incidents", NULL};

	for (size_t r = 0; rels[r]; r++) {
		const json_t *list = json_object_get(related, rels[r]), *e;
		size_t i;

		if (!json_array_size(list))
			continue;
		cli_printf("%s:\n", rels[r]);
		json_array_foreach(list, i, e)
		{
			if (!json_is_true(json_object_get(e, "exists")))
				cli_printf("  %-30s (not on main)\n", field(e, "id"));
			else if (json_object_get(e, "summary"))
				cli_printf("  %-30s %s %s\n", field(e, "id"), field(e, "status"),
					field(e, "summary"));
			else
				cli_printf("  %s\n", field(e, "id"));
		}
	}
}

/* A drift's verdict: "authorised by CHG-0001 (window)", "exempt", "unauthorised". */
static void verdict(char *buf, size_t n, const json_t *d)
{
	const char *by = json_string_value(json_object_get(d, "authorised_by"));
	const char *how = json_string_value(json_object_get(d, "how"));

	if (!by && json_is_string(json_object_get(d, "change")))
		by = field(d, "change");
	if (by)
		snprintf(buf, n, "authorised by %s%s%s%s", by, how ? " (" : "", how ? how : "",
			how ? ")" : "");
	else
		snprintf(buf, n, "%s", field(d, "status"));
}

/*
 * Drifts, when a front-end added them (change show: the drifts the change authorised;
 * incident show: the correlated drifts, rank first). One line each: time, item,
 * commit, what changed, verdict.
 */
static void print_drifts(const json_t *show)
{
	const json_t *drifts = json_object_get(show, "drifts"), *d;
	const json_t *lookback = json_object_get(show, "lookback");
	char v[128];
	size_t i;

	if (!json_is_array(drifts))
		return;
	if (json_is_integer(lookback)) {
		char span[32];
		cli_format_duration(span, json_integer_value(lookback));
		cli_printf("drifts in the %s before it opened (most likely cause first):\n", span);
	} else {
		cli_printf("drifts:\n");
	}
	json_array_foreach(drifts, i, d)
	{
		const json_t *paths = json_object_get(d, "paths"), *p;
		size_t k;

		verdict(v, sizeof(v), d);
		cli_printf("  %s %-30s %.12s %-8s %s:", field(d, "time"), field(d, "item"),
			field(d, "commit"), field(d, "drift"), v);
		json_array_foreach(paths, k, p) cli_printf(
			"%s%s", k ? ", " : " ", json_string_value(p) ? json_string_value(p) : "-");
		cli_printf("\n");
	}
	if (json_array_size(drifts) == 0)
		cli_printf("  (none)\n");
}

/* change show: the items beyond its own that a failure of what it touches would hit. */
static void print_impact(const json_t *show)
{
	const json_t *items = json_object_get(json_object_get(show, "impact"), "items"), *it;
	size_t i, shown = 0, more = 0;

	if (!json_is_array(items) || json_is_integer(json_object_get(show, "lookback")))
		return;
	json_array_foreach(items, i, it)
	{
		if (json_integer_value(json_object_get(it, "depth")) == 0)
			continue;
		if (shown == 0)
			cli_printf("could break (downstream impact):\n");
		if (shown++ < 20)
			cli_printf("  %s\n", field(it, "id"));
		else
			more++;
	}
	if (more)
		cli_printf("  ... and %zu more (gitcmdb impact ID)\n", more);
}

int rec_print_show(const json_t *show, int json)
{
	const json_t *rec = json_object_get(show, "record");

	if (json)
		return cli_print_json(show);
	cli_printf("%s %s (%s at %.12s)\n", field(show, "kind"), field(show, "id"),
		field(show, "path"), field(show, "commit"));
	print_attributes(json_object_get(rec, "attributes"));
	print_related(json_object_get(show, "related"));
	print_drifts(show);
	print_impact(show);
	return CLI_OK;
}

int rec_run_show(
	cli_ctx *ctx, const char *id, rec_index_fn index, const void *opts, const char *const *keys)
{
	json_t *show = NULL, *res = NULL;
	int rc = CLI_FAIL;

	if (cmdb_record_show(&show, ctx->repo, id) < 0) {
		rc = cli_fail(NULL);
		goto done;
	}
	if (index) {
		if (index(&res, ctx, json_string_value(json_object_get(show, "id")), opts) < 0) {
			rc = cli_fail("run gitcmdb index to check the index");
			goto done;
		}
		for (size_t i = 0; keys[i]; i++)
			if (json_object_set(show, keys[i], json_object_get(res, keys[i])) < 0) {
				rc = cli_errorf(CLI_FAIL, "out of memory");
				goto done;
			}
	}
	rc = rec_print_show(show, ctx->json);
done:
	json_decref(res);
	json_decref(show);
	return rc;
}
