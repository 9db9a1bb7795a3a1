/* Internal pieces of facts -> items (lib/normalise*.c). */
#ifndef CMDB_LIB_NORMALISE_H
#define CMDB_LIB_NORMALISE_H

#include <jansson.h>

#include "gitcmdb/collect.h"

/* What the service pass leaves for the host item. */
typedef struct {
	json_t *units; /* unit name -> service item (a reference) */
	json_t *pids; /* "PID" -> unit name (volatile: never written) */
	json_t *host_listen; /* endpoints no service item claimed */
	json_t *host_connects;
} cmdb__svcmap;

void cmdb__svcmap_dispose(cmdb__svcmap *m);

/* Sort an array of strings in place (byte order); 0 or CMDB_ERROR. */
int cmdb__sort_strings(json_t *arr);

/* Add service/H/NAME items to items and fill m (sockets assigned to their services). */
int cmdb__services_items(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const json_t *facts, const cmdb_redactor *redactor);
/* Add container/H/NAME items; their published ports leave m->host_listen. */
int cmdb__container_items(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const json_t *facts, const cmdb_redactor *redactor);
/* obj[key], when a string from a host's command line or environment, redacted in place. */
int cmdb__redact_value(json_t *obj, const char *key, const cmdb_redactor *redactor);
/* attrs.sockets from what no service claimed. */
int cmdb__host_sockets(json_t *attrs, const cmdb__svcmap *m);
/* attrs.files {PATH: {sha256, size[, masked_sha256]}} and raw {"file/H/PATH": redacted
 * content}; redactor is never NULL here. */
int cmdb__files_items(json_t *attrs, json_t *raw, const char *host, const json_t *files,
	const cmdb_redactor *redactor);

#endif
