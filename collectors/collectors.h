/*
 * Collector descriptors and the helpers their parsers share. Each collector is
 * collectors/<name>.sh (the remote section, embedded as asset "collectors/<name>.sh")
 * plus collectors/<name>.c exporting one cmdb_collector; lib/collect/collect.c holds the one
 * table, assembles the script and splits output into sections and blocks.
 *
 * A section body is a run of blocks: a line "%% <label>" then that command's raw
 * output. Blocks point into the caller's output buffer (not NUL-terminated);
 * they live as long as that buffer.
 */
#ifndef CMDB_COLLECTORS_H
#define CMDB_COLLECTORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *label;
	size_t label_len;
	const char *body;
	size_t len;
} cmdb__block;

typedef struct {
	const char *name;
	const cmdb__block *blocks;
	size_t nblocks;
	int rc;
} cmdb__section;

/*
 * Parse one section into *out (a new object). Unreadable lines are skipped and
 * reported through cmdb__collect_warn; an error return means the whole section
 * was unusable (also reported by the caller in facts.errors).
 */
typedef int (*cmdb__parse_fn)(json_t **out, const cmdb__section *sec, json_t *errors);

typedef struct cmdb_collector {
	const char *name;
	const char *asset;
	cmdb__parse_fn parse;
	int optional; /* absent from an output (an older script): no error, no facts */
} cmdb_collector;

extern const cmdb_collector cmdb__collector_os;
extern const cmdb_collector cmdb__collector_hardware;
extern const cmdb_collector cmdb__collector_network;
extern const cmdb_collector cmdb__collector_filesystems;
extern const cmdb_collector cmdb__collector_packages;
extern const cmdb_collector cmdb__collector_services;
extern const cmdb_collector cmdb__collector_sockets;
extern const cmdb_collector cmdb__collector_users;
extern const cmdb_collector cmdb__collector_files;
extern const cmdb_collector cmdb__collector_containers;

/* The one table, in script order, NULL-terminated (lib/collect/collect.c). */
extern const cmdb_collector *const cmdb__collectors[];
const cmdb_collector *cmdb__collector_find(const char *name);

/* Parser helpers (collectors/util.c). */
typedef struct {
	const char *p;
	size_t len;
} cmdb__tok;

/*
 * The deadline of the parse running in this thread (CLOCK_MONOTONIC ms, 0 = none; set by
 * cmdb_collect_parse_until). Parsers need not check it: once it has passed,
 * cmdb__line_next ends every block and cmdb__append_unique stops comparing, so whatever
 * the input every parser soon returns, and the caller drops the result.
 */
extern _Thread_local uint64_t cmdb__parse_deadline_ms;
int cmdb__past_deadline(void);

/* The first block labelled label, or NULL. */
const cmdb__block *cmdb__block_find(const cmdb__section *sec, const char *label);
/* Next line of [*pos, end) without its '\n' (and '\r'); 0 at the end (or past the deadline). */
int cmdb__line_next(cmdb__tok *line, const char **pos, const char *end);
/* Split on runs of blanks; returns the count (at most max; the last token is not the rest). */
size_t cmdb__split_ws(cmdb__tok *toks, size_t max, cmdb__tok line);
/* Split on sep exactly (empty fields kept); the last field takes the rest when count hits max. */
size_t cmdb__split_char(cmdb__tok *toks, size_t max, cmdb__tok line, char sep);
cmdb__tok cmdb__trim(cmdb__tok t);
int cmdb__tok_eq(cmdb__tok t, const char *s);
int cmdb__tok_prefix(cmdb__tok t, const char *s);
/* Strict decimal; 0 or -1. */
int cmdb__tok_u64(uint64_t *out, cmdb__tok t);
/*
 * The one place where host bytes become strings: valid UTF-8 is kept; each
 * invalid byte and NUL becomes "\xHH" (upper-case hex), and a backslash that would
 * otherwise read as such an escape ("\\x00", "\\x5C", "\\x80".."\\xFF", upper
 * case) is written "\x5C". Reversible, so distinct byte strings stay distinct;
 * text without invalid bytes or such backslashes is unchanged.
 */
json_t *cmdb__jstr(const char *s, size_t len);
json_t *cmdb__jtok(cmdb__tok t);
/* The same encoding as a NUL-terminated string (free); NULL on OOM. */
char *cmdb__sanitize(const char *s, size_t len);
/* obj[key] = value (stolen), the key sanitised like cmdb__jstr; 0 or CMDB_ERROR (OOM, or value
 * NULL). */
int cmdb__obj_set(json_t *obj, cmdb__tok key, json_t *value);
/* obj[key] = string(t); 0 or CMDB_ERROR (OOM). Empty tokens are not set. */
int cmdb__set_tok(json_t *obj, const char *key, cmdb__tok t);
int cmdb__set_int(json_t *obj, const char *key, uint64_t v);
/* Append a string to arr unless already present; 0 or CMDB_ERROR. */
int cmdb__append_unique(json_t *arr, json_t *s);
/* Record a non-fatal problem of a section (at most a few per section are kept). */
void cmdb__collect_warn(json_t *errors, const char *section, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An out-of-memory error (for `return cmdb__oom();`). */
int cmdb__oom(void);

#endif
