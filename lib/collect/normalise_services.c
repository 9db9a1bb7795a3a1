/*
 * Services and sockets -> service/H/NAME items. Listening and outbound endpoints
 * go to the service whose process owns them (PID -> unit via the cgroup or the
 * unit's main PID); the PIDs themselves are volatile and never written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/id.h"
#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "collect/normalise.h"

void cmdb__svcmap_dispose(cmdb__svcmap *m)
{
	json_decref(m->units);
	json_decref(m->pids);
	json_decref(m->host_listen);
	json_decref(m->host_connects);
	memset(m, 0, sizeof(*m));
}

static int one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* Running, failing or enabled units become items; static, dead, disabled ones are noise. */
static int keep_unit(const json_t *u)
{
	static const char *const live[] = {
		"active", "activating", "reloading", "deactivating", "failed", NULL};
	static const char *const on[] = {"enabled", "enabled-runtime", NULL};

	return one_of(json_string_value(json_object_get(u, "state")), live) ||
		one_of(json_string_value(json_object_get(u, "enabled")), on);
}

static int service_item(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const char *unit, const json_t *u, const cmdb_redactor *redactor)
{
	static const char *const keys[] = {"state", "enabled", "exec", "package", NULL};
	size_t n = strlen(unit);
	char *name = NULL, *id = NULL;
	json_t *attrs = NULL, *item = NULL;
	int err = 0;

	if (n > 8 && strcmp(unit + n - 8, ".service") == 0)
		n -= 8;
	if (!(name = cmdb__strndup(unit, n)) || !(attrs = json_pack("{s:s}", "unit", unit))) {
		err = cmdb__oom();
		goto done;
	}
	const char *names[2] = {host, name};
	/* A name no id can hold (too long once encoded) is skipped, not fatal. */
	if (cmdb_id_build(&id, "service", names, 2) < 0)
		goto done;
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(u, keys[i]);

		if (json_is_string(v) && json_object_set(attrs, keys[i], v) < 0) {
			err = cmdb__oom();
			goto done;
		}
	}
	/* argv is host output like any other: its secrets never reach an item. */
	if ((err = cmdb__redact_value(attrs, "exec", redactor)) < 0)
		goto done;
	if (!(item = json_pack("{s:s, s:s, s:s, s:O, s:{s:[s]}}", "type", "service", "name", name,
		      "source", "scan", "attributes", attrs, "relations", "runs_on", host_id)) ||
		json_object_set(items, id, item) < 0 || json_object_set(m->units, unit, item) < 0)
		err = cmdb__oom();
done:
	json_decref(item);
	json_decref(attrs);
	cmdb_free(id);
	free(name);
	return err;
}

static int map_pids(cmdb__svcmap *m, const json_t *units, const json_t *cgroups)
{
	const char *key;
	json_t *v;
	char pid[32];

	json_object_foreach((json_t *)units, key, v)
	{
		json_int_t p = json_integer_value(json_object_get(v, "main_pid"));

		snprintf(pid, sizeof(pid), "%lld", (long long)p);
		if (p > 0 && json_object_set_new(m->pids, pid, json_string(key)) < 0)
			return cmdb__oom();
	}
	json_object_foreach((json_t *)cgroups, key, v) if (json_is_string(v) &&
		json_object_set(m->pids, key, v) < 0) return cmdb__oom();
	return 0;
}

/* The service item owning a socket entry: by PID, else by process name == unit name. */
static json_t *owner(const cmdb__svcmap *m, const json_t *sock)
{
	char buf[300];
	json_int_t pid = json_integer_value(json_object_get(sock, "pid"));
	const char *proc = json_string_value(json_object_get(sock, "process"));
	const char *unit;

	snprintf(buf, sizeof(buf), "%lld", (long long)pid);
	if (pid > 0 && (unit = json_string_value(json_object_get(m->pids, buf))))
		return json_object_get(m->units, unit);
	if (proc && strlen(proc) < 200) {
		snprintf(buf, sizeof(buf), "%s.service", proc);
		return json_object_get(m->units, buf);
	}
	return NULL;
}

/* "ADDR:PORT" -> PORT (the text after the last ':'). */
static const char *port_of(const char *ep)
{
	const char *c = ep ? strrchr(ep, ':') : NULL;

	return c ? c + 1 : "";
}

/*
 * A loopback endpoint on an ephemeral port (Linux's default 32768-60999 range and
 * up) that no service owns: test servers, IDE and agent sockets that come and go.
 * Recording them would make every scan a change.
 */
static int transient(const char *addr_port)
{
	long port = strtol(port_of(addr_port), NULL, 10);

	return port >= 32768 &&
		(strncmp(addr_port, "127.", 4) == 0 || strncmp(addr_port, "[::1]:", 6) == 0);
}

static int assign(json_t *item, const char *key, json_t *fallback, const char *ep)
{
	json_t *attrs = json_object_get(item, "attributes"), *list;

	if (!item)
		return cmdb__append_unique(fallback, json_string(ep));
	if (!(list = json_object_get(attrs, key))) {
		if (!(list = json_array()) || json_object_set_new(attrs, key, list) < 0)
			return cmdb__oom();
	}
	return cmdb__append_unique(list, json_string(ep));
}

static int assign_sockets(cmdb__svcmap *m, const json_t *sockets, json_t *listen_ports)
{
	char ep[600];
	size_t i;
	json_t *s;
	int err;

	json_array_foreach(json_object_get(sockets, "listening"), i, s)
	{
		const char *proto = json_string_value(json_object_get(s, "proto"));
		const char *local = json_string_value(json_object_get(s, "local"));

		if (!proto || !local || strlen(local) > 500)
			continue;
		snprintf(ep, sizeof(ep), "%s:%s", proto, local);
		json_t *svc = owner(m, s);
		if ((svc || !transient(local)) &&
			(err = assign(svc, "listen", m->host_listen, ep)) < 0)
			return err;
		snprintf(ep, sizeof(ep), "%s:%s", proto, port_of(local));
		if (json_object_set_new(listen_ports, ep, json_true()) < 0)
			return cmdb__oom();
	}
	json_array_foreach(json_object_get(sockets, "established"), i, s)
	{
		const char *local = json_string_value(json_object_get(s, "local"));
		const char *peer = json_string_value(json_object_get(s, "peer"));

		if (!local || !peer || strlen(peer) > 500)
			continue;
		/* Inbound: the peer's port is ephemeral, and the listener already says it. */
		snprintf(ep, sizeof(ep), "tcp:%s", port_of(local));
		if (json_object_get(listen_ports, ep))
			continue;
		snprintf(ep, sizeof(ep), "tcp:%s", peer);
		json_t *svc = owner(m, s);
		if ((svc || !transient(peer)) &&
			(err = assign(svc, "connects", m->host_connects, ep)) < 0)
			return err;
	}
	return 0;
}

static int sort_lists(const cmdb__svcmap *m)
{
	const char *key;
	json_t *item;
	int err;

	json_object_foreach(m->units, key, item)
	{
		json_t *attrs = json_object_get(item, "attributes");

		if ((err = cmdb__sort_strings(json_object_get(attrs, "listen"))) < 0 ||
			(err = cmdb__sort_strings(json_object_get(attrs, "connects"))) < 0)
			return err;
	}
	if ((err = cmdb__sort_strings(m->host_listen)) < 0)
		return err;
	return cmdb__sort_strings(m->host_connects);
}

int cmdb__services_items(json_t *items, cmdb__svcmap *m, const char *host, const char *host_id,
	const json_t *facts, const cmdb_redactor *redactor)
{
	const json_t *units = json_object_get(json_object_get(facts, "services"), "units");
	const json_t *sockets = json_object_get(facts, "sockets");
	json_t *ports = json_object(), *u;
	const char *unit;
	int err = 0;

	if (!ports || !(m->units = json_object()) || !(m->pids = json_object()) ||
		!(m->host_listen = json_array()) || !(m->host_connects = json_array())) {
		err = cmdb__oom();
		goto done;
	}
	json_object_foreach((json_t *)units, unit, u) if (keep_unit(u) &&
		(err = service_item(items, m, host, host_id, unit, u, redactor)) < 0) goto done;
	if ((err = map_pids(m, units, json_object_get(sockets, "cgroups"))) < 0 ||
		(err = assign_sockets(m, sockets, ports)) < 0 || (err = sort_lists(m)) < 0)
		goto done;
done:
	json_decref(ports);
	return err;
}

int cmdb__host_sockets(json_t *attrs, const cmdb__svcmap *m)
{
	json_t *s;

	if (json_array_size(m->host_listen) == 0 && json_array_size(m->host_connects) == 0)
		return 0;
	if (!(s = json_object()))
		return cmdb__oom();
	if ((json_array_size(m->host_listen) &&
		    json_object_set(s, "listening", m->host_listen) < 0) ||
		(json_array_size(m->host_connects) &&
			json_object_set(s, "established", m->host_connects) < 0)) {
		json_decref(s);
		return cmdb__oom();
	}
	/* set_new takes s even when it fails. */
	if (json_object_set_new(attrs, "sockets", s) < 0)
		return cmdb__oom();
	return 0;
}
