/*
 * Fuzz the validator and the schema loader with any bytes: as an item document,
 * and as a schema file. Neither may crash, leak, or fail for anything but memory;
 * every finding must carry a file, a location and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/gitcmdb.h"

static cmdb_schema *schema;

static void check_item(const uint8_t *data, size_t size)
{
	cmdb_validator *v = NULL;
	json_t *findings = json_array(), *f;
	size_t i;

	if (!findings || cmdb_validator_new(&v, schema) != 0)
		abort();
	if (cmdb_validator_add(v, "service/web01/nginx.yaml", (const char *)data, size) != 0 ||
		cmdb_validator_finish(v, findings) != 0)
		abort();
	json_array_foreach(findings, i, f)
	{
		if (!json_is_string(json_object_get(f, "file")) ||
			!json_is_integer(json_object_get(f, "line")) ||
			!json_is_string(json_object_get(f, "message")))
			abort();
	}
	cmdb_validator_free(v);
	json_decref(findings);
}

static void check_schema(const uint8_t *data, size_t size)
{
	cmdb_schema *s = NULL;

	if (cmdb_schema_new(&s) != 0)
		abort();
	if (cmdb_schema_add(s, "schemas/service.yaml", (const char *)data, size) == 0) {
		/* A schema that loaded must be usable by the validator. */
		cmdb_validator *v = NULL;
		json_t *findings = json_array();
		static const char item[] =
			"type: service\nname: nginx\nattributes: {a: 1, b: [x]}\n";

		if (!findings || cmdb_validator_new(&v, s) != 0 ||
			cmdb_validator_add(v, "service/h/nginx.yaml", item, sizeof(item) - 1) !=
				0 ||
			cmdb_validator_finish(v, findings) != 0)
			abort();
		cmdb_validator_free(v);
		json_decref(findings);
	}
	cmdb_schema_add(s, "schemas/relations.yaml", (const char *)data, size);
	cmdb_schema_check(s);
	cmdb_schema_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!schema && cmdb_schema_load_builtin(&schema) != 0)
		abort();
	check_item(data, size);
	check_schema(data, size);
	return 0;
}
