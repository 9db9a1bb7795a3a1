/*
 * Facts -> items (contract in include/gitcmdb/collect.h). Only stable facts are
 * copied: PIDs, ephemeral ports and anything else that changes between two scans
 * of an unchanged host stay behind, so a scan of an unchanged host writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/collect.h"
#include "gitcmdb/id.h"
#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "collect/normalise.h"

/* Shallow-copy obj[key] into dst[key] when present. */
static int copy_key(json_t *dst, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_object_set_new(dst, key, json_deep_copy(v)) < 0)
		return cmdb__oom();
	return 0;
}

static int set_nonempty(json_t *dst, const char *key, json_t *v)
{
	if (!v)
		return cmdb__oom();
	if ((json_is_object(v) && json_object_size(v) == 0) ||
		(json_is_array(v) && json_array_size(v) == 0)) {
		json_decref(v);
		return 0;
	}
	if (json_object_set_new(dst, key, v) < 0)
		return cmdb__oom();
	return 0;
}

/* Packages keyed by name; names installed for more than one arch get "name:arch" keys. */
static int packages_map(json_t **out, const json_t *list)
{
	json_t *map = json_object(), *count = json_object(), *p;
	size_t i;
	int err = 0;

	*out = NULL;
	if (!map || !count) {
		err = cmdb__oom();
		goto done;
	}
	json_array_foreach((json_t *)list, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		json_t *c;

		if (!name)
			continue;
		c = json_object_get(count, name);
		if (json_object_set_new(
			    count, name, json_integer(c ? json_integer_value(c) + 1 : 1)) < 0) {
			err = cmdb__oom();
			goto done;
		}
	}
	json_array_foreach((json_t *)list, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *arch = json_string_value(json_object_get(p, "arch"));
		json_t *v = json_object();
		char *key = NULL;

		if (!name) {
			json_decref(v);
			continue;
		}
		if (json_integer_value(json_object_get(count, name)) > 1 && arch)
			key = cmdb__sprintf("%s:%s", name, arch);
		else
			key = cmdb__strdup(name);
		if (!v || !key || copy_key(v, p, "version") < 0 || copy_key(v, p, "arch") < 0) {
			json_decref(v);
			free(key);
			err = cmdb__oom();
			goto done;
		}
		/* set_new takes v even when it fails. */
		err = json_object_set_new(map, key, v) < 0 ? cmdb__oom() : 0;
		free(key);
		if (err < 0)
			goto done;
	}
	*out = map;
	map = NULL;
done:
	json_decref(map);
	json_decref(count);
	return err;
}

/* identity: machine-id, DMI uuid and serial, and every non-zero MAC (sorted). */
static int identity(json_t **out, const json_t *facts)
{
	const json_t *hw = json_object_get(facts, "hardware");
	const json_t *ifs = json_object_get(json_object_get(facts, "network"), "interfaces");
	json_t *id = json_object(), *macs = json_array(), *iface;
	const char *name;
	int err = 0;

	*out = NULL;
	if (!id || !macs) {
		err = cmdb__oom();
		goto done;
	}
	if ((err = copy_key(id, hw, "machine_id")) < 0 ||
		(err = copy_key(id, hw, "dmi_uuid")) < 0 || (err = copy_key(id, hw, "serial")) < 0)
		goto done;
	json_object_foreach((json_t *)ifs, name, iface)
	{
		json_t *mac = json_object_get(iface, "mac");

		if (!json_is_string(mac) ||
			strcmp(json_string_value(mac), "00:00:00:00:00:00") == 0)
			continue;
		if ((err = cmdb__append_unique(macs, json_deep_copy(mac))) < 0)
			goto done;
	}
	if ((err = cmdb__sort_strings(macs)) < 0)
		goto done;
	if ((err = set_nonempty(id, "macs", json_incref(macs))) < 0)
		goto done;
	*out = id;
	id = NULL;
done:
	json_decref(id);
	json_decref(macs);
	return err;
}

static int hardware(json_t **out, const json_t *facts)
{
	static const char *const keys[] = {"cpu_model", "cpus", "sockets", "memory_mb", "vendor",
		"product", "virtualization", NULL};
	const json_t *hw = json_object_get(facts, "hardware");
	json_t *o = json_object();
	int err;

	*out = NULL;
	if (!o)
		return cmdb__oom();
	for (size_t i = 0; keys[i]; i++)
		if ((err = copy_key(o, hw, keys[i])) < 0) {
			json_decref(o);
			return err;
		}
	*out = o;
	return 0;
}

int cmdb__redact_value(json_t *obj, const char *key, const cmdb_redactor *redactor)
{
	json_t *v = json_object_get(obj, key);
	char *red = NULL;
	int err;

	if (!json_is_string(v))
		return 0;
	if ((err = cmdb_redact_command(
		     &red, redactor, json_string_value(v), json_string_length(v))) < 0)
		return err;
	if (strcmp(red, json_string_value(v)) != 0 &&
		json_object_set_new(obj, key, json_string(red)) < 0)
		err = cmdb__oom();
	cmdb_free(red);
	return err;
}

/* filesystems{MOUNT{device,...}}: a mount source is a command-line value (davfs URLs...). */
static int filesystems(json_t *attrs, const json_t *facts, const cmdb_redactor *redactor)
{
	const char *mnt;
	json_t *fs, *m;
	int err;

	if ((err = copy_key(attrs, facts, "filesystems")) < 0)
		return err;
	fs = json_object_get(attrs, "filesystems");
	json_object_foreach(
		fs, mnt, m) if ((err = cmdb__redact_value(m, "device", redactor)) < 0) return err;
	return 0;
}

static int host_attributes(
	json_t *attrs, const json_t *facts, const cmdb__svcmap *svc, const cmdb_redactor *redactor)
{
	const json_t *net = json_object_get(facts, "network");
	const json_t *users = json_object_get(facts, "users");
	json_t *v;
	int err;

	if (json_object_get(facts, "os") &&
		(err = set_nonempty(attrs, "os", json_deep_copy(json_object_get(facts, "os")))) < 0)
		return err;
	if ((err = hardware(&v, facts)) < 0 || (err = set_nonempty(attrs, "hardware", v)) < 0)
		return err;
	if (net) {
		json_t *n = json_object();

		if (!n || copy_key(n, net, "interfaces") < 0 || copy_key(n, net, "routes") < 0 ||
			copy_key(n, net, "dns") < 0) {
			json_decref(n);
			return cmdb__oom();
		}
		if ((err = set_nonempty(attrs, "network", n)) < 0)
			return err;
	}
	if ((err = filesystems(attrs, facts, redactor)) < 0)
		return err;
	if (json_object_get(facts, "packages")) {
		if ((err = packages_map(&v,
			     json_object_get(json_object_get(facts, "packages"), "list"))) < 0 ||
			(err = set_nonempty(attrs, "packages", v)) < 0)
			return err;
	}
	if ((err = copy_key(attrs, users, "users")) < 0 ||
		(err = copy_key(attrs, users, "groups")) < 0)
		return err;
	if ((err = identity(&v, facts)) < 0 || (err = set_nonempty(attrs, "identity", v)) < 0)
		return err;
	return cmdb__host_sockets(attrs, svc);
}

int cmdb_collect_items(json_t **items, json_t **files, const char *host, const json_t *facts,
	const cmdb_redactor *redactor)
{
	json_t *all = NULL, *raw = NULL, *host_item = NULL, *attrs = NULL;
	cmdb_redactor *own = NULL;
	cmdb__svcmap svc;
	char *host_id = NULL;
	const char *names[1] = {host};
	int err;

	*items = NULL;
	*files = NULL;
	memset(&svc, 0, sizeof(svc));
	if (!host || !json_is_object(facts)) {
		err = cmdb__error(
			CMDB_EINVALID, "collect: a host name and a facts object are needed");
		goto done;
	}
	if ((err = cmdb_id_build(&host_id, "host", names, 1)) < 0)
		goto done;
	if (!redactor && (err = cmdb_redactor_new_ephemeral(&own, NULL)) < 0)
		goto done;
	if (own)
		redactor = own;
	if (!(all = json_object()) || !(raw = json_object()) || !(attrs = json_object())) {
		err = cmdb__oom();
		goto done;
	}
	if ((err = cmdb__services_items(all, &svc, host, host_id, facts, redactor)) < 0 ||
		(err = cmdb__container_items(all, &svc, host, host_id, facts, redactor)) < 0 ||
		(err = host_attributes(attrs, facts, &svc, redactor)) < 0 ||
		(err = cmdb__files_items(
			 attrs, raw, host, json_object_get(facts, "files"), redactor)) < 0)
		goto done;
	if (!(host_item = json_pack("{s:s, s:s, s:s, s:O}", "type", "host", "name", host, "source",
		      "scan", "attributes", attrs)) ||
		json_object_set_new(all, host_id, host_item) < 0) {
		err = cmdb__oom();
		goto done;
	}
	*items = all;
	*files = raw;
	all = raw = NULL;
done:
	cmdb__svcmap_dispose(&svc);
	cmdb_redactor_free(own);
	cmdb_free(host_id);
	json_decref(attrs);
	json_decref(all);
	json_decref(raw);
	return err;
}

static int cmp_json_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);

	return strcmp(x ? x : "", y ? y : "");
}

int cmdb__sort_strings(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v;
	int err = 0;

	if (n < 2)
		return 0;
	if (!(v = cmdb__malloc(n * sizeof(*v))))
		return cmdb__oom();
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_json_str);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, v[i]) < 0 && !err)
			err = cmdb__oom();
	free(v);
	return err;
}
