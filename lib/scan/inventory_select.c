/*
 * Which inventory hosts a --limit selects: comma-separated glob patterns of host
 * names and @group names, each optionally negated with '!' (see docs/inventory.md).
 * Only the inventory's public accessors are used here.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/inventory.h"

static int in_group(const cmdb_host *h, const char *group)
{
	size_t i;
	json_t *g;

	json_array_foreach(h->groups, i, g) if (!strcmp(json_string_value(g), group)) return 1;
	return 0;
}

/* Does pattern p (one element of a limit, without "!") select host h? */
static int selects(const cmdb_inventory *inv, const char *p, const cmdb_host *h, int *known)
{
	if (p[0] != '@')
		return fnmatch(p, h->name, 0) == 0;
	for (size_t i = 0; !*known && i < cmdb_inventory_count(inv); i++)
		*known = in_group(cmdb_inventory_host(inv, i), p + 1);
	return in_group(h, p + 1);
}

int cmdb_inventory_select(size_t **out, size_t *count, const cmdb_inventory *inv, const char *limit)
{
	char *copy = NULL, *save = NULL, *p;
	unsigned char *mark = NULL;
	size_t *idx = NULL, n = 0, n_hosts = cmdb_inventory_count(inv);
	int error = 0, any_positive = 0;

	*out = NULL;
	*count = 0;
	if (!(mark = cmdb__calloc(n_hosts + 1, 1)) || !(copy = cmdb__strdup(limit ? limit : "*"))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		any_positive |= p[0] != '!';
	if (!any_positive)
		memset(mark, 1, n_hosts);
	strcpy(copy, limit ? limit : "*");
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int neg = p[0] == '!', known = 0;
		const char *pat = p + neg;
		for (size_t i = 0; i < n_hosts; i++)
			if (selects(inv, pat, cmdb_inventory_host(inv, i), &known))
				mark[i] = !neg;
		if (pat[0] == '@' && !known) {
			error = cmdb__error(CMDB_EINVALID, "--limit: unknown group '%s'", pat + 1);
			goto done;
		}
	}
	for (size_t i = 0; i < n_hosts; i++)
		n += mark[i];
	if (n == 0) {
		error = cmdb__error(CMDB_ENOTFOUND, "--limit '%s' selects no host of the inventory",
			limit ? limit : "*");
		goto done;
	}
	if (!(idx = cmdb__malloc(n * sizeof(*idx)))) {
		error = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	n = 0;
	for (size_t i = 0; i < n_hosts; i++)
		if (mark[i])
			idx[n++] = i;
	*out = idx;
	*count = n;
done:
	cmdb_free(mark);
	cmdb_free(copy);
	return error;
}
