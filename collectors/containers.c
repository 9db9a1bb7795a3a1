/*
 * containers: `docker inspect` / `podman inspect` of every container (a JSON array per
 * runtime) -> containers{NAME{runtime, image, image_id, command[], state, ports[],
 * mounts[], restart}}. Only stable fields: the container id (a recreated container gets
 * a new one), start times, PIDs and addresses stay behind. Names that cannot be one
 * component of an item id are skipped with a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define NAME_MAX_LEN 128

/* docker and podman names: [A-Za-z0-9][A-Za-z0-9_.-]*; anything else is refused. */
static int name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > NAME_MAX_LEN ||
		!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
			(n[0] >= '0' && n[0] <= '9')))
		return 0;
	for (const char *c = n; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
			return 0;
	return 1;
}

static int set_str(json_t *o, const char *key, const json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || !*s)
		return 0;
	return cmdb__set_tok(o, key, (cmdb__tok){s, strlen(s)});
}

/* Path then Args: the argv the container runs. */
static json_t *command_of(const json_t *c)
{
	json_t *argv = json_array(), *a;
	size_t i;

	if (!argv)
		return NULL;
	if (json_is_string(json_object_get(c, "Path")) &&
		json_array_append_new(argv,
			cmdb__jtok((cmdb__tok){json_string_value(json_object_get(c, "Path")),
				json_string_length(json_object_get(c, "Path"))})) < 0)
		goto oom;
	json_array_foreach(json_object_get(c, "Args"), i, a) if (json_is_string(a) &&
		json_array_append_new(argv,
			cmdb__jtok((cmdb__tok){json_string_value(a), json_string_length(a)})) <
			0) goto oom;
	return argv;
oom:
	json_decref(argv);
	return NULL;
}

/* NetworkSettings.Ports {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]} ->
 * ["0.0.0.0:8080->80/tcp"], sorted; unpublished ports (null) are left out. */
static json_t *ports_of(const json_t *c)
{
	const json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	json_t *out = json_array(), *binds, *b;
	const char *key;
	size_t i;

	if (!out)
		return NULL;
	json_object_foreach((json_t *)ports, key, binds)
	{
		json_array_foreach(binds, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *port = json_string_value(json_object_get(b, "HostPort"));
			char *s;

			if (!port || !*port)
				continue;
			if (!ip || !*ip)
				ip = "0.0.0.0";
			s = strchr(ip, ':') ? cmdb__sprintf("[%s]:%s->%s", ip, port, key)
					    : cmdb__sprintf("%s:%s->%s", ip, port, key);
			if (!s ||
				cmdb__append_unique(out, cmdb__jtok((cmdb__tok){s, strlen(s)})) <
					0) {
				free(s);
				json_decref(out);
				return NULL;
			}
			free(s);
		}
	}
	return out;
}

/* Mounts[]: "SOURCE:DESTINATION" (paths only: no driver, options or volume ids). */
static json_t *mounts_of(const json_t *c)
{
	json_t *out = json_array(), *m;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(json_object_get(c, "Mounts"), i, m)
	{
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		char *s;

		if (!dst)
			continue;
		s = cmdb__sprintf("%s:%s", src ? src : "", dst);
		if (!s || cmdb__append_unique(out, cmdb__jtok((cmdb__tok){s, strlen(s)})) < 0) {
			free(s);
			json_decref(out);
			return NULL;
		}
		free(s);
	}
	return out;
}

static int one_container(json_t *all, const char *runtime, const json_t *c, json_t *errors)
{
	const char *name = json_string_value(json_object_get(c, "Name"));
	json_t *o, *argv, *ports, *mounts;
	int err = 0;

	if (name && name[0] == '/')
		name++;
	if (!name || !name_ok(name)) {
		cmdb__collect_warn(errors, "containers",
			"%s container with a name that cannot be an item id skipped", runtime);
		return 0;
	}
	if (!(o = json_object()))
		return cmdb__oom();
	argv = command_of(c);
	ports = ports_of(c);
	mounts = mounts_of(c);
	if (!argv || !ports || !mounts ||
		cmdb__set_tok(o, "runtime", (cmdb__tok){runtime, strlen(runtime)}) < 0 ||
		set_str(o, "image", json_object_get(json_object_get(c, "Config"), "Image")) < 0 ||
		set_str(o, "image_id", json_object_get(c, "Image")) < 0 ||
		set_str(o, "state", json_object_get(json_object_get(c, "State"), "Status")) < 0 ||
		set_str(o, "restart",
			json_object_get(
				json_object_get(json_object_get(c, "HostConfig"), "RestartPolicy"),
				"Name")) < 0 ||
		json_object_set(o, "command", argv) < 0 || json_object_set(o, "ports", ports) < 0 ||
		json_object_set(o, "mounts", mounts) < 0)
		err = cmdb__oom();
	json_decref(argv);
	json_decref(ports);
	json_decref(mounts);
	if (err == 0 && json_object_get(all, name))
		cmdb__collect_warn(
			errors, "containers", "two containers named %s: the first kept", name);
	else if (err == 0 && json_object_set(all, name, o) < 0)
		err = cmdb__oom();
	json_decref(o);
	return err;
}

static int containers_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	static const char *const runtimes[] = {"docker", "podman"};
	json_t *all = json_object();
	int err = 0;

	*out = NULL;
	if (!all)
		return cmdb__oom();
	for (size_t r = 0; r < 2; r++) {
		char label[32];
		const cmdb__block *b;
		json_error_t jerr;
		json_t *arr, *c;
		size_t i;

		snprintf(label, sizeof(label), "%s-failed", runtimes[r]);
		if (cmdb__block_find(sec, label)) {
			/* No facts: the scan keeps the containers it knew (nothing removed). */
			err = cmdb__error(CMDB_EINVALID,
				"%s ps failed (daemon down or timed out): containers not listed",
				runtimes[r]);
			goto done;
		}
		snprintf(label, sizeof(label), "%s-inspect", runtimes[r]);
		if (!(b = cmdb__block_find(sec, label)))
			continue;
		if (!(arr = json_loadb(b->body, b->len, JSON_REJECT_DUPLICATES, &jerr)) ||
			!json_is_array(arr)) {
			cmdb__collect_warn(errors, "containers",
				"%s inspect: not a JSON array (line %d): skipped", runtimes[r],
				jerr.line);
			json_decref(arr);
			continue;
		}
		json_array_foreach(arr, i, c) if (err == 0 && json_is_object(c)) err =
			one_container(all, runtimes[r], c, errors);
		json_decref(arr);
		if (err < 0)
			goto done;
	}
	*out = all;
	all = NULL;
done:
	json_decref(all);
	return err;
}

const cmdb_collector cmdb__collector_containers = {
	"containers", "collectors/containers.sh", containers_parse, 1};
