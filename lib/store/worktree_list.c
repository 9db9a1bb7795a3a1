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
	char *path;
	int link;
} entry;

typedef struct {
	const char *root;
	entry *v;
	size_t n, alloc;
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
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		entry *g = cmdb__realloc(l->v, na * sizeof(*g));

		if (!g)
			return cmdb__error(CMDB_ERROR, "out of memory");
		l->v = g;
		l->alloc = na;
	}
	if (!(l->v[l->n].path = cmdb__strdup(path)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	l->v[l->n++].link = link;
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
	return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

/* The sorted listing as [{path, kind, link?}]; a name that is not UTF-8 is refused. */
static int to_json(json_t **out, listing *l)
{
	static const char *const kinds[] = {"item", "schema", "settings"};
	json_t *arr = json_array(), *e;

	if (!arr)
		return cmdb__error(CMDB_ERROR, "out of memory");
	qsort(l->v, l->n, sizeof(*l->v), by_path);
	for (size_t i = 0; i < l->n; i++) {
		json_t *p = json_string(l->v[i].path);

		if (!p) {
			json_decref(arr);
			return cmdb__error(CMDB_EINVALID,
				"%s%s: the file name is not UTF-8: rename the file", l->root,
				l->v[i].path);
		}
		e = json_pack(
			"{s:o, s:s}", "path", p, "kind", kinds[cmdb_path_classify(l->v[i].path)]);
		if (!e || (l->v[i].link && json_object_set_new(e, "link", json_true()) < 0) ||
			json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
	}
	*out = arr;
	return 0;
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
	listing l;
	int fd, rc;

	*out = NULL;
	if (!repo->workdir)
		return cmdb__error(CMDB_EINVALID, "%s is bare: it has no work tree", repo->gitdir);
	memset(&l, 0, sizeof(l));
	l.root = repo->workdir;
	if ((fd = open_under(repo->workdir, under ? under : "")) < 0)
		return fd;
	if ((rc = walk(&l, fd, under ? under : "")) == 0)
		rc = to_json(out, &l);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].path);
	free(l.v);
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
