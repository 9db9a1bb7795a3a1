/*
 * Containers -> container/H/NAME items: image, image id, command (redacted like a
 * service's exec), state, published ports, mounts (paths), restart policy, runs_on the
 * host. Each published port becomes a `listen` endpoint of the container, and the host's
 * own listener on that port (docker-proxy, or none with iptables-only publishing) is
 * handed to the container, so connections to the port resolve to the container.
 * Nothing volatile is copied: no container id, start time or PID.
 */
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/id.h"
#include "collectors.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collect/normalise.h"

/* "0.0.0.0:8080->80/tcp" -> "tcp:0.0.0.0:8080" into buf; 0, or -1 when not that form. */
static int listen_of(char *buf, size_t cap, const char *port)
{
	const char *arrow = strstr(port, "->"), *slash = arrow ? strrchr(arrow, '/') : NULL;

	if (!arrow || !slash || (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0))
		return -1;
	if ((size_t)snprintf(buf, cap, "%s:%.*s", slash + 1, (int)(arrow - port), port) >= cap)
		return -1;
	return 0;
}

/* ":PORT" of an endpoint, "" when none. */
static const char *port_part(const char *ep)
{
	const char *c = strrchr(ep, ':');

	return c ? c : "";
}

/* Hand the host's listeners on the container's published ports over to it. */
static int claim(cmdb__svcmap *m, const json_t *listen)
{
	size_t i, j;
	json_t *mine, *l;

	json_array_foreach(listen, i, mine)
	{
		const char *ep = json_string_value(mine);
		size_t plen = strcspn(ep, ":");

		for (j = 0; j < json_array_size(m->host_listen);) {
			const char *h = json_string_value(l = json_array_get(m->host_listen, j));

			if (h && strncmp(h, ep, plen) == 0 && h[plen] == ':' &&
				strcmp(port_part(h), port_part(ep)) == 0) {
				if (json_array_remove(m->host_listen, j) < 0)
					return cmdb__oom();
				continue;
			}
			j++;
		}
	}
	return 0;
}

static int command_string(json_t *attrs, const json_t *argv)
{
	cmdb_buf b = CMDB_BUF_INIT(64 * 1024);
	size_t i;
	json_t *a;
	int err = 0;

	json_array_foreach(argv, i, a) if (err == 0 && json_is_string(a)) err =
		cmdb__buf_printf(&b, "%s%s", b.len ? " " : "", json_string_value(a));
	if (err == 0 && b.len)
		err = json_object_set_new(attrs, "command", json_stringn(b.ptr, b.len)) < 0
			? cmdb__oom()
			: 0;
	cmdb__buf_dispose(&b);
	return err;
}

static int one(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const char *name, const json_t *c, const cmdb_redactor *redactor)
{
	static const char *const keys[] = {
		"runtime", "image", "image_id", "state", "restart", "ports", "mounts", NULL};
	const char *names[2] = {host, name};
	json_t *attrs = json_object(), *listen = json_array(), *item = NULL, *p;
	char *id = NULL, ep[600];
	size_t i;
	int err = 0;

	if (!attrs || !listen) {
		err = cmdb__oom();
		goto done;
	}
	if (cmdb_id_build(&id, "container", names, 2) < 0)
		goto done; /* a name no id can hold is skipped, as for services */
	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(c, keys[i]);

		if (v && !(json_is_array(v) && json_array_size(v) == 0) &&
			json_object_set(attrs, keys[i], v) < 0) {
			err = cmdb__oom();
			goto done;
		}
	}
	if ((err = command_string(attrs, json_object_get(c, "command"))) < 0 ||
		(err = cmdb__redact_value(attrs, "command", redactor)) < 0)
		goto done;
	json_array_foreach(json_object_get(c, "ports"), i, p) if (json_is_string(p) &&
		listen_of(ep, sizeof(ep), json_string_value(p)) == 0 &&
		(err = cmdb__append_unique(listen, json_string(ep))) < 0) goto done;
	if (json_array_size(listen) &&
		((err = cmdb__sort_strings(listen)) < 0 || (err = claim(m, listen)) < 0 ||
			(json_object_set(attrs, "listen", listen) < 0 && (err = cmdb__oom()) < 0)))
		goto done;
	if (!(item = json_pack("{s:s, s:s, s:s, s:O, s:{s:[s]}}", "type", "container", "name", name,
		      "source", "scan", "attributes", attrs, "relations", "runs_on", host_id)) ||
		json_object_set(items, id, item) < 0)
		err = cmdb__oom();
done:
	json_decref(item);
	json_decref(listen);
	json_decref(attrs);
	cmdb_free(id);
	return err;
}

int cmdb__container_items(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const json_t *facts, const cmdb_redactor *redactor)
{
	const char *name;
	json_t *c;
	int err;

	json_object_foreach(json_object_get(facts, "containers"), name,
		c) if ((err = one(items, m, host, host_id, name, c, redactor)) < 0) return err;
	return 0;
}
