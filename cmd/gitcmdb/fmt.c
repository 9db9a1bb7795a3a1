/* gitcmdb fmt: rewrite item files in canonical YAML (library: cmdb_yaml_parse/emit). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct {
	int check;
} fmt_opts;

static const cli_option fmt_options[] = {
	CLI_OPT_FLAG(fmt_opts, check, "check", 0,
		"change nothing: list the files that are not canonical and exit 1\n"
		"if there is any"),
	CLI_OPT_END,
};

/* The work-tree paths to format (sorted, each once) and the links found among them. */
typedef struct {
	json_t *files; /* [paths] */
	json_t *links; /* [paths]: never read, never rewritten */
} targets;

static int add_path(json_t *list, const char *path)
{
	if (json_array_append_new(list, json_string(path)) < 0)
		return cli_errorf(-1, "out of memory");
	return 0;
}

/* An item path: <type>/<name...>.yaml with a valid id (cmdb_path_classify says the rest). */
static int is_item_path(const char *rel)
{
	char *id = NULL;
	int ok;

	if (cmdb_path_classify(rel) != CMDB_PATH_ITEM || !strchr(rel, '/'))
		return 0;
	ok = cmdb_id_from_path(&id, rel) == 0;
	cmdb_free(id);
	cmdb_error_clear();
	return ok;
}

/* The item files at or below directory rel ("" = the whole tree), from the library's walk. */
static int add_tree(targets *t, cmdb_repo *repo, const char *rel)
{
	json_t *files = NULL, *f;
	size_t i;
	int rc = 0;

	if (cmdb_repo_worktree_list(&files, repo, rel) < 0)
		return cli_fail(NULL), -1;
	json_array_foreach(files, i, f)
	{
		const char *path = json_string_value(json_object_get(f, "path"));

		if (rc == 0 && is_item_path(path))
			rc = add_path(
				json_is_true(json_object_get(f, "link")) ? t->links : t->files,
				path);
	}
	json_decref(files);
	return rc;
}

/* Replace path with data via a temporary file in the same directory and rename(2). */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	size_t off = 0;
	int fd, err = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.fmt-XXXXXX",
		    slash ? (int)(slash - path + 1) : 0, path,
		    slash ? slash + 1 : path) >= sizeof(tmp))
		return cli_errorf(-1, "%s: path too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return cli_errorf(-1,
			"cannot create a temporary file next to %s (%s): check permissions", path,
			strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto done;
		off += (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto done;
	if (close(fd) != 0) {
		fd = -1;
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto done;
	err = 0;
done:
	if (err) {
		cli_errorf(
			-1, "cannot write %s (%s): the file is unchanged", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	return err;
}

/* Format one file; 0 unchanged, 1 changed (or would change), -1 failed. */
static int fmt_file(cmdb_repo *repo, const char *rel, int check)
{
	const char *wd = cmdb_repo_workdir(repo);
	char full[4096], *src = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	struct stat st;
	json_t *v = NULL;
	int rc = -1;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", wd, rel) >= sizeof(full)) {
		cli_errorf(1, "%s: path too long", rel);
		goto done;
	}
	if (cmdb_repo_worktree_read(&src, &len, repo, rel, CMDB_YAML_MAX_BYTES) < 0 ||
		lstat(full, &st) < 0) {
		cli_fail("the file is unchanged");
		goto done;
	}
	if (cmdb_yaml_parse(&v, src, len, rel) < 0) {
		cli_errorf(1, "%s: the file is unchanged; fix it and run fmt again",
			cmdb_error_last());
		goto done;
	}
	if (cmdb_yaml_emit(&out, &out_len, v, CMDB_YAML_ITEM) < 0) {
		cli_errorf(1, "%s: %s: the file is unchanged", rel, cmdb_error_last());
		goto done;
	}
	rc = 0;
	if (out_len == len && memcmp(out, src, len) == 0)
		goto done;
	rc = 1;
	if (!check && write_atomic(full, out, out_len, st.st_mode & 07777) < 0)
		rc = -1;
done:
	cmdb_free(src);
	cmdb_free(out);
	json_decref(v);
	return rc;
}

static int has_dotdot(const char *p)
{
	for (const char *c = p; c; c = strchr(c, '/')) {
		c += *c == '/';
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return 1;
	}
	return 0;
}

/* Turn the PATH arguments into work-tree-relative item paths. */
static int collect_args(targets *t, cmdb_repo *repo, char **args, int n)
{
	const char *wd = cmdb_repo_workdir(repo);
	int err = 0;

	for (int i = 0; i < n; i++) {
		char rel[4096], full[4096];
		struct stat st;
		size_t len;

		if ((size_t)snprintf(rel, sizeof(rel), "%s", args[i]) >= sizeof(rel)) {
			err = cli_errorf(-1, "%s: path too long", args[i]);
			continue;
		}
		while ((len = strlen(rel)) > 1 && rel[len - 1] == '/')
			rel[len - 1] = '\0';
		if (rel[0] == '/' || has_dotdot(rel)) {
			err = cli_errorf(-1,
				"%s: give a path relative to the work tree root, without '..'",
				args[i]);
			continue;
		}
		if (strcmp(rel, ".") == 0)
			rel[0] = '\0';
		if ((size_t)snprintf(full, sizeof(full), "%s%s", wd, rel) >= sizeof(full) ||
			lstat(full, &st) != 0) {
			err = cli_errorf(-1,
				"%s: %s: check the path (relative to the work tree root)", args[i],
				strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (add_tree(t, repo, rel) < 0)
				err = -1;
		} else if (!is_item_path(rel)) {
			err = cli_errorf(-1,
				"%s: not an item file (items are <type>/<name>.yaml outside "
				"file/ and schemas/): skipped",
				args[i]);
		} else if (add_path(S_ISLNK(st.st_mode) ? t->links : t->files, rel) < 0) {
			err = -1;
		}
	}
	return err;
}

typedef struct {
	const char *path;
	int link;
} target;

static int by_path(const void *a, const void *b)
{
	return strcmp(((const target *)a)->path, ((const target *)b)->path);
}

/* Every target once, sorted by path (a directory and a file in it may both be named). */
static target *sorted(const targets *t, size_t *n)
{
	size_t nf = json_array_size(t->files), nl = json_array_size(t->links), k = 0;
	target *v = calloc(nf + nl + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < nf + nl; i++) {
		v[i].link = i >= nf;
		v[i].path = json_string_value(
			i < nf ? json_array_get(t->files, i) : json_array_get(t->links, i - nf));
	}
	qsort(v, nf + nl, sizeof(*v), by_path);
	for (size_t i = 0; i < nf + nl; i++)
		if (k == 0 || strcmp(v[k - 1].path, v[i].path) != 0)
			v[k++] = v[i];
	*n = k;
	return v;
}

/* Format (or check) one target; 0 unchanged, 1 changed, -1 failed (said). */
static int fmt_target(cmdb_repo *repo, const target *t, int check)
{
	if (t->link)
		return cli_errorf(-1,
			"%s: a symbolic link: not formatted (gitcmdb never follows links in the "
			"work tree)",
			t->path);
	return fmt_file(repo, t->path, check);
}

static int run_fmt(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	targets t = {json_array(), json_array()};
	target *v = NULL;
	size_t n = 0;
	int check = ((const fmt_opts *)opts)->check, json = ctx->json, status = CLI_OK;
	json_t *changed = json_array(), *failed = json_array();

	if (!changed || !failed || !t.files || !t.links) {
		status = cli_errorf(CLI_FAIL, "out of memory");
		goto done;
	}
	/* A work tree behind main would be formatted, and then committed, as a person's edit. */
	if (cmdb_repo_sync(ctx->repo, NULL) < 0) {
		status = cli_fail("nothing was formatted");
		goto done;
	}
	if (argc ? collect_args(&t, ctx->repo, argv, argc) < 0 : add_tree(&t, ctx->repo, "") < 0)
		status = CLI_FAIL;
	if (!(v = sorted(&t, &n))) {
		status = cli_errorf(CLI_FAIL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = fmt_target(ctx->repo, &v[i], check);

		if (rc > 0 && !json)
			cli_printf("%s\n", v[i].path);
		if (rc != 0 &&
			json_array_append_new(rc > 0 ? changed : failed, json_string(v[i].path)) <
				0) {
			status = cli_errorf(CLI_FAIL, "out of memory");
			goto done;
		}
		if (rc < 0 || (rc > 0 && check))
			status = CLI_FAIL;
	}
	if (json) {
		json_t *doc =
			json_pack("{sOsOsb}", "changed", changed, "failed", failed, "check", check);

		if (!doc || cli_print_json(doc) != CLI_OK)
			status = doc ? CLI_FAIL : cli_errorf(CLI_FAIL, "out of memory");
		json_decref(doc);
	}
done:
	free(v);
	json_decref(changed);
	json_decref(failed);
	json_decref(t.files);
	json_decref(t.links);
	return status;
}

const cli_command cli_cmd_fmt = {
	.name = "fmt",
	.summary = "rewrite item files in canonical form",
	.synopsis = "gitcmdb fmt [--check] [--json] [PATH...]",
	.about = "Rewrite item files (<type>/<name>.yaml in the work tree) in canonical form:\n"
		 "top-level keys in item order (type, name, source, attributes, annotations,\n"
		 "relations, then the rest sorted), every other mapping sorted by key, block\n"
		 "style, 2-space indent, and strings quoted whenever they would read back as\n"
		 "anything else (\"12\", \"no\", \"0x1F\", \"2001-12-14\", ...). Comments and "
		 "layout\n"
		 "choices are dropped: the canonical form is the file.\n"
		 "\n"
		 "Without PATH, every *.yaml below a type directory of the work tree is\n"
		 "formatted; gitcmdb.yaml, inventory.yaml, schemas/, file/ (captured config\n"
		 "files) and dot-directories are not items and are skipped. A PATH is an item\n"
		 "file or a directory, relative to the work tree root.\n",
	.notes = "Prints the work-tree path of each file it rewrote (or, with --check, would\n"
		 "rewrite); with --json {\"changed\": [paths], \"failed\": [paths], \"check\": "
		 "bool}\n"
		 "instead (errors still go to stderr). A file that does not parse is reported as\n"
		 "'gitcmdb: host/web01.yaml:3:7: <problem>' and left untouched; the other files\n"
		 "are still formatted. Files are replaced atomically (temporary file + rename)\n"
		 "and keep their mode. Running fmt twice changes nothing the second time.\n"
		 "fmt edits only the work tree: record the result with a commit.\n"
		 "Exit 0 when all went well, 1 when a file failed (or --check found one), 2 on\n"
		 "bad usage. Needs a repository with a work tree.\n",
	.options = fmt_options,
	.opts_size = sizeof(fmt_opts),
	.shared = CLI_SHARED_JSON,
	.needs = CLI_NEEDS_WORKTREE,
	.operands = "[PATH...]",
	.max_operands = -1,
	.run = run_fmt,
};
