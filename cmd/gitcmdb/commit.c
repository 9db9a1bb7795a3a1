/*
 * gitcmdb commit: validate a person's edits in the work tree and commit them as
 * written (bytes as on disk, comments kept), in one commit on main.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct {
	const char *message;
	const char *change;
	int json;
} commit_args;

static const cli_option commit_options[] = {
	CLI_OPT_STRING(
		commit_args, message, "message", 'm', "MSG", "the commit message (required)"),
	CLI_OPT_STRING(commit_args, change, "change", 0, "CHG-ID",
		"add a 'Change: CHG-ID' trailer linking the approved change\n"
		"record that authorises this edit (CHG- and at least 4 digits)"),
	CLI_OPT_END,
};

static int check_args(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	const commit_args *a = opts;

	(void)argc, (void)argv;
	if (!a->message)
		return cli_usage(ctx, "a commit needs a message: give -m MSG");
	if (a->change && !cmdb_record_id_valid(CMDB_RECORD_CHANGE, a->change))
		return cli_usage(ctx,
			"'%s' is not a change id: give CHG- and at least %d digits, e.g. CHG-0042",
			a->change, CMDB_RECORD_ID_DIGITS);
	return 0;
}

/* What commit takes (cmdb_path_classify, shared with validate): items, schemas, settings. */
static int is_managed(const char *path)
{
	cmdb_path_kind k = cmdb_path_classify(path);

	return k == CMDB_PATH_ITEM || k == CMDB_PATH_SCHEMA || k == CMDB_PATH_SETTINGS;
}

static int is_item(const char *path)
{
	return cmdb_path_classify(path) == CMDB_PATH_ITEM;
}

/* Read a work-tree file (capped by the YAML limit; the validator reports the excess); NULL
 * with errno set on failure. */
static char *read_file(const char *root, const char *path, size_t *len)
{
	char *full = malloc(strlen(root) + strlen(path) + 1), *buf = NULL;
	FILE *f;
	size_t cap = CMDB_YAML_MAX_BYTES + 1;
	int err;

	if (!full)
		return NULL;
	sprintf(full, "%s%s", root, path);
	f = fopen(full, "rb");
	free(full);
	if (!f)
		return NULL;
	if ((buf = malloc(cap + 1))) {
		*len = fread(buf, 1, cap, f);
		buf[*len] = '\0';
		if (ferror(f)) { /* errno is the failed read's */
			err = errno;
			free(buf);
			buf = NULL;
			errno = err;
		}
	}
	err = errno;
	fclose(f);
	errno = err;
	return buf;
}

/* A finding for a file that is not an item (settings, inventory, schema). */
static int add_finding(json_t *findings, const char *file, const char *message)
{
	return json_array_append_new(findings,
		json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", file, "line", 0, "column", 0, "id",
			"", "message", message));
}

/* Built-in schemas plus the work tree's schemas/NAME.yaml; a bad schema file is a finding. */
static int load_schemas(cmdb_schema **out, const char *root, json_t *findings)
{
	cmdb_schema *schema = NULL;
	char *dir = malloc(strlen(root) + sizeof("schemas"));
	struct dirent *e;
	DIR *d = NULL;

	if (!dir || cmdb_schema_load_builtin(&schema) < 0)
		goto fail;
	sprintf(dir, "%sschemas", root);
	if ((d = opendir(dir))) {
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name), len = 0;
			char path[300], *buf;

			if (n < 6 || e->d_name[0] == '.' ||
				strcmp(e->d_name + n - 5, ".yaml") != 0 || n > 250)
				continue;
			snprintf(path, sizeof(path), "schemas/%s", e->d_name);
			if (!(buf = read_file(root, path, &len))) {
				char why[300];

				snprintf(why, sizeof(why),
					"cannot read it (%s): check its permissions",
					strerror(errno));
				if (add_finding(findings, path, why) < 0)
					goto fail;
				continue;
			}
			if (cmdb_schema_add(schema, path, buf, len) < 0 &&
				add_finding(findings, path, cmdb_error_last()) < 0) {
				free(buf);
				goto fail;
			}
			free(buf);
		}
		closedir(d);
		d = NULL;
	}
	if (cmdb_schema_check(schema) < 0 &&
		add_finding(findings, "schemas/", cmdb_error_last()) < 0)
		goto fail;
	free(dir);
	*out = schema;
	return 0;
fail:
	if (d)
		closedir(d);
	free(dir);
	cmdb_schema_free(schema);
	return -1;
}

/* 1 when path is in the changes array. */
static int is_changed(const json_t *changes, const char *path)
{
	size_t i;
	json_t *c;

	json_array_foreach(changes, i,
		c) if (strcmp(json_string_value(json_object_get(c, "path")), path) == 0) return 1;
	return 0;
}

/* Every item at main not being changed is a known relation target. */
static int add_known_items(cmdb_validator *v, cmdb_repo *repo, const json_t *changes)
{
	json_t *paths = NULL, *p;
	size_t i;
	int rc = 0;

	if (cmdb_repo_list(&paths, repo, NULL, "") < 0)
		return -1;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p), *slash = strchr(path, '/');
		size_t len = strlen(path);
		char *id, *type;

		if (!is_item(path) || !slash || len < 6 || strcmp(path + len - 5, ".yaml") != 0 ||
			is_changed(changes, path))
			continue;
		id = strndup(path, strlen(path) - 5); /* the id is the path without ".yaml" */
		type = strndup(path, (size_t)(slash - path));
		rc = id && type && cmdb_validator_add_known(v, id, type) == 0 ? 0 : -1;
		free(id);
		free(type);
		if (rc < 0)
			break;
	}
	json_decref(paths);
	return rc;
}

/* Check every changed file that still exists; findings collect in findings. */
static int validate(json_t *findings, cmdb_repo *repo, const json_t *changes)
{
	const char *root = cmdb_repo_workdir(repo);
	cmdb_schema *schema = NULL;
	cmdb_validator *v = NULL;
	size_t i;
	json_t *c;
	int rc = -1;

	if (load_schemas(&schema, root, findings) < 0 || cmdb_validator_new(&v, schema) < 0 ||
		add_known_items(v, repo, changes) < 0)
		goto done;
	json_array_foreach(changes, i, c)
	{
		const char *path = json_string_value(json_object_get(c, "path"));
		char *buf = NULL;
		size_t len = 0;
		json_t *doc = NULL;
		int bad = 0;

		if (strcmp(json_string_value(json_object_get(c, "status")), "deleted") == 0 ||
			!is_managed(path) || cmdb_path_classify(path) == CMDB_PATH_SCHEMA ||
			strcmp(path, "known_hosts") == 0)
			continue;
		if (!(buf = read_file(root, path, &len))) {
			rc = cli_errorf(-2,
				"cannot read %s (%s): nothing was committed; check its "
				"permissions",
				path, strerror(errno));
			goto done;
		}
		if (!is_item(path)) {
			/* Settings and inventory: YAML that parses (their own commands check the
			 * rest). */
			if (cmdb_yaml_parse(&doc, buf, len, path) < 0)
				bad = add_finding(findings, path, cmdb_error_last()) < 0;
			json_decref(doc);
		} else {
			bad = cmdb_validator_add(v, path, buf, len) < 0;
		}
		free(buf);
		if (bad)
			goto done;
	}
	rc = cmdb_validator_finish(v, findings) < 0 ? -1 : 0;
done:
	if (rc == -1) /* -2: reported above */
		cli_fail(NULL);
	cmdb_validator_free(v);
	cmdb_schema_free(schema);
	return rc;
}

static void print_findings(const json_t *findings, int json)
{
	size_t i;
	json_t *f;

	if (json) {
		cli_print_json(findings);
		return;
	}
	json_array_foreach(findings, i, f)
	{
		const char *file = json_string_value(json_object_get(f, "file"));
		json_int_t line = json_integer_value(json_object_get(f, "line"));
		json_int_t col = json_integer_value(json_object_get(f, "column"));
		const char *msg = json_string_value(json_object_get(f, "message"));

		if (line > 0)
			cli_printf(
				"%s:%lld:%lld: %s\n", file, (long long)line, (long long)col, msg);
		else
			cli_printf("%s: %s\n", file, msg);
	}
}

/* The managed changes as a changeset of the bytes on disk; the rest are reported and left. */
static int build_changeset(
	cmdb_changeset **out, json_t *files, cmdb_repo *repo, const json_t *changes)
{
	cmdb_changeset *cs = NULL;
	size_t i;
	json_t *c;

	if (cmdb_changeset_new(&cs) < 0)
		goto fail;
	json_array_foreach(changes, i, c)
	{
		const char *path = json_string_value(json_object_get(c, "path"));
		const char *status = json_string_value(json_object_get(c, "status"));
		char *buf;
		size_t len = 0;
		int rc;

		if (!is_managed(path)) {
			cli_errorf(0, "not committed (gitcmdb does not manage it): %s", path);
			continue;
		}
		if (strcmp(status, "deleted") == 0) {
			rc = cmdb_changeset_delete(cs, path);
		} else {
			if (!(buf = read_file(cmdb_repo_workdir(repo), path, &len))) {
				cli_errorf(0,
					"cannot read %s (%s): nothing was committed; check its "
					"permissions",
					path, strerror(errno));
				goto fail;
			}
			rc = cmdb_changeset_put_file(cs, path, buf, len);
			free(buf);
		}
		if (rc < 0 || json_array_append(files, c) < 0) {
			cli_fail("rename the file to a valid item path");
			goto fail;
		}
	}
	*out = cs;
	return 0;
fail:
	cmdb_changeset_free(cs);
	return -1;
}

/* main moved, but the work tree could not follow: say so, and what finishes it. */
static void warn_sync(cmdb_repo *repo)
{
	const char *why = cmdb_repo_sync_error(repo);

	if (why)
		cli_errorf(0,
			"warning: main has moved, but the work tree and git index could not be "
			"updated: %s; fix that, then run 'gitcmdb status' to finish the update "
			"(before using plain git here)",
			why);
}

static int do_commit(
	cmdb_repo *repo, cmdb_changeset *cs, json_t *files, const commit_args *a, const char *base)
{
	cmdb_commit_opts o = CMDB_COMMIT_OPTS_INIT;
	char trailer[64], oid[41], *name = NULL, *email = NULL;
	const char *trailers[2] = {NULL, NULL};
	int changed = 0, rc;

	if (a->change) {
		snprintf(trailer, sizeof(trailer), "Change: %s", a->change);
		trailers[0] = trailer;
	}
	if (cmdb_repo_user(&name, &email, repo) < 0)
		cmdb_error_clear();
	o.message = a->message;
	o.trailers = trailers;
	o.author_name = name ? name : "gitcmdb user";
	o.author_email = email ? email : "gitcmdb@localhost";
	/* Someone else's commit of one of these files since we read them is refused, not lost. */
	o.base = *base ? base : NULL;
	rc = cmdb_store_commit(oid, &changed, repo, cs, &o);
	cmdb_free(name);
	cmdb_free(email);
	if (rc < 0)
		return cli_fail(rc == CMDB_ELOCKED ? "try again when it has finished" : NULL);
	if (a->json) {
		json_t *r = json_pack(
			"{s:s, s:b, s:O}", "commit", oid, "changed", changed, "files", files);

		cli_print_json(r);
		json_decref(r);
	} else if (changed) {
		cli_printf("committed %.12s: %zu file(s)\n", oid, json_array_size(files));
	} else {
		fprintf(stderr, "gitcmdb: nothing to commit: main already has these bytes\n");
	}
	warn_sync(repo);
	return CLI_OK;
}

static int run_commit(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	commit_args a = *(const commit_args *)opts;
	cmdb_repo *repo = ctx->repo;
	cmdb_changeset *cs = NULL;
	json_t *changes = NULL, *findings = json_array(), *files = json_array();
	char base[41] = "";
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	a.json = ctx->json;
	if (!findings || !files) {
		cli_errorf(0, "out of memory");
		goto done;
	}
	/* Finishes a work-tree update a killed writer left behind before anything is compared. */
	if (cmdb_repo_worktree_changes(&changes, base, repo) < 0) {
		cli_fail("nothing was committed");
		goto done;
	}
	if (validate(findings, repo, changes) < 0)
		goto done;
	if (json_array_size(findings)) {
		print_findings(findings, a.json);
		fprintf(stderr,
			"gitcmdb: %zu finding(s): nothing was committed; fix them and run "
			"'gitcmdb commit' again\n",
			json_array_size(findings));
		goto done;
	}
	if (build_changeset(&cs, files, repo, changes) < 0)
		goto done;
	if (cmdb_changeset_count(cs) == 0) {
		if (a.json)
			puts("{\"commit\": null, \"changed\": false, \"files\": []}");
		fprintf(stderr, "gitcmdb: nothing to commit: the work tree matches main\n");
		rc = CLI_OK;
		goto done;
	}
	rc = do_commit(repo, cs, files, &a, base);
done:
	cmdb_changeset_free(cs);
	json_decref(changes);
	json_decref(findings);
	json_decref(files);
	return rc;
}

const cli_command cli_cmd_commit = {
	.name = "commit",
	.summary = "validate and commit edited item files",
	.synopsis = "gitcmdb commit -m MSG [--change CHG-ID] [--json]",
	.about = "Commit the work tree's added, changed and deleted files to main, exactly as\n"
		 "written, after validating them. Committed: items (<type>/<name>.yaml; any other\n"
		 "file under a type directory is validated, and reported, as a bad item path),\n"
		 "schemas/*.yaml, gitcmdb.yaml, inventory.yaml and known_hosts. Left alone\n"
		 "(reported): file/ (captured by scans), dotfiles and other top-level files.\n"
		 "\n"
		 "Changed items are checked against the schemas (the built-in ones plus the work\n"
		 "tree's schemas/), with every other item of main known as a relation target.\n"
		 "Any finding means nothing is committed.\n",
	.notes = "With --json: {\"commit\", \"changed\", \"files\"}, or the findings.\n"
		 "Author: $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, else git config "
		 "user.name/user.email,\n"
		 "else 'gitcmdb user <gitcmdb@localhost>'.\n"
		 "Nothing to commit is not an error: a message on stderr, exit 0.\n"
		 "Exit 0 committed or nothing to do, 1 findings or failure (nothing committed),\n"
		 "2 bad usage.\n",
	.options = commit_options,
	.opts_size = sizeof(commit_args),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.check = check_args,
	.run = run_commit,
};
