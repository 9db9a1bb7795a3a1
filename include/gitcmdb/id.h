/*
 * Item ids and repository paths. An id is "type/name[/name...]"; its path is the
 * id + ".yaml"; its type is the first component. Components hold
 * [A-Za-z0-9._@:+-]; any other byte is %XX-encoded (uppercase hex), and so is a
 * leading "." (%2E). An empty component, ".", "..", a leading "." or a component
 * over 255 bytes is invalid, so no id can name a path outside the item tree (or
 * inside .git). The encoding is canonical: lowercase hex or an allowed byte
 * written as %XX is rejected, so one raw name has exactly one id.
 * Ids also need: a type matching [a-z][a-z0-9_]* (<= 64 bytes), at least one
 * name, a last component of <= 250 bytes (its file name gets ".yaml"), and
 * <= CMDB_ID_MAX bytes in all. See docs/ids.md.
 * All char ** outputs are the caller's (cmdb_free); they are set only on success.
 */
#ifndef GITCMDB_ID_H
#define GITCMDB_ID_H

#include "common.h"

#define CMDB_ID_COMPONENT_MAX 255
#define CMDB_ID_MAX 1024 /* bytes in a whole id */
#define CMDB_PATH_MAX 1029 /* bytes in a repository path (an id + ".yaml") */

/* 0 if id is a well-formed, already-encoded id; CMDB_EINVALID with a message naming the problem. */
CMDB_API int cmdb_id_validate(const char *id);

/* %-encode one raw name (any bytes, len given) into a safe component. Fails on an empty name. */
CMDB_API int cmdb_id_encode_component(char **out, const char *raw, size_t len);

/* Decode one component back to its raw bytes (*out NUL-terminated, *out_len bytes). */
CMDB_API int cmdb_id_decode_component(char **out, size_t *out_len, const char *component);

/* Build "type/enc(n0)/enc(n1)..." from a type and raw names. */
CMDB_API int cmdb_id_build(char **out, const char *type, const char *const *names, size_t count);

/* "host/web01" -> "host/web01.yaml" (validating the id). */
CMDB_API int cmdb_id_to_path(char **out, const char *id);

/* "host/web01.yaml" -> "host/web01"; CMDB_EINVALID when path is not an item path. */
CMDB_API int cmdb_id_from_path(char **out, const char *path);

/* The type component of id ("host" for "host/web01"). */
CMDB_API int cmdb_id_type(char **out, const char *id);

/* The item's name: its last component decoded ("nginx" for "service/web01/nginx"). */
CMDB_API int cmdb_id_name(char **out, size_t *out_len, const char *id);

/*
 * Validate a repository-relative path of a raw (non-item) file such as
 * "file/web01/etc/ssh/sshd_config": every component obeys the component rules.
 */
CMDB_API int cmdb_path_validate(const char *path);

/* What a repository path is, by name alone (so every command agrees on what an item is). */
typedef enum {
	CMDB_PATH_ITEM = 0, /* an item candidate: validate it (it may still be a bad item path) */
	CMDB_PATH_SCHEMA, /* schemas/<name>.yaml: a repository schema */
	CMDB_PATH_SETTINGS, /* gitcmdb.yaml, inventory.yaml, known_hosts */
	CMDB_PATH_RAW, /* file/...: a captured config file */
	CMDB_PATH_OTHER, /* not gitcmdb's: top-level dotfiles and dot-dirs, top-level
			    non-.yaml files (README.md), anything else under schemas/ */
} cmdb_path_kind;

/*
 * Classify a repository-relative path (no leading "/"). Everything not matched by
 * another kind is an item candidate, so a stray "host/notes.txt" is validated (and
 * reported) rather than silently ignored.
 */
CMDB_API cmdb_path_kind cmdb_path_classify(const char *path);

/* 1 when gitcmdb manages path (an item candidate, a schema or a settings file), else 0. */
CMDB_API int cmdb_path_managed(const char *path);

/*
 * Record ids: a change, incident or problem record is named by its kind's prefix,
 * a dash and at least CMDB_RECORD_ID_DIGITS decimal digits, zero-padded ("CHG-0042",
 * "INC-12345"), at most CMDB_RECORD_ID_MAX bytes in all. The prefix is uppercase
 * and exact: "chg-0042", "CHG-42" and "CHG-0042a" are not ids.
 */
typedef enum {
	CMDB_RECORD_CHANGE = 0, /* CHG- */
	CMDB_RECORD_INCIDENT, /* INC- */
	CMDB_RECORD_PROBLEM, /* PRB- */
} cmdb_record_kind;

#define CMDB_RECORD_ID_DIGITS 4
#define CMDB_RECORD_ID_MAX 24

/* 1 when id is a well-formed record id of kind, else 0 (also for an unknown kind). */
CMDB_API int cmdb_record_id_valid(cmdb_record_kind kind, const char *id);

/* The kind of a record id: 0, or CMDB_EINVALID with a message saying what a record id
 * looks like. */
CMDB_API int cmdb_record_id_parse(cmdb_record_kind *kind, const char *id);

/* "CHG", "INC" or "PRB"; NULL for an unknown kind. */
CMDB_API const char *cmdb_record_id_prefix(cmdb_record_kind kind);

#endif
