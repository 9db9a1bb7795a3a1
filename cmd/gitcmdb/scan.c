/* gitcmdb scan: discover the inventory's hosts over SSH and commit what changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gitcmdb/scan.h>

#include "cli.h"

/* The library's options first, so the table's offsets into cmdb_scan_opts hold. */
typedef struct {
	cmdb_scan_opts o;
	int push; /* gitcmdb push afterwards */
	const char *shard; /* "I/N" */
} scan_args;

static void defaults(void *opts)
{
	memset(opts, 0, sizeof(scan_args));
	*(cmdb_scan_opts *)opts = (cmdb_scan_opts)CMDB_SCAN_OPTS_INIT;
}

static const cli_option scan_options[] = {
	CLI_OPT_STRING(cmdb_scan_opts, inventory, "inventory", 0, "FILE",
		"scan the hosts of FILE instead of main's inventory.yaml"),
	CLI_OPT_STRING(cmdb_scan_opts, limit, "limit", 0, "HOSTS",
		"only these hosts: comma-separated globs or @group"),
	CLI_OPT_INT(cmdb_scan_opts, jobs, "jobs", "N", 1, 1024, "hosts in flight (default 32)"),
	CLI_OPT_DURATION(cmdb_scan_opts, timeout_s, "timeout", 1, 86400,
		"per-host deadline for the collectors (default 120s; 90, 90s,\n5m, 2h)"),
	CLI_OPT_STRING(cmdb_scan_opts, known_hosts, "known-hosts", 0, "FILE",
		"check host keys against FILE instead of main's known_hosts"),
	CLI_OPT_FLAG(
		cmdb_scan_opts, dry_run, "dry-run", 0, "show what would change; commit nothing"),
	CLI_OPT_FLAG(cmdb_scan_opts, prune, "prune", 0,
		"remove the items of hosts no longer in the inventory"),
	CLI_OPT_FLAG(scan_args, push, "push", 0,
		"push the scan to the default remote (gitcmdb push); also\n"
		"gitcmdb.yaml remote.push_after_scan: true or a remote's name"),
	CLI_OPT_STRING(scan_args, shard, "shard", 0, "I/N",
		"only the hosts of shard I of N (a stable hash of the name)"),
	CLI_OPT_END,
};

static void progress(const cmdb_scan_progress *p, void *payload)
{
	(void)payload;
	fprintf(stderr, "\rscan: %zu/%zu hosts done, %zu failed, %.1f s", p->done, p->total,
		p->failed, p->elapsed);
	if (p->done == p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

static const char *hint_for(int code)
{
	switch (code) {
	case CMDB_EDIRTY: return "commit or revert your edits to that file first, then scan again";
	case CMDB_ELOCKED: return "another gitcmdb command is writing; try again when it is done";
	case CMDB_ENOTFOUND: return "check the inventory, the --limit pattern and the repository";
	case CMDB_EINVALID: return "fix the file named above and scan again";
	default: return NULL;
	}
}

static void print_text(const json_t *report)
{
	const json_t *hosts = json_object_get(report, "hosts"), *h, *w;
	const char *commit = json_string_value(json_object_get(report, "commit"));
	const char *message = json_string_value(json_object_get(report, "message"));
	size_t i, j;

	if (message)
		cli_put_text(stdout, message, strlen(message));
	json_array_foreach(hosts, i, h) json_array_foreach(json_object_get(h, "warnings"), j, w)
		cli_errorf(0, "warning: host/%s: %s", json_string_value(json_object_get(h, "name")),
			json_string_value(w));
	if (json_is_true(json_object_get(report, "dry_run"))) {
		puts("\neffective targets:");
		json_array_foreach(hosts, i, h)
			cli_printf("  %-24s %s\n", json_string_value(json_object_get(h, "name")),
				json_string_value(json_object_get(h, "target"))
					? json_string_value(json_object_get(h, "target"))
					: "-");
		puts("\ndry run: nothing committed");
	} else if (commit)
		cli_printf("\ncommitted %s\n", commit);
	else
		puts("\nnothing changed; no commit (record_unchanged_scans: false)");
}

/* --shard I/N into the library's options. */
static int check_scan(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	scan_args *a = opts;
	int i = 0, n = 0, used = 0;

	(void)argc, (void)argv;
	if (!a->shard)
		return 0;
	if (sscanf(a->shard, "%d/%d%n", &i, &n, &used) != 2 || a->shard[used] || n < 1 ||
		n > 4096 || i < 1 || i > n)
		return cli_usage(ctx,
			"bad value '%s' for --shard: give I/N with 1 <= I <= N <= 4096, e.g. 2/4",
			a->shard);
	a->o.shard_index = i;
	a->o.shard_count = n;
	return 0;
}

static int run_scan(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	cmdb_scan_opts o = *(const cmdb_scan_opts *)opts;
	const scan_args *args = opts;
	cmdb_repo *repo = ctx->repo;
	json_t *report = NULL;
	int json = ctx->json, rc;

	(void)argc, (void)argv;
	if (isatty(STDERR_FILENO))
		o.progress = progress;
	if (cmdb_scan_run(&report, repo, &o) < 0) {
		rc = cli_fail(hint_for(cmdb_error_last_code()));
		goto done;
	}
	if (json)
		cli_print_json(report);
	else
		print_text(report);
	/* Scan-wide warnings (a work tree that could not follow, a new redaction key) go to
	 * stderr whatever the output format; the scan landed, so they do not fail it. */
	{
		const json_t *w;
		size_t i;

		json_array_foreach(json_object_get(report, "warnings"), i, w)
			cli_errorf(0, "warning: %s", json_string_value(w));
	}
	{
		const json_t *counts = json_object_get(report, "counts");

		rc = json_integer_value(json_object_get(counts, "unreachable")) +
				json_integer_value(json_object_get(counts, "failed"))
			? CLI_FAIL
			: CLI_OK;
	}
	/* The scan landed: a failed push keeps it for the next one and fails the command. */
	if (json_is_true(json_object_get(report, "committed")) &&
		cli_after_commit(ctx, args->push, 1) != CLI_OK)
		rc = CLI_FAIL;
done:
	json_decref(report);
	return rc;
}

const cli_command cli_cmd_scan = {
	.name = "scan",
	.summary = "discover hosts over SSH and commit what changed",
	.synopsis =
		"gitcmdb scan [--inventory FILE] [--limit HOSTS] [--jobs N] [--timeout DURATION]\n"
		"                    [--known-hosts FILE] [--dry-run] [--prune] [--push]\n"
		"                    [--shard I/N] [--json]",
	.about =
		"Run the collectors on every inventory host over SSH (one exec per host, N hosts\n"
		"in flight), merge what they report with the CMDB and record it as one commit on\n"
		"main. The inventory, settings (gitcmdb.yaml) and trusted host keys (known_hosts)\n"
		"are read from main, so commit your edits to them first (or pass --inventory).\n"
		"\n"
		"The scanner owns each item's attributes and the relations it discovered;\n"
		"annotations and relations you added by hand are kept. A host that fails keeps\n"
		"its files untouched; the failure is recorded in the scan commit.\n",
	.notes = "With --json, a machine-readable report on stdout.\n"
		 "exit status: 0 every host scanned, 1 some host failed (or the scan could not\n"
		 "run), 2 usage error. Progress goes to stderr when it is a terminal. A scan that\n"
		 "committed but could not update the work tree (disk full) exits 0 with a\n"
		 "warning: run 'gitcmdb status' once the cause is fixed.\n",
	.options = scan_options,
	.opts_size = sizeof(scan_args),
	.init = defaults,
	.check = check_scan,
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_scan,
};
