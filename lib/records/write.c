/*
 * The one write path of records: prepared on main's tip, checked (related items,
 * schema), committed with that tip as the base. Two writers that picked the same new
 * id, or changed the same record, meet in the store's re-merge: the later one is
 * prepared again on the new tip (a new id, the record's new state), never merged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/time.h"
#include "gitcmdb/schema.h"
#include "gitcmdb/yaml.h"
#include "records/records_int.h"

/* Each lost race means another record was written: give up only on a stampede. */
#define MAX_ATTEMPTS 500
#define FINDINGS_SHOWN 3

int cmdb__record_time(char *buf, const char *when, const char *what, const char *field)
{
	long long t = 0;
	int rc = cmdb__time_parse(&t, when, (long long)time(NULL));

	if (rc == 0) {
		cmdb__time_format(buf, t);
		return 0;
	}
	return cmdb__error(CMDB_EINVALID,
		"%s: %s: '%s' is not a time: give ISO 8601 (2026-11-28T22:00Z), now or a "
		"relative time (2.hours.ago)%s%s",
		what, field, when, rc < 0 ? ": " : "", rc < 0 ? cmdb_error_last() : "");
}

int cmdb__record_set(json_t *doc, const char *key, const char *value)
{
	json_t *attrs = json_object_get(doc, "attributes");

	if (!value)
		return 0;
	if (!json_is_object(attrs)) {
		if (!(attrs = json_object()) || json_object_set_new(doc, "attributes", attrs) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (json_object_set_new(attrs, key, json_string(value)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

const char *cmdb__record_get(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, "attributes"), key));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "INC-0001" → "incident/INC-0001"; anything else as given. */
static char *full_id(const char *id)
{
	cmdb_record_kind k;

	if (!strchr(id, '/') && cmdb_record_id_parse(&k, id) == 0)
		return cmdb__sprintf("%s/%s", cmdb_record_type(k), id);
	cmdb_error_clear();
	return cmdb__strdup(id);
}

static int add_target(json_t *set, const char *id, const char *rel, const char *what)
{
	char *full = full_id(id);
	int rc = 0;

	if (!full)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (cmdb_id_validate(full) < 0)
		rc = cmdb__error(CMDB_EINVALID, "%s: relations.%s: '%s': %s", what, rel, id,
			cmdb_error_last());
	else if (json_object_set_new(set, full, json_true()) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	free(full);
	return rc;
}

int cmdb__record_relate(json_t *doc, const char *rel, const cmdb_id_list *list, const char *what)
{
	json_t *rels = json_object_get(doc, "relations"), *set = json_object(), *arr = json_array();
	const char **keys = NULL, *k;
	json_t *e;
	size_t i, n = 0;
	int rc = 0;

	if (!list || list->n == 0)
		goto done;
	if (!set || !arr)
		goto oom;
	json_array_foreach(json_object_get(rels, rel), i, e) if (json_is_string(e) &&
		(rc = add_target(set, json_string_value(e), rel, what)) < 0) goto done;
	for (i = 0; i < list->n; i++)
		if ((rc = add_target(set, list->v[i], rel, what)) < 0)
			goto done;
	if (!(keys = cmdb__calloc(json_object_size(set), sizeof(*keys))))
		goto oom;
	json_object_foreach(set, k, e) keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(keys[i])) < 0)
			goto oom;
	if (!json_is_object(rels) &&
		(!(rels = json_object()) || json_object_set_new(doc, "relations", rels) < 0))
		goto oom;
	if (json_object_set(rels, rel, arr) < 0)
		goto oom;
	goto done;
oom:
	rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb_free(keys);
	json_decref(set);
	json_decref(arr);
	return rc;
}

/* The built-in schemas with head's schemas/NAME.yaml over them (as `validate --rev` does). */
int cmdb__record_schemas(cmdb_schema **out, cmdb_repo *repo, const char *head)
{
	cmdb_schema *s = NULL;
	json_t *paths = NULL, *p;
	size_t i;
	int rc;

	if ((rc = cmdb_schema_load_builtin(&s)) < 0 ||
		(rc = cmdb_repo_list(&paths, repo, head, "schemas/")) < 0)
		goto done;
	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p);
		char *buf = NULL;
		size_t len = 0;

		if (cmdb_path_classify(path) != CMDB_PATH_SCHEMA)
			continue;
		if ((rc = cmdb_repo_read(&buf, &len, repo, head, path)) == 0)
			rc = cmdb_schema_add(s, path, buf, len);
		cmdb_free(buf);
		if (rc < 0)
			goto done;
	}
	rc = cmdb_schema_check(s);
done:
	json_decref(paths);
	if (rc < 0)
		cmdb_schema_free(s);
	else
		*out = s;
	return rc;
}

/* Every relation target of doc must exist at head; each is then known to the validator. */
static int check_targets(cmdb_validator *v, cmdb_repo *repo, const char *head, const json_t *doc,
	const char *what, json_t *known)
{
	const char *rel;
	json_t *list, *e;
	size_t i;

	json_object_foreach(json_object_get(doc, "relations"), rel, list)
	{
		json_array_foreach(list, i, e)
		{
			const char *t = json_string_value(e);
			char *path = NULL, *buf = NULL, *type = NULL;
			size_t len = 0;
			int rc;

			if (!t || cmdb_id_to_path(&path, t) < 0) {
				cmdb_free(path);
				cmdb_error_clear();
				continue; /* the validator names a malformed id */
			}
			rc = json_object_get(known, path)
				? 0
				: cmdb_repo_read(&buf, &len, repo, head, path);
			if (rc == 0 && known && json_object_set_new(known, path, json_true()) < 0)
				rc = cmdb__error(CMDB_ERROR, "out of memory");
			cmdb_free(buf);
			cmdb_free(path);
			if (rc == CMDB_ENOTFOUND)
				return cmdb__error(CMDB_ENOTFOUND,
					"%s: relations.%s: no item '%s' on main: check the id "
					"(gitcmdb find)",
					what, rel, t);
			if (rc < 0 || (rc = cmdb_id_type(&type, t)) < 0 ||
				(rc = cmdb_validator_add_known(v, t, type)) < 0) {
				cmdb_free(type);
				return rc;
			}
			cmdb_free(type);
		}
	}
	return 0;
}

/* The findings of the record as one error: "<what>: field: problem; field: problem". */
static int findings_error(const json_t *findings, const char *what, const char *path)
{
	char msg[1500];
	size_t o = 0, i;
	json_t *f;

	msg[0] = '\0';
	json_array_foreach(findings, i, f)
	{
		if (i == FINDINGS_SHOWN) {
			o += (size_t)snprintf(msg + o, o < sizeof(msg) ? sizeof(msg) - o : 0,
				"; and %zu more", json_array_size(findings) - i);
			break;
		}
		o += (size_t)snprintf(msg + o, o < sizeof(msg) ? sizeof(msg) - o : 0, "%s%s",
			i ? "; " : "", json_string_value(json_object_get(f, "message")));
		if (o >= sizeof(msg))
			break;
	}
	return cmdb__error(CMDB_EINVALID, "%s: %s (%s)", what, msg, path);
}

int cmdb__record_validate_in(const cmdb_schema *schema, cmdb_repo *repo, const char *head,
	const char *path, const char *yaml, size_t len, const json_t *doc, const char *what,
	json_t *known)
{
	cmdb_validator *v = NULL;
	json_t *findings = json_array();
	int rc;

	if (!findings)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb_validator_new(&v, schema)) < 0 ||
		(rc = check_targets(v, repo, head, doc, what, known)) < 0 ||
		(rc = cmdb_validator_add(v, path, yaml, len)) < 0 ||
		(rc = cmdb_validator_finish(v, findings)) < 0)
		goto done;
	if (json_array_size(findings))
		rc = findings_error(findings, what, path);
done:
	cmdb_validator_free(v);
	json_decref(findings);
	return rc;
}

int cmdb__record_validate(const cmdb_schema *schema, cmdb_repo *repo, const char *head,
	const char *path, const char *yaml, size_t len, const json_t *doc, const char *what)
{
	return cmdb__record_validate_in(schema, repo, head, path, yaml, len, doc, what, NULL);
}

static int validate(cmdb_repo *repo, const char *head, const char *path, const char *yaml,
	size_t len, const json_t *doc, const char *what)
{
	cmdb_schema *schema = NULL;
	int rc;

	if ((rc = cmdb__record_schemas(&schema, repo, head)) == 0)
		rc = cmdb__record_validate(schema, repo, head, path, yaml, len, doc, what);
	cmdb_schema_free(schema);
	return rc;
}

/* A new record's id: one past the largest of its kind at head. */
static int new_id(char **out, cmdb_repo *repo, const char *head, cmdb_record_kind kind)
{
	json_t *paths = NULL;
	char *prefix = cmdb__sprintf("%s/", cmdb_record_type(kind));
	int rc;

	if (!prefix)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = cmdb_repo_list(&paths, repo, head, prefix)) == 0)
		rc = cmdb_record_id_format(out, kind, cmdb_record_next_number(kind, paths));
	json_decref(paths);
	free(prefix);
	return rc;
}

/* The record file changed on main since we read it: prepare it all again on the new tip. */
static int raced(cmdb_changeset *out, const char *path, const void *data, size_t len,
	const char *head, void *payload)
{
	(void)out, (void)data, (void)len, (void)head;
	*(int *)payload = 1;
	return cmdb__error(CMDB_EDIRTY, "%s changed on main meanwhile", path);
}

typedef struct {
	char head[41];
	char *id, *path, *what, *message, *yaml;
	size_t len;
	json_t *doc;
} attempt_state;

static void attempt_dispose(attempt_state *a)
{
	free(a->id);
	cmdb_free(a->path);
	free(a->what);
	free(a->message);
	cmdb_free(a->yaml);
	json_decref(a->doc);
	memset(a, 0, sizeof(*a));
}

static int load_doc(attempt_state *a, cmdb_repo *repo, const cmdb__record_write_opts *o)
{
	const char *type = cmdb_record_type(o->kind);
	int rc;

	if (!o->id) {
		a->doc = json_pack("{s:s, s:s, s:s, s:{}}", "type", type, "name", a->id, "source",
			"manual", "attributes");
		return a->doc ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
	}
	rc = cmdb_repo_read(&a->yaml, &a->len, repo, a->head, a->path);
	if (rc == CMDB_ENOTFOUND)
		return cmdb__error(CMDB_ENOTFOUND, "no %s %s on main: see 'gitcmdb %s list'", type,
			a->id, type);
	if (rc < 0 || (rc = cmdb_yaml_parse(&a->doc, a->yaml, a->len, a->path)) < 0)
		return rc;
	cmdb_free(a->yaml);
	a->yaml = NULL;
	if (!json_is_object(a->doc))
		return cmdb__error(CMDB_EINVALID,
			"%s %s: %s is not a map: fix the record (gitcmdb validate)", type, a->id,
			a->path);
	return 0;
}

/* Prepare the record on head; 0 with a->message and a->yaml ready to commit. */
static int prepare(attempt_state *a, cmdb_repo *repo, const cmdb__record_write_opts *o)
{
	const char *type = cmdb_record_type(o->kind);
	char what[80];
	int rc;

	if ((rc = cmdb_repo_resolve(a->head, repo, CMDB_MAIN_REF)) < 0)
		return rc;
	if (o->id && !(a->id = cmdb__strdup(o->id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!o->id && (rc = new_id(&a->id, repo, a->head, o->kind)) < 0)
		return rc;
	if (o->id)
		snprintf(what, sizeof(what), "%s %s", type, a->id);
	else
		snprintf(what, sizeof(what), "new %s", type);
	if (!(a->path = cmdb__sprintf("%s/%s.yaml", type, a->id)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if ((rc = load_doc(a, repo, o)) < 0 ||
		(rc = o->edit(a->doc, &a->what, a->id, a->head, o->payload)) < 0 ||
		(rc = cmdb_yaml_emit(&a->yaml, &a->len, a->doc, CMDB_YAML_ITEM)) < 0 ||
		(rc = validate(repo, a->head, a->path, a->yaml, a->len, a->doc, what)) < 0)
		return rc;
	if (!(a->message = cmdb__sprintf("%s %s: %s", type, a->id, a->what ? a->what : "updated")))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int commit_once(int *lost, char *oid, cmdb_repo *repo, attempt_state *a)
{
	cmdb_commit_opts co = CMDB_COMMIT_OPTS_INIT;
	cmdb_changeset *cs = NULL;
	char *name = NULL, *email = NULL;
	int rc;

	if (cmdb_repo_user(&name, &email, repo) < 0)
		cmdb_error_clear();
	co.message = a->message;
	co.author_name = name ? name : "gitcmdb user";
	co.author_email = email ? email : "gitcmdb@localhost";
	co.base = a->head;
	co.remerge = raced;
	co.remerge_payload = lost;
	if ((rc = cmdb_changeset_new(&cs)) == 0 &&
		(rc = cmdb_changeset_put_file(cs, a->path, a->yaml, a->len)) == 0)
		rc = cmdb_store_commit(oid, NULL, repo, cs, &co);
	cmdb_changeset_free(cs);
	cmdb_free(name);
	cmdb_free(email);
	return rc;
}

int cmdb__record_write(
	char **out_id, char *out_commit, cmdb_repo *repo, const cmdb__record_write_opts *o)
{
	attempt_state a;
	char oid[41];
	int rc = CMDB_ERROR;

	memset(&a, 0, sizeof(a));
	if (!cmdb_record_type(o->kind))
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)o->kind);
	for (int i = 0; i < MAX_ATTEMPTS; i++) {
		int lost = 0;

		attempt_dispose(&a);
		if ((rc = prepare(&a, repo, o)) < 0)
			break;
		if ((rc = commit_once(&lost, oid, repo, &a)) == 0 || !lost)
			break;
		cmdb_error_clear();
		rc = cmdb__error(CMDB_ELOCKED, "%s kept changing on main (%d attempts): try again",
			a.path, MAX_ATTEMPTS);
	}
	if (rc == 0) {
		if (out_commit)
			memcpy(out_commit, oid, 41);
		if (out_id) {
			*out_id = a.id;
			a.id = NULL;
		}
	}
	attempt_dispose(&a);
	return rc;
}
