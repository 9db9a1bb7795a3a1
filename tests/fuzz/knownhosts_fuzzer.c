/*
 * Fuzz the known_hosts parser. Invariants: a file that parses formats back to text
 * that parses to the same entries (same count, fingerprints, hosts), and checking
 * any key against it never crashes; a file that fails leaves nothing allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"

static const unsigned char ed25519_blob[] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5',
	'5', '1', '9', 0, 0, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cmdb_knownhosts *kh = NULL, *again = NULL;
	char *text = NULL;
	size_t len = 0;

	if (cmdb_knownhosts_parse(&kh, (const char *)data, size, "fuzz") != 0) {
		if (kh)
			abort();
		return 0;
	}
	if (cmdb_knownhosts_format(&text, &len, kh) != 0)
		abort();
	if (cmdb_knownhosts_parse(&again, text, len, "fuzz-again") != 0)
		abort();
	if (cmdb_knownhosts_count(kh) != cmdb_knownhosts_count(again))
		abort();
	for (size_t i = 0; i < cmdb_knownhosts_count(kh); i++) {
		cmdb_knownhost a, b;
		if (cmdb_knownhosts_entry(&a, kh, i) != 0 ||
			cmdb_knownhosts_entry(&b, again, i) != 0)
			abort();
		if (strcmp(a.hosts, b.hosts) || strcmp(a.type, b.type) ||
			strcmp(a.fingerprint, b.fingerprint) || strcmp(a.marker, b.marker))
			abort();
		/* each entry's own hosts field, as a host name, must not crash the matcher */
		(void)cmdb_knownhosts_check(kh, a.hosts, ed25519_blob, sizeof(ed25519_blob));
	}
	(void)cmdb_knownhosts_check(kh, "[127.0.0.1]:2222", ed25519_blob, sizeof(ed25519_blob));
	(void)cmdb_knownhosts_check(kh, "web01", ed25519_blob, 3);
	cmdb_free(text);
	cmdb_knownhosts_free(kh);
	cmdb_knownhosts_free(again);
	return 0;
}
