/*
 * gitcmdb commit: validate a person's edits in the work tree and commit them as
 * written (bytes as on disk, comments kept), in one commit on main.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *message;
	const char *change;
	int json;
	int push;
} commit_args;

static const cli_option commit_options[] = {
	CLI_OPT_STRING(
		commit_args, message, "message", 'm', "MSG", "the commit message (required)"),
	CLI_OPT_STRING(commit_args, change, "change", 0, "CHG-ID",
		"add a 'Change: CHG-ID' trailer linking the approved change\n"
		"record that authorises this edit; it must be approved or\n"
		"implemented on main (refused otherwise, nothing committed)"),
	CLI_OPT_FLAG(commit_args, push, "push", 0,
		"push main to the default remote afterwards (gitcmdb push)"),
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

static const char *field(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * What the commit will validate and record: every managed file the person added or
 * changed, read once ({path: bytes}), so the bytes checked are the bytes committed.
 * Links among the work tree's managed paths (files) are findings, never read.
 */
static int read_changes(json_t *contents, json_t *findings, cmdb_repo *repo, const json_t *changes,
	const json_t *files)
{
	const json_t *c;
	size_t i;
	int rc = 0;

	json_array_foreach(files, i, c)
	{
		if (json_is_true(json_object_get(c, "link")) &&
			cli_read_worktree(NULL, NULL, findings, repo, field(c, "path"), 1) < 0)
			return -1;
	}
	json_array_foreach(changes, i, c)
	{
		const char *path = field(c, "path");
		char *data = NULL;
		size_t len = 0;

		if (!strcmp(field(c, "status"), "deleted") || !cmdb_path_managed(path))
			continue;
		if ((rc = cli_read_worktree(&data, &len, findings, repo, path, 0)) == 0 &&
			json_object_set_new(contents, path, json_stringn_nocheck(data, len)) < 0)
			rc = cli_errorf(-1, "out of memory");
		cmdb_free(data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Built-in schemas plus the work tree's schemas/NAME.yaml; a bad schema file is a finding. */
static int load_schemas(cmdb_schema **out, cmdb_repo *repo, const json_t *files, json_t *findings)
{
	cmdb_schema *schema = NULL;
	const json_t *f;
	size_t i;
	int rc = 0;

	if (cmdb_schema_load_builtin(&schema) < 0)
		return cli_fail(NULL), -1;
	json_array_foreach(files, i, f)
	{
		const char *path = field(f, "path");
		char *buf = NULL;
		size_t len = 0;

		if (strcmp(field(f, "kind"), "schema") || json_is_true(json_object_get(f, "link")))
			continue; /* a linked schema is already a finding */
		if ((rc = cli_read_worktree(&buf, &len, findings, repo, path, 0)) == 0 &&
			cmdb_schema_add(schema, path, buf, len) < 0)
			rc = cli_add_finding(findings, path, cmdb_error_last()) == CLI_OK ? 0 : -1;
		cmdb_free(buf);
		if (rc < 0)
			break;
	}
	if (rc >= 0 && cmdb_schema_check(schema) < 0 &&
		cli_add_finding(findings, "schemas/", cmdb_error_last()) != CLI_OK)
		rc = -1;
	if (rc < 0) {
		cmdb_schema_free(schema);
		return -1;
	}
	*out = schema;
	return 0;
}

/* Every item at main not being changed is a known relation target. */
static int add_known_items(cmdb_validator *v, cmdb_repo *repo, const json_t *changes)
{
	json_t *paths = NULL, *p, *c;
	size_t i, j;
	int rc = 0;

	if (cmdb_repo_list(&paths, repo, NULL, "") < 0)
		return -1;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p), *slash = strchr(path, '/');
		size_t len = strlen(path);
		char *id, *type;
		int changed = 0;

		json_array_foreach(changes, j, c) changed |= !strcmp(field(c, "path"), path);
		if (changed || cmdb_path_classify(path) != CMDB_PATH_ITEM || !slash || len < 6 ||
			strcmp(path + len - 5, ".yaml") != 0)
			continue;
		id = strndup(path, len - 5); /* the id is the path without ".yaml" */
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

/* Check what is committed (contents); findings collect in findings. */
static int validate(json_t *findings, cmdb_repo *repo, const json_t *changes, const json_t *files,
	json_t *contents)
{
	cmdb_schema *schema = NULL;
	cmdb_validator *v = NULL;
	const char *path;
	json_t *data;
	int rc = -1;

	if (load_schemas(&schema, repo, files, findings) < 0)
		return -1;
	if (cmdb_validator_new(&v, schema) < 0 || add_known_items(v, repo, changes) < 0)
		goto fail;
	json_object_foreach(contents, path, data)
	{
		cmdb_path_kind k = cmdb_path_classify(path);
		json_t *doc = NULL;

		if (k == CMDB_PATH_ITEM) {
			if (cmdb_validator_add(
				    v, path, json_string_value(data), json_string_length(data)) < 0)
				goto fail;
		} else if (k == CMDB_PATH_SETTINGS && strcmp(path, "known_hosts") != 0) {
			/* settings and inventory: YAML that parses (their own commands check the
			 * rest) */
			if (cmdb_yaml_parse(&doc, json_string_value(data), json_string_length(data),
				    path) < 0 &&
				cli_add_finding(findings, path, cmdb_error_last()) != CLI_OK)
				goto done;
			json_decref(doc);
		}
	}
	if (cmdb_validator_finish(v, findings) < 0)
		goto fail;
	rc = 0;
	goto done;
fail:
	cli_fail(NULL);
done:
	cmdb_validator_free(v);
	cmdb_schema_free(schema);
	return rc;
}

/* The managed changes as a changeset of the bytes read; the rest are reported and left. */
static int build_changeset(
	cmdb_changeset **out, json_t *files, const json_t *changes, const json_t *contents)
{
	cmdb_changeset *cs = NULL;
	size_t i;
	json_t *c, *data;

	if (cmdb_changeset_new(&cs) < 0)
		goto fail;
	json_array_foreach(changes, i, c)
	{
		const char *path = field(c, "path");
		int rc;

		if (!cmdb_path_managed(path)) {
			cli_errorf(0, "not committed (gitcmdb does not manage it): %s", path);
			continue;
		}
		if (!strcmp(field(c, "status"), "deleted"))
			rc = cmdb_changeset_delete(cs, path);
		else if ((data = json_object_get(contents, path)))
			rc = cmdb_changeset_put_file(
				cs, path, json_string_value(data), json_string_length(data));
		else
			continue; /* not read: a finding said why (nothing is committed then) */
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
	json_t *changes = NULL, *tree = NULL, *contents = json_object();
	json_t *findings = json_array(), *files = json_array();
	char base[41] = "";
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	a.json = ctx->json;
	if (!findings || !files || !contents) {
		cli_errorf(0, "out of memory");
		goto done;
	}
	/* The trailer must name a change on main that may authorise a commit. */
	if (a.change && cmdb_change_check_usable(repo, a.change) < 0) {
		cli_fail("nothing was committed");
		goto done;
	}
	/* Finishes a work-tree update a killed writer left behind before anything is compared. */
	if (cmdb_repo_worktree_changes(&changes, base, repo) < 0) {
		cli_fail("nothing was committed");
		goto done;
	}
	if (cmdb_repo_worktree_list(&tree, repo, "") < 0) {
		cli_fail("nothing was committed");
		goto done;
	}
	if (read_changes(contents, findings, repo, changes, tree) < 0 ||
		validate(findings, repo, changes, tree, contents) < 0)
		goto done;
	if (json_array_size(findings)) {
		cli_print_findings(findings, a.json);
		fprintf(stderr,
			"gitcmdb: %zu finding(s): nothing was committed; fix them and run "
			"'gitcmdb commit' again\n",
			json_array_size(findings));
		goto done;
	}
	if (build_changeset(&cs, files, changes, contents) < 0)
		goto done;
	if (cmdb_changeset_count(cs) == 0) {
		if (a.json)
			puts("{\"commit\": null, \"changed\": false, \"files\": []}");
		fprintf(stderr, "gitcmdb: nothing to commit: the work tree matches main\n");
		rc = CLI_OK;
		goto done;
	}
	rc = do_commit(repo, cs, files, &a, base);
	if (rc == CLI_OK)
		rc = cli_after_commit(ctx, a.push, 0);
done:
	cmdb_changeset_free(cs);
	json_decref(changes);
	json_decref(tree);
	json_decref(contents);
	json_decref(findings);
	json_decref(files);
	return rc;
}

const cli_command cli_cmd_commit = {
	.name = "commit",
	.summary = "validate and commit edited item files",
	.synopsis = "gitcmdb commit -m MSG [--change CHG-ID] [--push] [--json]",
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
