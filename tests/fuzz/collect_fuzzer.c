/*
 * Fuzz target over the whole collector pipeline: any bytes as script output must
 * parse without crashing or looping, and whatever facts come out must turn into
 * items whose ids and file paths stay inside the tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/collect.h"
#include "gitcmdb/id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cmdb_redactor *redactor;

static void check_items(const json_t *facts)
{
	json_t *items = NULL, *files = NULL, *v;
	const char *key;

	if (cmdb_collect_items(&items, &files, "fuzz", facts, redactor) != 0)
		return;
	json_object_foreach(items, key, v) if (cmdb_id_validate(key) != 0 ||
		(strncmp(key, "host/fuzz", 9) != 0 && strncmp(key, "service/fuzz/", 13) != 0))
		abort();
	json_object_foreach(files, key,
		v) if (cmdb_path_validate(key) != 0 || strncmp(key, "file/fuzz/", 10) != 0) abort();
	json_decref(items);
	json_decref(files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *facts = NULL;

	if (!redactor && cmdb_redactor_new_ephemeral(&redactor, NULL) != 0)
		abort();
	if (cmdb_collect_parse(&facts, (const char *)data, size, NULL) != 0)
		return 0;
	/* Bad output is reported, never fatal: there is always an errors array. */
	if (!json_is_array(json_object_get(facts, "errors")))
		abort();
	check_items(facts);
	json_decref(facts);
	return 0;
}
