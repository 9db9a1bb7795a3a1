/*
 * Fuzz the inventory parser and --limit selection. Invariants: whatever parses
 * yields hosts whose address and user can never be read as an option or hold
 * shell syntax, ports in 1..65535, names that are valid id components; the
 * input's first line doubles as a --limit expression.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"

static void check_safe(const char *s)
{
	if (!s || !*s || s[0] == '-')
		abort();
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cmdb_inventory *inv = NULL;
	size_t *idx = NULL, n = 0;
	char limit[64];
	size_t ll = 0;

	if (cmdb_inventory_parse(&inv, (const char *)data, size, "fuzz.yaml") != 0) {
		if (inv)
			abort();
		return 0;
	}
	for (size_t i = 0; i < cmdb_inventory_count(inv); i++) {
		const cmdb_host *h = cmdb_inventory_host(inv, i);
		char id[300];
		check_safe(h->address);
		check_safe(h->user);
		if (h->port < 1 || h->port > 65535 || strlen(h->name) > 255)
			abort();
		memcpy(id, "host/", 5);
		strcpy(id + 5, h->name);
		if (cmdb_id_validate(id) != 0)
			abort();
		if (i && strcmp(cmdb_inventory_host(inv, i - 1)->name, h->name) >= 0)
			abort();
	}
	while (ll < size && ll < sizeof(limit) - 1 && data[ll] != '\n' && data[ll])
		limit[ll] = (char)data[ll], ll++;
	limit[ll] = '\0';
	if (cmdb_inventory_select(&idx, &n, inv, limit) == 0) {
		for (size_t i = 0; i < n; i++)
			if (idx[i] >= cmdb_inventory_count(inv) || (i && idx[i] <= idx[i - 1]))
				abort();
		cmdb_free(idx);
	}
	cmdb_inventory_free(inv);
	return 0;
}
