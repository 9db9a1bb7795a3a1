/*
 * The work tree's managed files as `validate`, `fmt` and `commit` see them: one
 * walk with one set of skip rules (cmdb_path_classify decides what a path is, and
 * a directory is entered only when a file below it could be managed), and one
 * link-safe reader. Nothing here follows a symbolic link: directories are opened
 * with O_NOFOLLOW relative to their parent's descriptor, and a link where a managed
 * file would be is listed as a link, never read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitcmdb/id.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "store/repo_internal.h"
#include "store/wtpath.h"

typedef struct {
	const char *root;
	json_t *files; /* [{path, kind, link?}] in walk order */
} listing;

/* Could a file below directory dir be managed? (".git", "file", "schemas/sub": no.) */
static int may_hold_managed(const char *dir)
{
	char *probe = cmdb__sprintf("%s/x.yaml", dir);
	int may = probe && cmdb_path_managed(probe);

	free(probe);
	return may;
}

static int add(listing *l, const char *path, int link)
{
	static const char *const kinds[] = {"item", "schema", "settings"};
	json_t *p = json_string(path), *e;

	if (!p) /* jansson takes UTF-8 only */
		return cmdb__error(CMDB_EINVALID,
			"%s%s: the file name is not UTF-8: rename the file", l->root, path);
	e = json_pack("{s:o, s:s}", "path", p, "kind", kinds[cmdb_path_classify(path)]);
	if (!e || (link && json_object_set_new(e, "link", json_true()) < 0) ||
		json_array_append_new(l->files, e) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int walk(listing *l, int dfd, const char *rel);

/* One directory entry of rel (open on dfd). */
static int visit(listing *l, int dfd, const char *rel, const char *name)
{
	char *child = *rel ? cmdb__sprintf("%s/%s", rel, name) : cmdb__strdup(name);
	struct stat st;
	int rc = 0, fd;

	if (!child)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) /* gone meanwhile: as if never there */
			rc = cmdb__error(CMDB_ERROR, "cannot read %s%s: %s", l->root, child,
				strerror(errno));
	} else if (S_ISDIR(st.st_mode) && may_hold_managed(child)) {
		if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			rc = cmdb__error(CMDB_ERROR, "cannot read directory %s%s: %s", l->root,
				child, strerror(errno));
		else
			rc = walk(l, fd, child); /* closes fd */
	} else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && cmdb_path_managed(child)) {
		rc = add(l, child, S_ISLNK(st.st_mode));
	}
	free(child);
	return rc;
}

/* Walk the directory open on dfd (rel below the root; "" = the root); closes dfd. */
static int walk(listing *l, int dfd, const char *rel)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		rc = cmdb__error(CMDB_ERROR, "cannot read directory %s%s: %s", l->root, rel,
			strerror(errno));
		close(dfd);
		return rc;
	}
	errno = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = visit(l, dirfd(d), rel, e->d_name);
		errno = 0;
	}
	if (rc == 0 && errno)
		rc = cmdb__error(CMDB_ERROR, "cannot read directory %s%s: %s", l->root, rel,
			strerror(errno));
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "path")),
		json_string_value(json_object_get(*(json_t *const *)b, "path")));
}

/* l->files sorted by path into *out. */
static int sorted(json_t **out, listing *l)
{
	size_t n = json_array_size(l->files), i;
	json_t **v = cmdb__calloc(n ? n : 1, sizeof(*v)), *arr = json_array(), *e;
	int rc = 0;

	if (!v || !arr) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach(l->files, i, e) v[i] = e;
	qsort(v, n, sizeof(*v), by_path);
	for (i = 0; i < n && rc == 0; i++)
		if (json_array_append(arr, v[i]) < 0)
			rc = cmdb__error(CMDB_ERROR, "out of memory");
	if (rc == 0) {
		*out = arr;
		arr = NULL;
	}
done:
	free(v);
	json_decref(arr);
	return rc;
}

/* Open the directory under (relative to root) without following a link on the way. */
static int open_under(const char *root, const char *under)
{
	char *rel;
	const char *name;
	int fd;

	if (!*under) {
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd >= 0 ? fd
			       : cmdb__error(CMDB_ERROR, "cannot open the work tree %s: %s", root,
					 strerror(errno));
	}
	if (cmdb_path_validate(under) < 0)
		return cmdb__error(CMDB_EINVALID,
			"'%s': give a directory of the work tree, "
			"relative to its root, without '..'",
			under);
	if (!(rel = cmdb__sprintf("%s/.", under)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	fd = cmdb__wtpath_open_parent(&name, root, rel, 0);
	free(rel);
	return fd;
}

int cmdb_repo_worktree_list(json_t **out, cmdb_repo *repo, const char *under)
{
	listing l = {repo->workdir, NULL};
	int fd, rc;

	*out = NULL;
	if (!repo->workdir)
		return cmdb__error(CMDB_EINVALID, "%s is bare: it has no work tree", repo->gitdir);
	if (!(l.files = json_array()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((fd = open_under(repo->workdir, under ? under : "")) < 0)
		rc = fd;
	else if ((rc = walk(&l, fd, under ? under : "")) == 0)
		rc = sorted(out, &l);
	json_decref(l.files);
	return rc;
}

int cmdb_repo_worktree_read(char **out, size_t *len, cmdb_repo *repo, const char *path, size_t cap)
{
	const char *name;
	char *shown = NULL;
	int dfd, rc;

	*out = NULL;
	if (!repo->workdir)
		return cmdb__error(CMDB_EINVALID, "%s is bare: it has no work tree", repo->gitdir);
	if ((dfd = cmdb__wtpath_open_parent(&name, repo->workdir, path, 0)) < 0)
		return dfd;
	if (!(shown = cmdb__sprintf("%s%s", repo->workdir, path)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	else
		rc = cmdb__file_read_at(out, len, dfd, name, shown, cap, CMDB__FILE_NOFOLLOW);
	free(shown);
	close(dfd);
	return rc;
}
