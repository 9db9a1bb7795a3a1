/*
 * Objects written while re-applying commits stay in memory and reach the disk as one
 * pack holding exactly them: one file and a few flushes instead of a fsynced loose file
 * each (a scan commit at 10,000 items re-applied writes a few hundred). libgit2's own
 * mempack is not used: in libgit2 1.5 git_mempack_dump packs every commit with its whole
 * tree (10,000 unchanged blobs, delta-searched), seconds of CPU for nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <git2/sys/odb_backend.h>

#include "util/alloc.h"
#include "util/error.h"
#include "remote/remote_int.h"

typedef struct {
	git_oid oid;
	git_object_t type;
	size_t len;
	unsigned char *data;
} memobj;

struct cmdb__objpack {
	git_odb_backend parent; /* first: libgit2 hands it back */
	memobj *objs;
	size_t n, cap;
	size_t *slot; /* open addressing: index + 1 into objs, 0 free */
	size_t nslot; /* a power of two, at least twice n */
	git_repository *git;
};

static size_t hash_of(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

/* The slot of id: where it is, else the free one where it would go. */
static size_t *find(const cmdb__objpack *p, const git_oid *id)
{
	size_t i = hash_of(id) & (p->nslot - 1);

	while (p->slot[i] && !git_oid_equal(&p->objs[p->slot[i] - 1].oid, id))
		i = (i + 1) & (p->nslot - 1);
	return &p->slot[i];
}

static const memobj *lookup(const cmdb__objpack *p, const git_oid *id)
{
	size_t s = *find(p, id);

	return s ? &p->objs[s - 1] : NULL;
}

static int grow(cmdb__objpack *p)
{
	size_t nslot = p->nslot * 2, *old = p->slot, oldn = p->nslot;
	memobj *objs = cmdb__realloc(p->objs, (p->cap * 2) * sizeof(*objs));

	if (!objs)
		return -1;
	p->objs = objs;
	p->cap *= 2;
	if (!(p->slot = cmdb__calloc(nslot, sizeof(*p->slot)))) {
		p->slot = old;
		return -1;
	}
	p->nslot = nslot;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*find(p, &p->objs[old[i] - 1].oid) = old[i];
	free(old);
	return 0;
}

static int be_write(
	git_odb_backend *be, const git_oid *id, const void *data, size_t len, git_object_t type)
{
	cmdb__objpack *p = (cmdb__objpack *)be;
	memobj *o;

	if (lookup(p, id))
		return 0;
	if (p->n == p->cap && grow(p) < 0) {
		git_error_set_oom();
		return -1;
	}
	o = &p->objs[p->n];
	if (!(o->data = cmdb__malloc(len ? len : 1))) {
		git_error_set_oom();
		return -1;
	}
	memcpy(o->data, data, len);
	git_oid_cpy(&o->oid, id);
	o->type = type;
	o->len = len;
	p->n++;
	*find(p, id) = p->n;
	return 0;
}

static int be_read(
	void **buf, size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *id)
{
	const memobj *o = lookup((cmdb__objpack *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	if (!(*buf = git_odb_backend_data_alloc(be, o->len ? o->len : 1))) {
		git_error_set_oom();
		return -1;
	}
	memcpy(*buf, o->data, o->len);
	*len = o->len;
	*type = o->type;
	return 0;
}

static int be_read_header(size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *id)
{
	const memobj *o = lookup((cmdb__objpack *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int be_exists(git_odb_backend *be, const git_oid *id)
{
	return lookup((cmdb__objpack *)be, id) != NULL;
}

static void forget(cmdb__objpack *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->objs[i].data);
	p->n = 0;
	memset(p->slot, 0, p->nslot * sizeof(*p->slot));
}

static void be_free(git_odb_backend *be)
{
	cmdb__objpack *p = (cmdb__objpack *)be;

	forget(p);
	free(p->objs);
	free(p->slot);
	free(p);
}

int cmdb__objpack_open(cmdb__objpack **out, git_repository **git, const char *gitdir)
{
	cmdb__objpack *p = cmdb__calloc(1, sizeof(*p));
	git_odb *odb = NULL;
	int err = 0;

	*out = NULL;
	*git = NULL;
	if (!p || !(p->objs = cmdb__calloc(256, sizeof(*p->objs))) ||
		!(p->slot = cmdb__calloc(512, sizeof(*p->slot)))) {
		if (p) {
			free(p->objs);
			free(p);
		}
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	p->cap = 256;
	p->nslot = 512;
	git_odb_init_backend(&p->parent, GIT_ODB_BACKEND_VERSION);
	p->parent.read = be_read;
	p->parent.read_header = be_read_header;
	p->parent.write = be_write;
	p->parent.exists = be_exists;
	p->parent.free = be_free;
	if ((err = git_repository_open_ext(&p->git, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) <
			0 ||
		(err = git_repository_odb(&odb, p->git)) < 0 ||
		/* highest priority: every write lands here, reads see it */
		(err = git_odb_add_backend(odb, &p->parent, 999)) < 0) {
		git_odb_free(odb);
		git_repository_free(p->git);
		be_free(&p->parent);
		return cmdb__error_git(
			CMDB_ERROR, err, "cannot prepare to write a pack in %s", gitdir);
	}
	git_odb_free(odb); /* the repository's odb owns the backend now */
	*out = p;
	*git = p->git;
	return 0;
}

int cmdb__objpack_flush(cmdb__objpack *p)
{
	git_packbuilder *pb = NULL;
	int err = 0;

	if (!p->n)
		return 0;
	if ((err = git_packbuilder_new(&pb, p->git)) < 0)
		goto done;
	git_packbuilder_set_threads(pb, 1);
	/* newest first (commits, trees, then blobs were written last to first) */
	for (size_t i = p->n; i-- > 0 && err == 0;)
		err = git_packbuilder_insert(pb, &p->objs[i].oid, NULL);
	/* the indexer writes pack and index under temporary names, then renames them */
	if (err == 0)
		err = git_packbuilder_write(pb, NULL, 0, NULL, NULL);
	if (err == 0)
		forget(p);
done:
	git_packbuilder_free(pb);
	return err < 0 ? cmdb__error_git(CMDB_ERROR, err, "cannot write the re-applied objects")
		       : 0;
}

void cmdb__objpack_close(cmdb__objpack *p)
{
	if (p)
		git_repository_free(p->git); /* frees the odb, and the backend with it */
}
