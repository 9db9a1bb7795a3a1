/*
 * Fuzz target for the YAML reader. Whatever parses must obey the round-trip law:
 * parse(emit(v)) == v and emit(parse(emit(v))) == emit(v), with and without
 * CMDB_YAML_ITEM; and every node must have a mark. Violations abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gitcmdb/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_nodes(const json_t *v)
{
	size_t n = 1, i;
	const char *k;
	json_t *c;

	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, c) n += count_nodes(c);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) n += count_nodes(c);
	}
	return n;
}

static void check_law(const json_t *v, unsigned flags)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	json_t *back = NULL;

	if (cmdb_yaml_emit(&a, &alen, v, flags) < 0) {
		if (cmdb_error_last_code() == CMDB_ETOOBIG)
			return;
		fprintf(stderr, "emit failed on a parsed value: %s\n", cmdb_error_last());
		abort();
	}
	if (cmdb_yaml_parse(&back, a, alen, "emitted") < 0) {
		fprintf(stderr, "emitted YAML does not parse: %s\n%s\n", cmdb_error_last(), a);
		abort();
	}
	if (!json_equal(back, v)) {
		fprintf(stderr, "parse(emit(v)) != v\n%s\n", a);
		abort();
	}
	if (cmdb_yaml_emit(&b, &blen, back, flags) < 0 || blen != alen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "emit is not stable\n%s\n---\n%s\n", a, b ? b : "(failed)");
		abort();
	}
	cmdb_free(a);
	cmdb_free(b);
	json_decref(back);
}

/* The writer on arbitrary strings: the input itself as a value, a key and a list item. */
static void check_string(const uint8_t *data, size_t size)
{
	json_t *s, *v;

	if (size > 4096 || memchr(data, '\0', size) ||
		!(s = json_stringn((const char *)data, size)))
		return;
	v = json_object();
	json_object_set_new(v, "k", json_pack("[O,{s:O}]", s, "n", s));
	json_object_set(v, json_string_value(s), s);
	check_law(s, 0);
	check_law(v, CMDB_YAML_ITEM);
	json_decref(v);
	json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = NULL, *marks = NULL;

	check_string(data, size);

	if (cmdb_yaml_parse_marked(&v, &marks, (const char *)data, size, "fuzz.yaml") < 0) {
		/* Every rejection names where it happened. */
		if (strncmp(cmdb_error_last(), "fuzz.yaml:", 10) != 0) {
			fprintf(stderr, "error without position: %s\n", cmdb_error_last());
			abort();
		}
		return 0;
	}
	if (json_object_size(marks) != count_nodes(v)) {
		fprintf(stderr, "%zu marks for %zu nodes\n", json_object_size(marks),
			count_nodes(v));
		abort();
	}
	check_law(v, 0);
	check_law(v, CMDB_YAML_ITEM);
	json_decref(v);
	json_decref(marks);
	return 0;
}
