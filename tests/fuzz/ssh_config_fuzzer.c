/*
 * Fuzz the ~/.ssh/config reader. Invariants: it fails cleanly or parses; a lookup of a
 * few names gives ports in range and NUL-terminated strings; Include never reads
 * outside the (missing) include directory's glob and never recurses without bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"web01", "db.example.com", "10.0.0.1", "x", ""};
	cmdb_ssh_config *cfg = NULL;
	cmdb_ssh_config_host h;

	if (cmdb_ssh_config_parse(&cfg, (const char *)data, size, "fuzz_config",
		    "/nonexistent-gitcmdb-fuzz") != 0) {
		if (cfg)
			abort();
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (cmdb_ssh_config_lookup(&h, cfg, names[i]) != 0)
			abort();
		if (h.port < 0 || h.port > 65535)
			abort();
		if ((h.hostname && strlen(h.hostname) > size) || (h.user && strlen(h.user) > size))
			abort();
	}
	for (size_t i = 0; i < cmdb_ssh_config_warning_count(cfg); i++)
		if (!cmdb_ssh_config_warning(cfg, i))
			abort();
	cmdb_ssh_config_free(cfg);
	return 0;
}
