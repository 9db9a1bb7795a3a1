/*
 * Internal: an ansible inventory read into one model (inventory_ansible_ini.c and
 * inventory_ansible_yaml.c fill it; inventory_ansible.c turns it into inventory.yaml).
 * model = {"hosts": {name: {"vars": {k: [value, line]}, "line": n}},
 *          "groups": {name: {"hosts": {name: true}, "children": {name: line},
 *                            "vars": {k: [value, line]}, "line": n}}}
 * Values are kept as text (numbers and booleans as ansible would print them).
 */
#ifndef CMDB_LIB_SCAN_INVENTORY_ANSIBLE_H
#define CMDB_LIB_SCAN_INVENTORY_ANSIBLE_H

#include <stddef.h>

#include <jansson.h>

/* Most hosts one range pattern (web[01:20]) or one file may give. */
#define CMDB__ANSIBLE_MAX_HOSTS 100000

typedef struct {
	json_t *model;
	const char *name; /* file name for messages */
} cmdb__ansible;

/* The group (created with its line when new) / host entry of the model. */
json_t *cmdb__ansible_group(cmdb__ansible *a, const char *name, int line);
json_t *cmdb__ansible_host(cmdb__ansible *a, const char *name, int line);
/* Set a variable of a group's or host's "vars". */
int cmdb__ansible_var(json_t *owner, const char *key, const char *value, int line);
/*
 * Expand a host pattern ("web[01:20]", "db-[a:c]", "x[1:9:2]"; several ranges multiply)
 * calling add(name, payload) for each name in order. CMDB_EINVALID with file:line.
 */
int cmdb__ansible_expand(cmdb__ansible *a, const char *pattern, int line,
	int (*add)(const char *name, void *payload), void *payload);

/* The model as inventory.yaml's document; what is not used is appended to unknown
 * ([{file, line, where, variable, why}]). */
int cmdb__ansible_convert(json_t **out, json_t *unknown, cmdb__ansible *a);

int cmdb__ansible_parse_ini(cmdb__ansible *a, const char *buf, size_t len);
int cmdb__ansible_parse_yaml(cmdb__ansible *a, const char *buf, size_t len);

#endif
