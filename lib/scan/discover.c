/*
 * Dependency discovery: an established TCP connection from one host to an
 * address and port is matched against the addresses and listeners of every
 * known host, giving `connects_to` from the connecting service (or host, when
 * the process is unknown) to the listening service (or host).
 *
 * Two rules keep it honest: an address claimed by more than one host (docker
 * bridges, VIPs, duplicates) proves nothing and is ignored; a connection is
 * only read as outgoing when its local port is not one the source listens on,
 * so the server side of a connection never draws an edge back to its client
 * (the collectors already record only outbound connections; this is the second
 * line of defence for entries that carry their local side).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "scan/scan.h"

struct cmdb__net {
	json_t *owner; /* address -> host name, or "" when several hosts claim it */
	json_t *listeners; /* host -> {port: [[addr, id], ...]} */
};

int cmdb__net_new(cmdb__net **out)
{
	cmdb__net *net = cmdb__calloc(1, sizeof(*net));

	*out = NULL;
	if (!net || !(net->owner = json_object()) || !(net->listeners = json_object())) {
		cmdb__net_free(net);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	*out = net;
	return 0;
}

void cmdb__net_free(cmdb__net *net)
{
	if (!net)
		return;
	json_decref(net->owner);
	json_decref(net->listeners);
	free(net);
}

static int is_any(const char *a)
{
	return !*a || strcmp(a, "*") == 0;
}

static int is_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 || strcmp(a, "localhost") == 0;
}

int cmdb__net_parse_endpoint(char *addr, size_t addr_size, int *port, const char *text)
{
	const char *s = text, *arrow, *colon, *a, *e;
	char *end;
	long p;
	size_t n;

	if (!s)
		return CMDB_EINVALID;
	if ((arrow = strstr(s, "->")))
		s = arrow + 2;
	if (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp:", 4) == 0)
		s += 4;
	else if (strncmp(s, "tcp6:", 5) == 0 || strncmp(s, "udp6:", 5) == 0)
		s += 5;
	if (!(colon = strrchr(s, ':')))
		return CMDB_EINVALID;
	if (strcmp(colon + 1, "*") == 0) {
		p = 0;
	} else {
		p = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || p < 0 || p > 65535)
			return CMDB_EINVALID;
	}
	a = s;
	e = colon;
	if (*a == '[' && e > a && e[-1] == ']') {
		a++;
		e--;
	}
	if (e - a > 7 && strncmp(a, "::ffff:", 7) == 0 && memchr(a + 7, '.', (size_t)(e - a - 7)))
		a += 7;
	n = (size_t)(e - a);
	if (memchr(a, '%', n))
		n = (size_t)((const char *)memchr(a, '%', n) - a);
	if (n + 1 > addr_size)
		return CMDB_EINVALID;
	memcpy(addr, a, n);
	addr[n] = '\0';
	if (strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0 || strcmp(addr, "*") == 0)
		strcpy(addr, "*");
	*port = (int)p;
	return 0;
}

/* The remote endpoint text of a connection entry (a string or an object). */
static const char *conn_remote(const json_t *c)
{
	static const char *const keys[] = {"remote", "peer", "dst", NULL};

	if (json_is_string(c))
		return json_string_value(c);
	for (size_t i = 0; keys[i]; i++)
		if (json_is_string(json_object_get(c, keys[i])))
			return json_string_value(json_object_get(c, keys[i]));
	return NULL;
}

/* The local endpoint of a connection entry when it has one ("L->R" or {"local": ...}). */
static int conn_local_port(const json_t *c)
{
	char addr[128], *copy;
	const char *s = json_string_value(c), *arrow;
	int port = -1;

	if (!s) {
		s = json_string_value(json_object_get(c, "local"));
		if (s && cmdb__net_parse_endpoint(addr, sizeof(addr), &port, s) < 0)
			port = -1;
		return port;
	}
	if (!(arrow = strstr(s, "->")) || !(copy = cmdb__strndup(s, (size_t)(arrow - s))))
		return -1;
	if (cmdb__net_parse_endpoint(addr, sizeof(addr), &port, copy) < 0)
		port = -1;
	free(copy);
	return port;
}

static int claim_address(cmdb__net *net, const char *host, const char *cidr)
{
	char addr[128];
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	const char *prev;

	if (n == 0 || n >= sizeof(addr))
		return 0;
	memcpy(addr, cidr, n);
	addr[n] = '\0';
	if (is_loopback(addr) || strncmp(addr, "fe80:", 5) == 0)
		return 0;
	prev = json_string_value(json_object_get(net->owner, addr));
	if (prev && strcmp(prev, host) == 0)
		return 0;
	if (json_object_set_new(net->owner, addr, json_string(prev ? "" : host)) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static int add_listener(json_t *ports, const char *endpoint, const char *id)
{
	char addr[128], key[16];
	int port;
	json_t *list, *pair;

	if (cmdb__net_parse_endpoint(addr, sizeof(addr), &port, endpoint) < 0 || port == 0)
		return 0;
	snprintf(key, sizeof(key), "%d", port);
	if (!(list = json_object_get(ports, key))) {
		if (json_object_set_new(ports, key, list = json_array()) < 0 || !list)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	pair = json_pack("[ss]", addr, id);
	if (!pair || json_array_append_new(list, pair) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

static const json_t *attr(const json_t *item, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(item, "attributes"), a);

	return b ? json_object_get(v, b) : v;
}

static int is_type(const json_t *item, const char *type)
{
	const char *t = json_string_value(json_object_get(item, "type"));

	return t && strcmp(t, type) == 0;
}

int cmdb__net_add_host(cmdb__net *net, const char *host, const json_t *items)
{
	json_t *ports = json_object();
	const char *id;
	json_t *item;
	int rc = 0;

	if (!ports || json_object_set_new(net->listeners, host, ports) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)items, id, item)
	{
		size_t i;
		json_t *v;
		const json_t *list = NULL;

		if (is_type(item, "host")) {
			const char *ifname;
			json_t *iface;

			json_object_foreach((json_t *)attr(item, "network", "interfaces"), ifname,
				iface) json_array_foreach(json_object_get(iface, "addresses"), i,
				v) if (rc == 0 && json_is_string(v)) rc =
				claim_address(net, host, json_string_value(v));
			list = attr(item, "sockets", "listening");
		} else if (is_type(item, "service") || is_type(item, "container")) {
			list = attr(item, "listen", NULL);
		}
		json_array_foreach(list, i, v)
		{
			const char *ep = json_is_string(v)
				? json_string_value(v)
				: json_string_value(json_object_get(v, "local"));

			if (rc == 0 && ep)
				rc = add_listener(ports, ep, id);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The item listening on host:port for addr ("*" = on any address): a service if
 * one matches, else a host-level one.
 */
static const char *find_listener(const cmdb__net *net, const char *host, int port, const char *addr)
{
	char key[16];
	const json_t *list;
	const char *fallback = NULL;
	size_t i;
	json_t *pair;

	snprintf(key, sizeof(key), "%d", port);
	list = json_object_get(json_object_get(net->listeners, host), key);
	json_array_foreach(list, i, pair)
	{
		const char *la = json_string_value(json_array_get(pair, 0));
		const char *id = json_string_value(json_array_get(pair, 1));

		if (!is_any(addr) && !is_any(la) && strcmp(la, addr) != 0 &&
			!(is_loopback(la) && is_loopback(addr)))
			continue;
		if (strncmp(id, "service/", 8) == 0 || strncmp(id, "container/", 10) == 0)
			return id;
		fallback = id;
	}
	return fallback;
}

static int add_target(json_t *out, const char *src, const char *dst)
{
	json_t *arr = json_object_get(out, src);
	size_t i;
	json_t *v;

	if (!arr && (json_object_set_new(out, src, arr = json_array()) < 0 || !arr))
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), dst) == 0) return 0;
	return json_array_append_new(arr, json_string(dst)) < 0
		? cmdb__error(CMDB_ERROR, "out of memory")
		: 0;
}

/* Resolve one connection of item src (on host) to a target id, or NULL. */
static const char *resolve_one(const cmdb__net *net, const char *host, const char *src,
	const json_t *conn, char *hostid, size_t hostid_size)
{
	char addr[128];
	const char *remote = conn_remote(conn), *target_host, *listener;
	int port, local = conn_local_port(conn);
	int outgoing;

	if (!remote || cmdb__net_parse_endpoint(addr, sizeof(addr), &port, remote) < 0 || port == 0)
		return NULL;
	if (is_loopback(addr)) {
		target_host = host;
	} else {
		target_host = json_string_value(json_object_get(net->owner, addr));
		if (!target_host || !*target_host)
			return NULL;
	}
	/*
	 * The server side of a connection: its local port is one the source listens on.
	 * Entries without a local side are outbound by the collectors' contract.
	 */
	outgoing = local <= 0 || !find_listener(net, host, local, "*");
	if (!outgoing)
		return NULL;
	listener = find_listener(net, target_host, port, addr);
	if (!listener) {
		if (!outgoing || strcmp(target_host, host) == 0)
			return NULL;
		snprintf(hostid, hostid_size, "host/%s", target_host);
		listener = hostid;
	}
	if (strcmp(listener, src) == 0 ||
		(strcmp(target_host, host) == 0 && strncmp(listener, "host/", 5) == 0))
		return NULL;
	return listener;
}

static int sort_arrays(json_t *out)
{
	const char *k;
	json_t *arr;

	json_object_foreach(out, k, arr) if (cmdb__scan_sort_unique(arr) < 0) return CMDB_ERROR;
	return 0;
}

int cmdb__net_resolve(json_t **out, const cmdb__net *net, const char *host, const json_t *items)
{
	json_t *res = json_object();
	const char *id;
	json_t *item;
	char hostid[512];
	int rc = 0;

	*out = NULL;
	if (!res)
		return cmdb__error(CMDB_ERROR, "out of memory");
	json_object_foreach((json_t *)items, id, item)
	{
		const json_t *conns = is_type(item, "service") ? attr(item, "connects", NULL)
			: is_type(item, "host") ? attr(item, "sockets", "established")
						: NULL;
		size_t i;
		json_t *c;

		json_array_foreach(conns, i, c)
		{
			const char *dst = resolve_one(net, host, id, c, hostid, sizeof(hostid));

			if (dst && (rc = add_target(res, id, dst)) < 0)
				goto done;
		}
	}
	if ((rc = sort_arrays(res)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	json_decref(res);
	return rc;
}
