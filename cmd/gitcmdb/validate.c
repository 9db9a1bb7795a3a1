/* gitcmdb validate: check every item of the work tree or a revision against the schemas. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Read a regular file, at most cap + 1 bytes (the YAML reader reports the excess); NULL
 * with errno set on failure. */
static char *read_capped(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = CMDB_YAML_MAX_BYTES + 1, n = 0, alloc = 0;
	char *buf = NULL;
	int err;

	if (!f)
		return NULL;
	for (;;) {
		if (alloc - n < 65536) {
			char *grown = realloc(buf, alloc + 65536 + 1);

			if (!grown) {
				errno = ENOMEM;
				goto fail;
			}
			buf = grown;
			alloc += 65536;
		}
		size_t got = fread(buf + n, 1, alloc - n < cap - n ? alloc - n : cap - n, f);

		n += got;
		if (got == 0 || n >= cap)
			break;
	}
	if (ferror(f)) /* errno is the failed read's */
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	fclose(f);
	errno = err;
	return NULL;
}

/* a + "/" + b (or just b when a is empty), malloc'd; NULL on failure. */
static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s%s", a, a[0] ? "/" : "", b);
	return s;
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
 * Walk the work tree below rel (relative to root); symlinks and specials are not followed.
 * A failure is printed here, naming the file and the reason.
 */
static int read_tree(sources *src, const char *root, const char *rel)
{
	char *dirpath = rel[0] ? join(root, rel) : strdup(root);
	DIR *d = NULL;
	struct dirent *e;
	int error = 0;

	if (!dirpath)
		return cli_errorf(CMDB_ERROR, "out of memory");
	if (!(d = opendir(dirpath))) {
		cli_errorf(0, "cannot read directory %s (%s): check its permissions",
			rel[0] ? rel : dirpath, strerror(errno));
		free(dirpath);
		return CMDB_ERROR;
	}
	while (!error && (e = readdir(d))) {
		char *child = NULL, *full = NULL, *data;
		struct stat st;
		size_t len = 0;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			(!rel[0] && strcmp(e->d_name, ".git") == 0))
			continue;
		if (!(child = join(rel, e->d_name)) || !(full = join(root, child))) {
			free(child);
			error = cli_errorf(CMDB_ERROR, "out of memory");
			break;
		}
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			/* Top-level dotdirs and file/ hold no items; anything else is walked. */
			if (rel[0] || (e->d_name[0] != '.' && strcmp(e->d_name, "file") != 0))
				error = read_tree(src, root, child);
		} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode) && wanted(child)) {
			if (!(data = read_capped(full, &len)))
				error = cli_errorf(CMDB_ERROR,
					"cannot read %s (%s): check its permissions", child,
					strerror(errno));
			else if (add_source(src, child, data, len) < 0)
				error = bad_source(child);
			free(data);
		}
		free(child);
		free(full);
	}
	closedir(d);
	free(dirpath);
	return error;
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

static void print_text(const json_t *findings)
{
	size_t i;
	json_t *f;

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
	} else if (read_tree(&src, cmdb_repo_workdir(repo), "") < 0) {
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
	if (ctx->json)
		cli_print_json(findings);
	else
		print_text(findings);
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
