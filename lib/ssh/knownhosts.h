/* Internal helpers of the known_hosts module shared with lib/ssh/ssh.c. */
#ifndef CMDB_LIB_KNOWNHOSTS_H
#define CMDB_LIB_KNOWNHOSTS_H

#include <stddef.h>

#include "gitcmdb/ssh.h"

/* "SHA256:<base64 without padding>" of a key blob into out[64]. */
void cmdb__kh_fingerprint(char out[64], const unsigned char *blob, size_t len);
/* The key type named at the start of a blob into out (NUL-terminated); 0 or -1 if malformed. */
int cmdb__kh_blob_type(char *out, size_t size, const unsigned char *blob, size_t len);
/* Comma-separated key types recorded for host (file order, no duplicates) into out. */
void cmdb__kh_types(char *out, size_t size, const cmdb_knownhosts *kh, const char *host);
/* Strict base64 decode into a new buffer; 0 or -1. */
int cmdb__base64_decode(unsigned char **out, size_t *out_len, const char *s, size_t len);
/* Base64 encode (with padding) into a new string; NULL on OOM. */
char *cmdb__base64(const unsigned char *data, size_t len);

#endif
