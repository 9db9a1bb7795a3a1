/*
 * Collectors: the remote POSIX sh sections a scan runs in one exec, and the
 * parsers that turn their output into facts, then into items.
 *
 * Output framing: each section's output is preceded by a line
 * "@@gitcmdb-begin <name>@@" and followed by "@@gitcmdb-end <name> <rc>@@"; the whole
 * script ends with "@@gitcmdb-done@@". Output without the final line is incomplete.
 *
 * Items produced for host H (the contract the scan and the index rely on):
 *   host/H            attributes: os, hardware, network{interfaces{IF{mac,addresses[],mtu}},
 *                     routes, dns}, filesystems, packages, users, groups, files{PATH{sha256,size}},
 *                     identity{machine_id, dmi_uuid, macs[]}, sockets{listening[], established[]}
 *                     (sockets not owned by a known service)
 *   service/H/UNIT    attributes: unit, state, enabled, exec, package,
 *                     listen["tcp:ADDR:PORT", ...], connects["tcp:ADDR:PORT", ...];
 *                     relations: runs_on [host/H]
 *   file/H/PATH       raw captured config file, redacted (not an item)
 */
#ifndef GITCMDB_COLLECT_H
#define GITCMDB_COLLECT_H

#include <jansson.h>

#include "common.h"

typedef struct cmdb_redactor cmdb_redactor;

/*
 * Assemble the remote script from the enabled sections. settings is the parsed
 * gitcmdb.yaml (keys "collectors" {name: bool}, "files" [paths], "file_max_bytes") or NULL for defaults.
 */
CMDB_API int cmdb_collect_script(char **out, const json_t *settings);

/* Parse a whole script output into a facts object (one key per collector, plus "errors"). */
CMDB_API int cmdb_collect_parse(json_t **facts, const char *output, size_t len,
	const json_t *settings);

/*
 * Turn facts of host into *items ({id: item}) and *files ({path: content}), with
 * captured files passed through redactor (NULL = built-in patterns, random key).
 */
CMDB_API int cmdb_collect_items(json_t **items, json_t **files, const char *host,
	const json_t *facts, const cmdb_redactor *redactor);

/*
 * Redaction: lines matching any pattern (POSIX ERE) become "<redacted hmac-sha256:HEX>",
 * keyed with a secret kept outside the repository (key_file; created 0600 when missing).
 */
CMDB_API int cmdb_redactor_new(cmdb_redactor **out, const json_t *patterns, const char *key_file);
CMDB_API void cmdb_redactor_free(cmdb_redactor *r);
/* Redact text into *out (cmdb_free), *out_len bytes. */
CMDB_API int cmdb_redact(char **out, size_t *out_len, const cmdb_redactor *r, const char *text,
	size_t len);

#endif
