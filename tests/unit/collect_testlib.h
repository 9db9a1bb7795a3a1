/* Helpers shared by the collector tests: build framed outputs, read facts by path. */
#ifndef CMDB_TEST_COLLECT_TESTLIB_H
#define CMDB_TEST_COLLECT_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitcmdb/collect.h"
#include "testutil.h"

static const char *const all_sections[] = {"os", "hardware", "network", "filesystems", "packages",
	"services", "sockets", "containers", "users", "files", NULL};

/* A tiny string builder for framed outputs. */
typedef struct {
	char *p;
	size_t len;
} sb;

static inline void sb_add(sb *b, const char *s, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void sb_str(sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Append "%% label" and the fixture's bytes (ending in a newline). */
static inline void block_fixture(sb *b, const char *label, const char *fixture)
{
	char *path, *data;
	size_t len;

	sb_str(b, "%% ");
	sb_str(b, label);
	sb_str(b, "\n");
	assert_true(asprintf(&path, "%s/collectors/%s", CMDB_FIXTURES, fixture) > 0);
	data = tu_read_file(path, &len);
	if (!data)
		fail_msg("fixture %s missing", path);
	sb_add(b, data, len);
	if (len && data[len - 1] != '\n')
		sb_str(b, "\n");
	free(data);
	free(path);
}

static inline void block_text(sb *b, const char *label, const char *text)
{
	sb_str(b, "%% ");
	sb_str(b, label);
	sb_str(b, "\n");
	sb_str(b, text);
}

/* Settings that enable only the named section, so others are not reported missing. */
static inline json_t *only(const char *name)
{
	json_t *c = json_object();

	for (size_t i = 0; all_sections[i]; i++)
		json_object_set_new(
			c, all_sections[i], json_boolean(strcmp(all_sections[i], name) == 0));
	return json_pack("{s:o}", "collectors", c);
}

/* Frame body as the single section name, parse, return the facts (caller decref). */
static inline json_t *parse_section(const char *name, const sb *body)
{
	sb out = {0};
	json_t *facts = NULL, *settings = only(name);

	sb_str(&out, "@@gitcmdb-collect 1@@\n@@gitcmdb-begin ");
	sb_str(&out, name);
	sb_str(&out, "@@\n");
	if (body->len)
		sb_add(&out, body->p, body->len);
	sb_str(&out, "@@gitcmdb-end ");
	sb_str(&out, name);
	sb_str(&out, " 0@@\n@@gitcmdb-done@@\n");
	assert_int_equal(cmdb_collect_parse(&facts, out.p, out.len, settings), 0);
	json_decref(settings);
	free(out.p);
	return facts;
}

static inline size_t n_errors(const json_t *facts)
{
	return json_array_size(json_object_get(facts, "errors"));
}

static inline const char *str_at(const json_t *root, const char *path)
{
	json_t *v = (json_t *)root;
	char *copy = strdup(path), *save = NULL;

	for (char *k = strtok_r(copy, "/", &save); k && v; k = strtok_r(NULL, "/", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(k, NULL, 10))
				     : json_object_get(v, k);
	free(copy);
	return json_string_value(v);
}

static inline json_int_t int_at(const json_t *root, const char *path)
{
	json_t *v = (json_t *)root;
	char *copy = strdup(path), *save = NULL;

	for (char *k = strtok_r(copy, "/", &save); k && v; k = strtok_r(NULL, "/", &save))
		v = json_object_get(v, k);
	free(copy);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static inline void assert_str(const json_t *root, const char *path, const char *want)
{
	const char *got = str_at(root, path);

	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: want '%s', got '%s'", path, want, got ? got : "(absent)");
}

#endif
