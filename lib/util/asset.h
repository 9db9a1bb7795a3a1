/* Text assets embedded at build time from schemas/ and collectors/ (see cmake/embed.cmake). */
#ifndef CMDB_LIB_ASSET_H
#define CMDB_LIB_ASSET_H

#include <stddef.h>

typedef struct {
	const char *name; /* "schemas/host.yaml", "collectors/os.sh" */
	const unsigned char *data; /* NUL-terminated */
	const size_t *len;
} cmdb__asset;

/* Terminated by a row whose name is NULL. */
extern const cmdb__asset cmdb__assets[];

/* The asset called name, or NULL. */
const cmdb__asset *cmdb__asset_find(const char *name);

#endif
