/* gitcmdb fmt: rewrite item files in canonical YAML (library: cmdb_yaml_parse/emit). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Growable list of work-tree-relative paths. */
typedef struct {
	char **v;
	size_t n, alloc;
} pathlist;

static int list_add(pathlist *l, const char *p)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		char **nv = realloc(l->v, na * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		l->alloc = na;
	}
	if (!(l->v[l->n] = strdup(p)))
		return -1;
	l->n++;
	return 0;
}

static void list_free(pathlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Top-level names that are never item types. */
static int skipped_top(const char *rel)
{
	size_t n = strcspn(rel, "/");

	return rel[0] == '.' || (n == 4 && strncmp(rel, "file", 4) == 0) ||
		(n == 7 && strncmp(rel, "schemas", 7) == 0);
}

/* An item path: <type>/<name...>.yaml with a valid id, outside the skipped dirs. */
static int is_item_path(const char *rel)
{
	char *id = NULL;
	int ok;

	if (!strchr(rel, '/') || skipped_top(rel))
		return 0;
	ok = cmdb_id_from_path(&id, rel) == 0;
	cmdb_free(id);
	cmdb_error_clear();
	return ok;
}

/* Collect item files below wd/rel (rel "" = the whole tree); symlinks are not followed. */
static int walk(pathlist *out, const char *wd, const char *rel)
{
	char full[4096];
	DIR *d;
	struct dirent *e;
	int err = 0;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", wd, rel) >= sizeof(full))
		return cli_errorf(-1, "%s: path too long", rel);
	if (!(d = opendir(full)))
		return cli_errorf(-1, "cannot read directory %s (%s): check permissions", full,
			strerror(errno));
	while (!err && (e = readdir(d))) {
		char sub[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
			sizeof(sub))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s%s", wd, sub) >= sizeof(full) ||
			lstat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && !(!*rel && skipped_top(sub)))
			err = walk(out, wd, sub);
		else if (S_ISREG(st.st_mode) && is_item_path(sub) && list_add(out, sub) < 0)
			err = cli_errorf(-1, "out of memory");
	}
	closedir(d);
	return err;
}

/* Read a whole regular file (capped like the YAML reader); NULL with a message on failure. */
static char *read_all(const char *path, size_t *len, mode_t *mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0) {
		cli_errorf(1, "cannot open %s (%s): check the path", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_errorf(1, "%s: not a regular file: give an item file or a directory", path);
		goto done;
	}
	if ((unsigned long long)st.st_size > CMDB_YAML_MAX_BYTES) {
		cli_errorf(1, "%s: %lld bytes is over the %u-byte YAML limit: split the item", path,
			(long long)st.st_size, CMDB_YAML_MAX_BYTES);
		goto done;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		cli_errorf(1, "%s: out of memory reading %lld bytes: the file is unchanged", path,
			(long long)st.st_size);
		goto done;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_errorf(1, "cannot read %s (%s)", path,
				n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			buf = NULL;
			goto done;
		}
		got += (size_t)n;
	}
	*len = got;
	*mode = st.st_mode & 07777;
done:
	close(fd);
	return buf;
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
static int fmt_file(const char *wd, const char *rel, int check)
{
	char full[4096];
	char *src = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	mode_t mode = 0644;
	json_t *v = NULL;
	int rc = -1;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", wd, rel) >= sizeof(full)) {
		cli_errorf(1, "%s: path too long", rel);
		goto done;
	}
	if (!(src = read_all(full, &len, &mode)))
		goto done;
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
	if (!check && write_atomic(full, out, out_len, mode) < 0)
		rc = -1;
done:
	free(src);
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
static int collect_args(pathlist *files, const char *wd, char **args, int n)
{
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
			if (walk(files, wd, rel) < 0)
				err = -1;
		} else if (!is_item_path(rel)) {
			err = cli_errorf(-1,
				"%s: not an item file (items are <type>/<name>.yaml outside "
				"file/ and schemas/): skipped",
				args[i]);
		} else if (list_add(files, rel) < 0) {
			err = cli_errorf(-1, "out of memory");
		}
	}
	return err;
}

static int run_fmt(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	pathlist files = {NULL, 0, 0};
	const char *wd = cmdb_repo_workdir(ctx->repo);
	int check = ((const fmt_opts *)opts)->check, json = ctx->json, status = CLI_OK;
	json_t *changed = json_array(), *failed = json_array();

	if (!changed || !failed) {
		status = cli_errorf(CLI_FAIL, "out of memory");
		goto done;
	}
	/* A work tree behind main would be formatted, and then committed, as a person's edit. */
	if (cmdb_repo_sync(ctx->repo, NULL) < 0) {
		status = cli_fail("nothing was formatted");
		goto done;
	}
	if (argc ? collect_args(&files, wd, argv, argc) < 0 : walk(&files, wd, "") < 0)
		status = CLI_FAIL;
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	for (size_t i = 0; i < files.n; i++) {
		int rc;

		/* A directory and a file inside it may both be named: do each once. */
		if (i > 0 && strcmp(files.v[i], files.v[i - 1]) == 0)
			continue;
		rc = fmt_file(wd, files.v[i], check);
		if (rc > 0 && !json)
			cli_printf("%s\n", files.v[i]);
		if (rc != 0 &&
			json_array_append_new(rc > 0 ? changed : failed, json_string(files.v[i])) <
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

		if (doc)
			cli_print_json(doc);
		else
			status = cli_errorf(CLI_FAIL, "out of memory");
		json_decref(doc);
	}
done:
	json_decref(changed);
	json_decref(failed);
	list_free(&files);
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
