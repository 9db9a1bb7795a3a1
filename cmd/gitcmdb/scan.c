/* gitcmdb scan: discover the inventory's hosts over SSH and commit what changed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gitcmdb/scan.h>

#include "cli.h"

const char usage_scan[] =
	"usage: gitcmdb scan [--inventory FILE] [--limit HOSTS] [--jobs N] [--timeout S]\n"
	"                    [--known-hosts FILE] [--dry-run] [--prune] [--json]\n"
	"\n"
	"Run the collectors on every inventory host over SSH (one exec per host, N hosts\n"
	"in flight), merge what they report with the CMDB and record it as one commit on\n"
	"main. The inventory, settings (gitcmdb.yaml) and trusted host keys (known_hosts)\n"
	"are read from main, so commit your edits to them first (or pass --inventory).\n"
	"\n"
	"The scanner owns each item's attributes and the relations it discovered;\n"
	"annotations and relations you added by hand are kept. A host that fails keeps\n"
	"its files untouched; the failure is recorded in the scan commit.\n"
	"\n"
	"options:\n"
	"  --inventory FILE   scan the hosts of FILE instead of main's inventory.yaml\n"
	"  --limit HOSTS      only these hosts: comma-separated globs or @group\n"
	"  --jobs N           hosts in flight (default 32)\n"
	"  --timeout S        per-host deadline for the collectors, seconds (default 120)\n"
	"  --known-hosts FILE check host keys against FILE instead of main's known_hosts\n"
	"  --dry-run          show what would change; commit nothing\n"
	"  --prune            remove the items of hosts no longer in the inventory\n"
	"  --json             print a machine-readable report on stdout\n"
	"\n"
	"exit status: 0 every host scanned, 1 some host failed (or the scan could not\n"
	"run), 2 usage error. Progress goes to stderr when it is a terminal. A scan that\n"
	"committed but could not update the work tree (disk full) exits 0 with a\n"
	"warning: run 'gitcmdb status' once the cause is fixed.\n";

static void progress(const cmdb_scan_progress *p, void *payload)
{
	(void)payload;
	fprintf(stderr, "\rscan: %zu/%zu hosts done, %zu failed, %.1f s", p->done, p->total,
		p->failed, p->elapsed);
	if (p->done == p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int parse_int(int *out, const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
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
	size_t i, j;

	fputs(json_string_value(json_object_get(report, "message")), stdout);
	json_array_foreach(hosts, i, h) json_array_foreach(json_object_get(h, "warnings"), j, w)
		fprintf(stderr, "gitcmdb: warning: host/%s: %s\n",
			json_string_value(json_object_get(h, "name")), json_string_value(w));
	if (json_is_true(json_object_get(report, "dry_run")))
		puts("\ndry run: nothing committed");
	else if (commit)
		printf("\ncommitted %s\n", commit);
	else
		puts("\nnothing changed; no commit (record_unchanged_scans: false)");
}

static int parse_args(cmdb_scan_opts *o, int *json, int argc, char **argv)
{
	static const struct option longopts[] = {{"inventory", required_argument, NULL, 'i'},
		{"limit", required_argument, NULL, 'l'}, {"jobs", required_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"known-hosts", required_argument, NULL, 'k'}, {"dry-run", no_argument, NULL, 'n'},
		{"prune", no_argument, NULL, 'p'}, {"json", no_argument, NULL, 'J'},
		{NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:l:j:t:k:n", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->inventory = optarg; break;
		case 'l': o->limit = optarg; break;
		case 'k': o->known_hosts = optarg; break;
		case 'n': o->dry_run = 1; break;
		case 'p': o->prune = 1; break;
		case 'J': *json = 1; break;
		case 'j':
			if (parse_int(&o->jobs, optarg, 1, 1024) < 0)
				return cli_usage("scan",
					"--jobs wants a number from 1 to 1024, not '%s'", optarg);
			break;
		case 't':
			if (parse_int(&o->timeout_s, optarg, 1, 86400) < 0)
				return cli_usage("scan",
					"--timeout wants seconds from 1 to 86400, not '%s'",
					optarg);
			break;
		case ':': return cli_usage("scan", "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage("scan", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("scan", "unexpected argument '%s'", argv[optind]);
	if (o->limit && !*o->limit)
		return cli_usage("scan", "--limit wants host names, globs or @group");
	return CLI_OK;
}

int cmd_scan(int argc, char **argv, cli_ctx *ctx)
{
	cmdb_scan_opts o = CMDB_SCAN_OPTS_INIT;
	cmdb_repo *repo = NULL;
	json_t *report = NULL;
	int json = 0, rc;

	if ((rc = parse_args(&o, &json, argc, argv)) != CLI_OK)
		return rc;
	if (isatty(STDERR_FILENO))
		o.progress = progress;
	if (!(repo = cli_open_repo(ctx)))
		return CLI_FAIL;
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
			fprintf(stderr, "gitcmdb: warning: %s\n", json_string_value(w));
	}
	{
		const json_t *counts = json_object_get(report, "counts");

		rc = json_integer_value(json_object_get(counts, "unreachable")) +
				json_integer_value(json_object_get(counts, "failed"))
			? CLI_FAIL
			: CLI_OK;
	}
done:
	json_decref(report);
	cmdb_repo_free(repo);
	return rc;
}
