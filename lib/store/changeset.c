/* Recording upserts and deletes; the commit in store.c applies them. */
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "store/changeset.h"
#include "store/repo_internal.h"
#include "store/tree.h"

/* Blobs of cmdb_changeset_put_blob wait in memory up to this many bytes, then form a pack. */
#define CMDB__BLOB_PACK_BYTES ((size_t)32 << 20)
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/yaml.h"

int cmdb_changeset_new(cmdb_changeset **out)
{
	cmdb_changeset *cs = cmdb__calloc(1, sizeof(*cs));

	if (!cs)
		return cmdb__error(CMDB_ERROR, "out of memory");
	*out = cs;
	return 0;
}

void cmdb_changeset_free(cmdb_changeset *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->count; i++) {
		free(cs->ops[i].path);
		free(cs->ops[i].data);
	}
	free(cs->ops);
	cmdb__packer_discard(&cs->packer);
	cmdb__packer_close(&cs->packer);
	free(cs);
}

size_t cmdb_changeset_count(const cmdb_changeset *cs)
{
	return cs->count;
}

/* Takes ownership of path and data, also on failure. */
static int add_op(cmdb_changeset *cs, int kind, char *path, char *data, size_t len)
{
	if (cs->count == cs->alloc) {
		size_t n = cs->alloc ? cs->alloc * 2 : 16;
		cmdb__op *ops = cmdb__realloc(cs->ops, n * sizeof(*ops));

		if (!ops) {
			free(path);
			free(data);
			return cmdb__error(CMDB_ERROR, "out of memory");
		}
		cs->ops = ops;
		cs->alloc = n;
	}
	cs->ops[cs->count] = (cmdb__op){kind, path, data, len, cs->count, 0, {0}};
	cs->count++;
	return 0;
}

int cmdb_changeset_put_item(cmdb_changeset *cs, const char *id, const json_t *item)
{
	char *path = NULL, *data = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cmdb_id_to_path(&path, id)) < 0)
		goto done;
	if ((rc = cmdb_yaml_emit(&data, &len, item, CMDB_YAML_ITEM)) < 0)
		goto done;
	rc = add_op(cs, CMDB__OP_PUT, path, data, len);
	path = data = NULL;
done:
	free(path);
	free(data);
	return rc;
}

int cmdb_changeset_put_file(cmdb_changeset *cs, const char *path, const void *data, size_t len)
{
	char *p, *d;
	int rc;

	if ((rc = cmdb_path_validate(path)) < 0)
		return rc;
	p = cmdb__strdup(path);
	d = cmdb__malloc(len + 1);
	if (!p || !d) {
		free(p);
		free(d);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (len)
		memcpy(d, data, len);
	d[len] = '\0';
	return add_op(cs, CMDB__OP_PUT, p, d, len);
}

int cmdb__changeset_put_oid(
	cmdb_changeset *cs, const char *path, const unsigned char oid[20], size_t len)
{
	char *p = cmdb__strdup(path);
	int rc;

	if (!p)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = add_op(cs, CMDB__OP_PUT, p, NULL, len)) < 0)
		return rc;
	cs->ops[cs->count - 1].blob = 1;
	memcpy(cs->ops[cs->count - 1].oid, oid, 20);
	return 0;
}

int cmdb__changeset_flush(cmdb_changeset *cs)
{
	git_oid *ids;
	size_t n = 0;
	int rc;

	if (!cs || !cs->packer.git || cs->queued == 0)
		return 0;
	if (!(ids = cmdb__calloc(cs->count - cs->flushed + 1, sizeof(*ids))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = cs->flushed; i < cs->count; i++)
		if (cs->ops[i].blob)
			git_oid_fromraw(&ids[n++], cs->ops[i].oid);
	if ((rc = cmdb__packer_flush_ids(&cs->packer, ids, n)) == 0) {
		cs->queued = 0;
		cs->flushed = cs->count;
	}
	free(ids);
	return rc;
}

int cmdb_changeset_put_blob(
	cmdb_changeset *cs, cmdb_repo *repo, const char *path, const void *data, size_t len)
{
	git_oid id;
	int err, rc;

	if ((rc = cmdb_path_validate(path)) < 0)
		return rc;
	if (!cs->packer.git && (rc = cmdb__packer_open(&cs->packer, repo->gitdir)) < 0)
		return rc;
	if ((err = git_blob_create_from_buffer(&id, cs->packer.git, data, len)) < 0)
		return cmdb__error_git(CMDB_ERROR, err, "cannot write the blob of %s", path);
	cs->queued += len;
	if ((rc = cmdb__changeset_put_oid(cs, path, id.id, len)) < 0)
		return rc;
	return cs->queued >= CMDB__BLOB_PACK_BYTES ? cmdb__changeset_flush(cs) : 0;
}

int cmdb_changeset_delete(cmdb_changeset *cs, const char *path)
{
	char *p;
	int rc;

	if ((rc = cmdb_path_validate(path)) < 0)
		return rc;
	if (!(p = cmdb__strdup(path)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return add_op(cs, CMDB__OP_DELETE, p, NULL, 0);
}

static int cmp_op(const void *a, const void *b)
{
	const cmdb__op *x = *(const cmdb__op *const *)a, *y = *(const cmdb__op *const *)b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Index of the first op whose path is >= key. */
static size_t lower_bound(const cmdb__op **ops, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ops[mid]->path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A PUT of "a" next to any operation under "a/" cannot both hold. */
static int check_conflicts(const cmdb__op **ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t plen = strlen(ops[i]->path), j;
		char *dir;

		if (ops[i]->kind != CMDB__OP_PUT)
			continue;
		if (!(dir = cmdb__sprintf("%s/", ops[i]->path)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		j = lower_bound(ops, n, dir);
		free(dir);
		if (j < n && strncmp(ops[j]->path, ops[i]->path, plen) == 0 &&
			ops[j]->path[plen] == '/')
			return cmdb__error(CMDB_EINVALID,
				"changeset writes %s both as a file and as the directory of %s",
				ops[i]->path, ops[j]->path);
	}
	return 0;
}

int cmdb__changeset_sorted(const cmdb__op ***out, size_t *count, const cmdb_changeset *cs)
{
	size_t total = cs ? cs->count : 0, n = 0; /* NULL: an empty changeset */
	const cmdb__op **ops = cmdb__calloc(total ? total : 1, sizeof(*ops));
	int rc = 0;

	if (!ops)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < total; i++)
		ops[i] = &cs->ops[i];
	qsort(ops, total, sizeof(*ops), cmp_op);
	/* Keep the last operation of each run of equal paths. */
	for (size_t i = 0; i < total; i++) {
		if (i + 1 < total && strcmp(ops[i]->path, ops[i + 1]->path) == 0)
			continue;
		ops[n++] = ops[i];
	}
	if ((rc = check_conflicts(ops, n)) < 0)
		goto done;
	*out = ops;
	*count = n;
	ops = NULL;
done:
	free(ops);
	return rc;
}
