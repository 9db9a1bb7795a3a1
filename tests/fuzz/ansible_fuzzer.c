/*
 * Fuzz the ansible inventory reader (INI and YAML: the first byte, '1' or '0', picks
 * the name's extension; the rest is the file). Invariants: it fails cleanly or gives
 * a document inventory.yaml accepts whole (every host's address, user and key path
 * safe, ports in range), and the unknown-variable list names a line for each entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = NULL, *unknown = NULL, *u;
	cmdb_inventory *inv = NULL;
	char *text = NULL;
	size_t len = 0, i;
	const char *name = size && (data[0] & 1) ? "fuzz.yml" : "fuzz.ini";

	if (!size)
		return 0;
	if (cmdb_inventory_from_ansible(&doc, &unknown, (const char *)data + 1, size - 1, name) !=
		0) {
		if (doc || unknown)
			abort();
		return 0;
	}
	if (!json_is_object(json_object_get(doc, "hosts")) || !json_is_array(unknown))
		abort();
	json_array_foreach(unknown, i, u) if (json_integer_value(json_object_get(u, "line")) < 0)
		abort();
	/* what it gives is an inventory: the import validates it the same way */
	if (cmdb_yaml_emit(&text, &len, doc, 0) == 0) {
		if (cmdb_inventory_parse(&inv, text, len, "imported.yaml") == 0) {
			for (i = 0; i < cmdb_inventory_count(inv); i++) {
				const cmdb_host *h = cmdb_inventory_host(inv, i);
				if (h->address[0] == '-' || h->user[0] == '-' || h->port < 1 ||
					h->port > 65535)
					abort();
			}
		}
		cmdb_inventory_free(inv);
		cmdb_free(text);
	}
	json_decref(doc);
	json_decref(unknown);
	return 0;
}
