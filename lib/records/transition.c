/*
 * The records' life cycles (docs/records.md) and their ids: one table per kind of
 * which status may follow which, and the next free number of a kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/records.h"

typedef struct {
	const char *from;
	const char *const *to;
} step;

#define TO(...)                                                                                    \
	(const char *const[])                                                                      \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}

static const char *const none[] = {NULL};

/* requested → implemented is the emergency path, allowed only for type emergency. */
static const step change_steps[] = {
	{"requested", TO("approved", "rejected", "cancelled")},
	{"approved", TO("implemented", "cancelled")},
	{"implemented", TO("closed")},
	{"rejected", none},
	{"closed", none},
	{"cancelled", none},
	{NULL, NULL},
};
static const char *const emergency_requested[] = {
	"approved", "implemented", "rejected", "cancelled", NULL};

static const step incident_steps[] = {
	{"open", TO("investigating", "resolved")},
	{"investigating", TO("resolved")},
	{"resolved", TO("closed")},
	{"closed", none},
	{NULL, NULL},
};

static const step problem_steps[] = {
	{"open", TO("known_error", "resolved", "closed")},
	{"known_error", TO("resolved", "closed")},
	{"resolved", TO("open", "closed")},
	{"closed", none},
	{NULL, NULL},
};

static const step *steps_of(cmdb_record_kind kind)
{
	switch (kind) {
	case CMDB_RECORD_CHANGE: return change_steps;
	case CMDB_RECORD_INCIDENT: return incident_steps;
	case CMDB_RECORD_PROBLEM: return problem_steps;
	default: return NULL;
	}
}

const char *cmdb_record_type(cmdb_record_kind kind)
{
	switch (kind) {
	case CMDB_RECORD_CHANGE: return "change";
	case CMDB_RECORD_INCIDENT: return "incident";
	case CMDB_RECORD_PROBLEM: return "problem";
	default: return NULL;
	}
}

const char *const *cmdb_record_next_statuses(cmdb_record_kind kind, const char *from, int emergency)
{
	const step *s = steps_of(kind);

	if (!s || !from)
		return NULL;
	if (kind == CMDB_RECORD_CHANGE && emergency && strcmp(from, "requested") == 0)
		return emergency_requested;
	for (; s->from; s++)
		if (strcmp(s->from, from) == 0)
			return s->to;
	return NULL;
}

/* "a, b or c" into buf. */
static void join_or(char *buf, size_t n, const char *const *list)
{
	size_t o = 0, count = 0;

	buf[0] = '\0';
	while (list[count])
		count++;
	for (size_t i = 0; i < count && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s",
			i == 0                   ? ""
				: i + 1 == count ? " or "
						 : ", ",
			list[i]);
}

int cmdb_record_check_transition(
	cmdb_record_kind kind, const char *id, const char *from, const char *to, int emergency)
{
	const char *const *next = cmdb_record_next_statuses(kind, from, emergency);
	const char *type = cmdb_record_type(kind);
	char allowed[200];

	if (!type)
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	if (!next)
		return cmdb__error(CMDB_EINVALID,
			"%s %s: status '%s' is not a %s status: fix the record (gitcmdb validate)",
			type, id, from ? from : "", type);
	for (size_t i = 0; next[i]; i++)
		if (strcmp(next[i], to) == 0)
			return 0;
	if (!next[0])
		return cmdb__error(CMDB_EINVALID,
			"%s %s is %s, a final status: it cannot become %s", type, id, from, to);
	join_or(allowed, sizeof(allowed), next);
	if (kind == CMDB_RECORD_CHANGE && !emergency && strcmp(from, "requested") == 0 &&
		strcmp(to, "implemented") == 0)
		return cmdb__error(CMDB_EINVALID,
			"%s %s is requested: it can become %s (only an emergency change may be "
			"implemented before approval)",
			type, id, allowed);
	return cmdb__error(CMDB_EINVALID, "%s %s is %s: it can become %s, not %s", type, id, from,
		allowed, to);
}

int cmdb_record_id_format(char **out, cmdb_record_kind kind, unsigned long n)
{
	const char *prefix = cmdb_record_id_prefix(kind);
	char *s;

	if (!prefix)
		return cmdb__error(CMDB_EINVALID, "unknown record kind %d", (int)kind);
	if (!(s = cmdb__sprintf("%s-%0*lu", prefix, CMDB_RECORD_ID_DIGITS, n)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	*out = s;
	return 0;
}

unsigned long cmdb_record_next_number(cmdb_record_kind kind, const json_t *paths)
{
	const char *type = cmdb_record_type(kind);
	size_t tlen = type ? strlen(type) : 0, i;
	unsigned long max = 0;
	json_t *p;

	json_array_foreach(paths, i, p)
	{
		const char *path = json_string_value(p), *dash;
		char id[CMDB_RECORD_ID_MAX + 1];
		size_t len;

		if (!path || !type || strncmp(path, type, tlen) != 0 || path[tlen] != '/')
			continue;
		path += tlen + 1;
		len = strlen(path);
		if (len < 6 || len - 5 > CMDB_RECORD_ID_MAX || strcmp(path + len - 5, ".yaml") != 0)
			continue;
		memcpy(id, path, len - 5);
		id[len - 5] = '\0';
		/* more than 15 digits would overflow the next number: not ours to continue */
		if (!cmdb_record_id_valid(kind, id) || !(dash = strchr(id, '-')) ||
			strlen(dash + 1) > 15)
			continue;
		if (strtoul(dash + 1, NULL, 10) > max)
			max = strtoul(dash + 1, NULL, 10);
	}
	return max + 1;
}

int cmdb_record_id_resolve(char **out, cmdb_record_kind *kind, const char *id)
{
	const char *bare = id ? strrchr(id, '/') : NULL;
	cmdb_record_kind k;
	char *s;
	int rc;

	bare = bare ? bare + 1 : id;
	if (!id || (rc = cmdb_record_id_parse(&k, bare)) < 0)
		return cmdb__error(CMDB_EINVALID,
			"'%s' is not a record id: give CHG-, INC- or PRB- and at least %d digits "
			"(CHG-0042)",
			id ? id : "", CMDB_RECORD_ID_DIGITS);
	if (bare != id &&
		(strncmp(id, cmdb_record_type(k), strlen(cmdb_record_type(k))) != 0 ||
			id + strlen(cmdb_record_type(k)) + 1 != bare))
		return cmdb__error(CMDB_EINVALID, "'%s' is not a record id: %s lives at %s/%s", id,
			bare, cmdb_record_type(k), bare);
	if (!(s = cmdb__strdup(bare)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	*out = s;
	if (kind)
		*kind = k;
	return 0;
}
