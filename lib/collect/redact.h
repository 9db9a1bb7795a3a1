/*
 * Internals shared by the redaction files: redact.c (patterns, captured files),
 * redact_key.c (the HMAC key and its file), redact_command.c (command lines).
 * A redactor is read-only once built, so the scan's worker threads share one.
 */
#ifndef CMDB_LIB_COLLECT_REDACT_H
#define CMDB_LIB_COLLECT_REDACT_H

#include <regex.h>
#include <stddef.h>

#include "gitcmdb/collect.h"
#include "util/buf.h"

#define CMDB__REDACT_KEY_MAX 64
/* "<redacted hmac-sha256:" + 64 hex digits + ">" */
#define CMDB__FINGERPRINT_PREFIX "<redacted hmac-sha256:"
#define CMDB__FINGERPRINT_LEN (sizeof(CMDB__FINGERPRINT_PREFIX) - 1 + 64 + 1)

struct cmdb_redactor {
	regex_t *re; /* line patterns: the always-on ones, then the configured or default ones */
	size_t n;
	regex_t names[3]; /* secret names in command lines (redact_command.c) */
	size_t nnames;
	unsigned char key[CMDB__REDACT_KEY_MAX];
	size_t key_len;
	char *key_path; /* the key file; NULL for an ephemeral key */
	int key_created; /* this redactor wrote a new key file */
	char key_id[17];
};

/* Append the fingerprint of data ("<redacted hmac-sha256:HEX>") to b. */
int cmdb__redact_put(cmdb_buf *b, const cmdb_redactor *r, const char *data, size_t len);

/* 1 when the line (any bytes) matches one of r's line patterns, 0 when not, <0 on OOM. */
int cmdb__redact_matches(const cmdb_redactor *r, const char *line, size_t len);

/* 1 when name ("db-password", "DB_PASS", "token") names a secret in a command line. */
int cmdb__redact_secret_name(const cmdb_redactor *r, const char *name, size_t len);

/* The length of a fingerprint starting at s (CMDB__FINGERPRINT_LEN), or 0. */
size_t cmdb__fingerprint_at(const char *s, size_t left);

/*
 * 1 when a and b differ and only inside fingerprints: the same text whose redacted
 * values changed (a new secret, or a new key). 0 otherwise.
 */
int cmdb__redact_only_fingerprints_differ(const char *a, size_t alen, const char *b, size_t blen);

/* Key handling (redact_key.c): the key from the file chosen by the precedence of
 * cmdb_redactor_new_from_settings (created when missing), or a fresh random one. */
int cmdb__redactor_load_key(cmdb_redactor *r, const char *key_file, const char *setting);
int cmdb__redactor_random_key(cmdb_redactor *r);

/* Compile r->names (redact_command.c). */
int cmdb__redact_compile_names(cmdb_redactor *r);

#endif
