/*
 * Fuzz the id module: any bytes as an id, a path and a raw name. Invariants:
 * an encoded name always validates, decodes back to the same bytes, and never
 * contains '/' or starts with '.'; a valid id's path maps back to the same id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"

static void check_encode(const uint8_t *data, size_t size)
{
	char *enc = NULL, *dec = NULL, *id = NULL;
	size_t declen = 0;

	if (cmdb_id_encode_component(&enc, (const char *)data, size) != 0)
		return;
	if (strchr(enc, '/') || enc[0] == '.')
		abort();
	if (cmdb_id_decode_component(&dec, &declen, enc) != 0)
		abort();
	if (declen != size || memcmp(dec, data, size) != 0)
		abort();
	id = malloc(strlen(enc) + 6);
	if (!id)
		abort();
	memcpy(id, "host/", 5);
	strcpy(id + 5, enc);
	if (cmdb_id_validate(id) != 0 && strlen(enc) <= 250)
		abort();
	free(id);
	cmdb_free(enc);
	cmdb_free(dec);
}

static void check_id(const char *s)
{
	char *path = NULL, *back = NULL, *name = NULL, *enc = NULL;
	size_t namelen = 0;

	if (cmdb_id_validate(s) != 0) {
		cmdb_path_validate(s);
		return;
	}
	/* A valid id never escapes the tree and is also a valid path. */
	if (strstr(s, "..") == s || strstr(s, "/.") || s[0] == '/' || cmdb_path_validate(s) != 0)
		abort();
	if (cmdb_id_to_path(&path, s) != 0 || cmdb_id_from_path(&back, path) != 0 ||
		strcmp(back, s) != 0)
		abort();
	/* Canonical: the last component re-encodes to itself. */
	if (cmdb_id_name(&name, &namelen, s) != 0 ||
		cmdb_id_encode_component(&enc, name, namelen) != 0 ||
		strcmp(enc, strrchr(s, '/') + 1) != 0)
		abort();
	cmdb_free(path);
	cmdb_free(back);
	cmdb_free(name);
	cmdb_free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_encode(data, size);
	check_id(s);
	free(s);
	return 0;
}
