/* gitcmdb validate: check every item of the work tree or a revision against the schemas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *rev;
} validate_opts;

static const cli_option validate_options[] = {
	CLI_OPT_STRING(validate_opts, rev, "rev", 0, "REV",
		"validate the items of commit REV (sha, branch, tag, main~2)"),
	CLI_OPT_END,
};

/* The files of one source (work tree or revision): path -> content, in path order. */
typedef struct {
	json_t *schemas; /* {path: content} of the schemas/ files */
	json_t *items; /* {path: content} of every other candidate item file */
} sources;

/* Keep repository schemas and item candidates; everything else is not validated. */
static int add_source(sources *src, const char *path, const char *data, size_t len)
{
	cmdb_path_kind kind = cmdb_path_classify(path);
	json_t *s;

	if (kind != CMDB_PATH_SCHEMA && kind != CMDB_PATH_ITEM)
		return 0;
	s = json_stringn_nocheck(data, len);
	return s
		? json_object_set_new(kind == CMDB_PATH_SCHEMA ? src->schemas : src->items, path, s)
		: -1;
}

static int wanted(const char *path)
{
	cmdb_path_kind kind = cmdb_path_classify(path);

	return kind == CMDB_PATH_SCHEMA || kind == CMDB_PATH_ITEM;
}

static int read_rev(sources *src, cmdb_repo *repo, const char *rev)
{
	json_t *paths = NULL, *p;
	size_t i;
	int error;

	if ((error = cmdb_repo_list(&paths, repo, rev, "")) < 0)
		return error;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p);
		char *data = NULL;
		size_t len = 0;

		if (!wanted(path))
			continue;
		if ((error = cmdb_repo_read(&data, &len, repo, rev, path)) < 0)
			break;
		error = add_source(src, path, data, len) < 0 ? CMDB_ERROR : 0;
		cmdb_free(data);
		if (error < 0)
			break;
	}
	json_decref(paths);
	return error;
}

/* Why add_source refused path: jansson takes only UTF-8 keys. */
static int bad_source(const char *path)
{
	json_t *name = json_string(path);

	json_decref(name);
	return name
		? cli_errorf(CMDB_ERROR, "out of memory")
		: cli_errorf(CMDB_ERROR, "%s: the file name is not UTF-8: rename the file", path);
}

/*
 * The work tree's schemas and item files (cmdb_repo_worktree_list: links are never
 * followed); a link or a file over the YAML limit is a finding. A failure is printed
 * here, naming the file and the reason.
 */
static int read_tree(sources *src, json_t *findings, cmdb_repo *repo)
{
	json_t *files = NULL, *f;
	size_t i;
	int rc = 0;

	if (cmdb_repo_worktree_list(&files, repo, "") < 0) {
		cli_fail(NULL);
		return -1;
	}
	json_array_foreach(files, i, f)
	{
		const char *path = json_string_value(json_object_get(f, "path"));
		char *data = NULL;
		size_t len = 0;

		if (!strcmp(json_string_value(json_object_get(f, "kind")), "settings"))
			continue;
		rc = cli_read_worktree(&data, &len, findings, repo, path,
			json_is_true(json_object_get(f, "link")));
		if (rc == 0 && add_source(src, path, data, len) < 0)
			rc = bad_source(path);
		cmdb_free(data);
		if (rc < 0)
			break;
		rc = 0;
	}
	json_decref(files);
	return rc;
}

static int load_schemas(cmdb_schema **out, const json_t *files)
{
	cmdb_schema *schema = NULL;
	const char *path;
	json_t *s;

	*out = NULL;
	if (cmdb_schema_load_builtin(&schema) < 0)
		return -1;
	json_object_foreach((json_t *)files, path, s)
	{
		if (cmdb_schema_add(schema, path, json_string_value(s), json_string_length(s)) < 0)
			goto fail;
	}
	if (cmdb_schema_check(schema) < 0)
		goto fail;
	*out = schema;
	return 0;
fail:
	cmdb_schema_free(schema);
	return -1;
}

static int run_validator(json_t *findings, const cmdb_schema *schema, const json_t *items)
{
	cmdb_validator *v = NULL;
	const char *path;
	json_t *s;
	int error;

	if ((error = cmdb_validator_new(&v, schema)) < 0)
		return error;
	json_object_foreach((json_t *)items, path, s)
	{
		if ((error = cmdb_validator_add(
			     v, path, json_string_value(s), json_string_length(s))) < 0)
			goto done;
	}
	error = cmdb_validator_finish(v, findings);
done:
	cmdb_validator_free(v);
	return error;
}

static int run_validate(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	sources src = {json_object(), json_object()};
	json_t *findings = json_array();
	cmdb_schema *schema = NULL;
	cmdb_repo *repo = ctx->repo;
	const char *rev = ((const validate_opts *)opts)->rev;
	int rc = CLI_FAIL;

	(void)argc, (void)argv;
	if (!src.schemas || !src.items || !findings) {
		rc = cli_errorf(CLI_FAIL, "out of memory");
		goto done;
	}
	if (rev || !cmdb_repo_workdir(repo)) {
		if (read_rev(&src, repo, rev) < 0) {
			rc = cli_fail(rev ? "check the revision with 'git log'" : NULL);
			goto done;
		}
	} else if (read_tree(&src, findings, repo) < 0) {
		goto done; /* read_tree named the file and the reason */
	}
	if (load_schemas(&schema, src.schemas) < 0) {
		rc = cli_fail("fix the repository's schemas/ file");
		goto done;
	}
	if (run_validator(findings, schema, src.items) < 0) {
		rc = cli_fail(NULL);
		goto done;
	}
	if (cli_print_findings(findings, ctx->json) != CLI_OK)
		goto done;
	fprintf(stderr, "validate: %zu items, %zu findings\n", json_object_size(src.items),
		json_array_size(findings));
	rc = json_array_size(findings) ? CLI_FAIL : CLI_OK;
done:
	json_decref(src.schemas);
	json_decref(src.items);
	json_decref(findings);
	cmdb_schema_free(schema);
	return rc;
}

const cli_command cli_cmd_validate = {
	.name = "validate",
	.summary = "check every item against its schema",
	.synopsis = "gitcmdb validate [--rev REV] [--json]",
	.about = "Check every item (<type>/<name>.yaml) against the schemas and report every\n"
		 "problem: YAML syntax, unknown type, type/name not matching the path, missing\n"
		 "or unknown fields, wrong value types, enum and pattern violations, unknown\n"
		 "relation types, relations to missing items or to disallowed types.\n"
		 "\n"
		 "What is checked: the work tree (uncommitted edits included), or main when the\n"
		 "repository is bare, or the commit REV with --rev. Not items, so skipped:\n"
		 "gitcmdb.yaml, inventory.yaml, known_hosts, file/ (captured config files),\n"
		 "schemas/, top-level dotfiles and top-level files not ending in .yaml.\n"
		 "Schemas: the built-in ones, with the repository's own schemas/*.yaml (at the\n"
		 "same revision) replacing or adding types; see docs/schemas.md.\n",
	.notes = "Text output is one finding per line, 'path:line:col: message', sorted by file,\n"
		 "line and column; a summary goes to stderr. With --json: an array of findings\n"
		 "({file, line, column, id, message}).\n"
		 "Exit 0 when clean, 1 on findings or failure, 2 on bad usage.\n",
	.options = validate_options,
	.opts_size = sizeof(validate_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_REPO,
	.run = run_validate,
};
