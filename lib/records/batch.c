/*
 * Many records in one commit (gitcmdb import): each prepared and validated on the
 * batch's head as the one write path does (write.c), all committed as one changeset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/yaml.h"
#include "records/records_int.h"

struct cmdb_record_batch {
	cmdb_repo *repo;
	cmdb_record_kind kind;
	char head[41];
	cmdb_schema *schema;
	unsigned long next; /* the next free record number */
	cmdb_changeset *cs;
	json_t *paths; /* path → true, the files already in cs */
	json_t *linked; /* path → doc, records of other kinds changed by cmdb_record_batch_link */
	json_t *known; /* path → true: files at head or in cs that relations may name */
};

int cmdb_record_batch_new(cmdb_record_batch **out, cmdb_repo *repo, cmdb_record_kind kind)
{
	cmdb_record_batch *b;
	json_t *paths = NULL;
	char prefix[32];
	int rc;

	*out = NULL;
	if (!cmdb_record_type(kind))
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	if (!(b = cmdb__calloc(1, sizeof(*b))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	b->repo = repo;
	b->kind = kind;
	snprintf(prefix, sizeof(prefix), "%s/", cmdb_record_type(kind));
	if ((rc = cmdb_repo_resolve(b->head, repo, CMDB_MAIN_REF)) < 0 ||
		(rc = cmdb__record_schemas(&b->schema, repo, b->head)) < 0 ||
		(rc = cmdb_repo_list(&paths, repo, b->head, prefix)) < 0 ||
		(rc = cmdb_changeset_new(&b->cs)) < 0)
		goto done;
	b->next = cmdb_record_next_number(kind, paths);
	if (!(b->paths = json_object()) || !(b->linked = json_object()) ||
		!(b->known = json_object()))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	json_decref(paths);
	if (rc < 0)
		cmdb_record_batch_free(b);
	else
		*out = b;
	return rc;
}

void cmdb_record_batch_free(cmdb_record_batch *b)
{
	if (!b)
		return;
	cmdb_schema_free(b->schema);
	cmdb_changeset_free(b->cs);
	json_decref(b->paths);
	json_decref(b->linked);
	json_decref(b->known);
	cmdb_free(b);
}

const char *cmdb_record_batch_head(const cmdb_record_batch *b)
{
	return b->head;
}

size_t cmdb_record_batch_count(const cmdb_record_batch *b)
{
	return json_object_size(b->paths);
}

static int set_attributes(json_t *doc, const json_t *attributes)
{
	json_t *attrs = json_object_get(doc, "attributes"), *v;
	const char *k;

	if (!json_is_object(attrs) &&
		(!(attrs = json_object()) || json_object_set_new(doc, "attributes", attrs) < 0))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)attributes, k, v)
	{
		if (json_is_null(v))
			json_object_del(attrs, k);
		else if (json_object_set(attrs, k, v) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

static int set_relations(json_t *doc, const json_t *relations, const char *what)
{
	json_t *rels = json_object_get(doc, "relations"), *list;
	const char *rel;
	int rc;

	json_object_foreach((json_t *)relations, rel, list)
	{
		const char **v = cmdb__calloc(json_array_size(list) + 1, sizeof(*v));
		cmdb_id_list ids = {v, 0};
		size_t i;
		json_t *e;

		if (!v)
			return cmdb__error(CMDB_ERROR, "out of memory");
		json_array_foreach(list, i, e) if (json_is_string(e)) v[ids.n++] =
			json_string_value(e);
		if (json_is_object(rels))
			json_object_del(rels, rel);
		rc = cmdb__record_relate(doc, rel, &ids, what);
		cmdb_free(v);
		if (rc < 0)
			return rc;
	}
	rels = json_object_get(doc, "relations");
	if (json_is_object(rels) && json_object_size(rels) == 0)
		json_object_del(doc, "relations");
	return 0;
}

/* The document of id at head (an existing record) or a new one named id. */
static int load(json_t **doc, cmdb_record_batch *b, const char *id, const char *path,
	const char *source, char **old, size_t *old_len, int existing)
{
	const char *type = cmdb_record_type(b->kind);
	int rc;

	if (!existing) {
		*doc = json_pack("{s:s, s:s, s:s, s:{}}", "type", type, "name", id, "source",
			source ? source : "manual", "attributes");
		return *doc ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	rc = cmdb_repo_read(old, old_len, b->repo, b->head, path);
	if (rc == CMDB_ENOTFOUND)
		return cmdb__error(
			CMDB_ENOTFOUND, "no %s %s on main: see 'gitcmdb %s list'", type, id, type);
	if (rc < 0 || (rc = cmdb_yaml_parse(doc, *old, *old_len, path)) < 0)
		return rc;
	if (!json_is_object(*doc))
		return cmdb__error(
			CMDB_EINVALID, "%s %s: %s is not a map: fix the record", type, id, path);
	return 0;
}

int cmdb_record_batch_put(char **out_id, cmdb_record_batch *b, const char *id,
	const json_t *attributes, const json_t *relations, const char *source)
{
	const char *type = cmdb_record_type(b->kind);
	char *rid = NULL, *path = NULL, *old = NULL, *yaml = NULL, what[80];
	size_t old_len = 0, len = 0;
	json_t *doc = NULL;
	int rc;

	if (out_id)
		*out_id = NULL;
	if (id)
		rc = (rid = cmdb__strdup(id)) ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	else
		rc = cmdb_record_id_format(&rid, b->kind, b->next);
	if (rc < 0)
		goto done;
	snprintf(what, sizeof(what), "%s %s", type, rid);
	if (!(path = cmdb__sprintf("%s/%s.yaml", type, rid))) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (json_object_get(b->paths, path)) {
		rc = cmdb__error(CMDB_EINVALID, "%s: given twice in one import", what);
		goto done;
	}
	if ((rc = load(&doc, b, rid, path, source, &old, &old_len, id != NULL)) < 0 ||
		(rc = set_attributes(doc, attributes)) < 0 ||
		(rc = set_relations(doc, relations, what)) < 0 ||
		(rc = cmdb_yaml_emit(&yaml, &len, doc, CMDB_YAML_ITEM)) < 0)
		goto done;
	if (old && old_len == len && memcmp(old, yaml, len) == 0) {
		rc = 1;
		goto done;
	}
	if ((rc = cmdb__record_validate_in(
		     b->schema, b->repo, b->head, path, yaml, len, doc, what, b->known)) < 0 ||
		(rc = cmdb_changeset_put_file(b->cs, path, yaml, len)) < 0)
		goto done;
	if (json_object_set_new(b->paths, path, json_true()) < 0 ||
		json_object_set_new(b->known, path, json_true()) < 0) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (!id)
		b->next++;
done:
	if (rc >= 0 && out_id) {
		*out_id = rid;
		rid = NULL;
	}
	json_decref(doc);
	cmdb_free(rid);
	cmdb_free(path);
	cmdb_free(old);
	cmdb_free(yaml);
	return rc;
}

/* A copy of the document at path as the batch has it: changed by an earlier link, else at head. */
static int linked_doc(
	json_t **doc, cmdb_record_batch *b, const char *id, const char *path, cmdb_record_kind kind)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*doc = NULL;
	if ((*doc = json_object_get(b->linked, path)))
		return (*doc = json_deep_copy(*doc)) ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	rc = cmdb_repo_read(&buf, &len, b->repo, b->head, path);
	if (rc == CMDB_ENOTFOUND)
		rc = cmdb__error(CMDB_ENOTFOUND, "no %s %s on main", cmdb_record_type(kind), id);
	if (rc == 0 && (rc = cmdb_yaml_parse(doc, buf, len, path)) == 0 && !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		rc = cmdb__error(CMDB_EINVALID, "%s %s: %s is not a map: fix the record",
			cmdb_record_type(kind), id, path);
	}
	cmdb_free(buf);
	return rc;
}

int cmdb_record_batch_link(cmdb_record_batch *b, cmdb_record_kind kind, const char *id,
	const char *rel, const char *target)
{
	const char *type = cmdb_record_type(kind), *targets[1] = {target};
	cmdb_id_list list = {targets, 1};
	char *path = NULL, *before = NULL, *after = NULL, what[80];
	size_t blen = 0, alen = 0;
	json_t *doc = NULL;
	int rc;

	if (!type)
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	snprintf(what, sizeof(what), "%s %s", type, id);
	if (!(path = cmdb__sprintf("%s/%s.yaml", type, id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = linked_doc(&doc, b, id, path, kind)) < 0 ||
		(rc = cmdb_yaml_emit(&before, &blen, doc, CMDB_YAML_ITEM)) < 0 ||
		(rc = cmdb__record_relate(doc, rel, &list, what)) < 0 ||
		(rc = cmdb_yaml_emit(&after, &alen, doc, CMDB_YAML_ITEM)) < 0)
		goto done;
	if (blen == alen && memcmp(before, after, alen) == 0) {
		rc = 1;
		goto done;
	}
	if ((rc = cmdb__record_validate_in(
		     b->schema, b->repo, b->head, path, after, alen, doc, what, b->known)) < 0 ||
		(rc = cmdb_changeset_put_file(b->cs, path, after, alen)) < 0)
		goto done;
	if (json_object_set_new(b->paths, path, json_true()) < 0 ||
		json_object_set_new(b->known, path, json_true()) < 0 ||
		json_object_set(b->linked, path, doc) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	json_decref(doc);
	cmdb_free(path);
	cmdb_free(before);
	cmdb_free(after);
	return rc;
}

/* A record file of the batch changed on main since the batch read it. */
static int raced(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	(void)out, (void)data, (void)len, (void)head, (void)payload;
	return cmdb__error(
		CMDB_ELOCKED, "%s changed on main meanwhile: run the import again", path);
}

int cmdb_record_batch_commit(char *out_commit, cmdb_record_batch *b, const char *message)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	char *name = NULL, *email = NULL;
	int rc;

	if (cmdb_record_batch_count(b) == 0)
		return cmdb__error(CMDB_EINVALID, "nothing to commit");
	if (cmdb_repo_user(&name, &email, b->repo) < 0)
		cmdb_error_clear();
	co.message = message;
	co.author_name = name ? name : "gitcmdb user";
	co.author_email = email ? email : "gitcmdb@localhost";
	co.base = b->head;
	co.remerge = raced;
	rc = cmdb_store_commit(out_commit, NULL, b->repo, b->cs, &co);
	cmdb_free(name);
	cmdb_free(email);
	return rc;
}
