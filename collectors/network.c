/*
 * network: `ip addr show` (iproute2 and busybox print the same layout), default
 * routes from `ip route` / `ip -6 route`, and resolvers from /etc/resolv.conf.
 * Link state, temporary IPv6 addresses and veth pairs come and go; they are left out.
 */
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define TOKS 24

/* A link-layer address: hex pairs joined by ':' (Ethernet, InfiniBand, ...). */
static int mac_ok(cmdb__tok t)
{
	if (t.len < 5 || t.len > 59 || t.len % 3 != 2)
		return 0;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.p[i];

		if (i % 3 == 2 ? c != ':'
			       : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
					 (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* "2: eth0: <...> mtu 1500 ..." starts an interface; returns its object or NULL. */
static int start_iface(json_t *ifs, json_t **cur, cmdb__tok *t, size_t n)
{
	cmdb__tok name;
	json_t *o;
	uint64_t mtu;

	*cur = NULL;
	if (n < 2 || t[0].len < 2 || t[0].p[t[0].len - 1] != ':' || t[1].len < 2 ||
		t[1].p[t[1].len - 1] != ':')
		return 1;
	name = (cmdb__tok){t[1].p, t[1].len - 1};
	/* "macvlan0@eth0" is the interface macvlan0 on eth0. */
	for (size_t i = 0; i < name.len; i++)
		if (name.p[i] == '@')
			name.len = i;
	if (name.len == 0 || name.len > 64)
		return 1;
	if (cmdb__tok_prefix(name, "veth"))
		return 0;
	if (cmdb__obj_set(ifs, name, o = json_object()) < 0)
		return cmdb__oom();
	for (size_t i = 2; i + 1 < n; i++)
		if (cmdb__tok_eq(t[i], "mtu") && cmdb__tok_u64(&mtu, t[i + 1]) == 0 &&
			cmdb__set_int(o, "mtu", mtu) < 0)
			return cmdb__oom();
	*cur = o;
	return 0;
}

static int add_address(json_t *iface, cmdb__tok *t, size_t n)
{
	json_t *list = json_object_get(iface, "addresses");

	for (size_t i = 2; i < n; i++)
		if (cmdb__tok_eq(t[i], "temporary") || cmdb__tok_eq(t[i], "tentative"))
			return 0;
	if (!list && (!(list = json_array()) || json_object_set_new(iface, "addresses", list) < 0))
		return cmdb__oom();
	return cmdb__append_unique(list, cmdb__jtok(t[1]));
}

static int parse_addr(json_t *net, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *ifs = json_object(), *cur = NULL;
	cmdb__tok line, t[TOKS];
	int err = 0;

	if (!ifs || json_object_set_new(net, "interfaces", ifs) < 0)
		return cmdb__oom();
	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, TOKS, line);

		if (n == 0)
			continue;
		if (line.p[0] != ' ' && line.p[0] != '\t') {
			if ((err = start_iface(ifs, &cur, t, n)) < 0)
				return err;
			*bad += err;
			continue;
		}
		if (!cur || n < 2)
			continue;
		if (cmdb__tok_prefix(t[0], "link/")) {
			if (mac_ok(t[1]) && (err = cmdb__set_tok(cur, "mac", t[1])) < 0)
				return err;
		} else if ((cmdb__tok_eq(t[0], "inet") || cmdb__tok_eq(t[0], "inet6")) &&
			(err = add_address(cur, t, n)) < 0) {
			return err;
		}
	}
	return 0;
}

/* "IF MAC MTU" lines the script reads from /sys/class/net when there is no `ip`. */
static int parse_sysfs(json_t *net, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *ifs = json_object_get(net, "interfaces"), *o;
	cmdb__tok line, t[4];
	uint64_t mtu;

	if (!ifs && (!(ifs = json_object()) || json_object_set_new(net, "interfaces", ifs) < 0))
		return cmdb__oom();
	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 4, line);

		if (n == 0)
			continue;
		if (n > 3 || n < 2 || t[0].len > 64 || cmdb__tok_u64(&mtu, t[n - 1]) < 0) {
			(*bad)++;
			continue;
		}
		if (cmdb__tok_prefix(t[0], "veth"))
			continue;
		if (cmdb__obj_set(ifs, t[0], o = json_object()) < 0 ||
			cmdb__set_int(o, "mtu", mtu) < 0 ||
			(n == 3 && mac_ok(t[1]) && cmdb__set_tok(o, "mac", t[1]) < 0))
			return cmdb__oom();
	}
	return 0;
}

/* "default via GW dev IF ..." -> "default via GW dev IF". */
static int parse_routes(json_t *routes, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, t[TOKS];
	char buf[300];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, TOKS, line), len = 0;

		if (n == 0 || !cmdb__tok_eq(t[0], "default"))
			continue;
		memcpy(buf, "default", 7);
		len = 7;
		for (size_t i = 1; i + 1 < n; i += 2) {
			if (!cmdb__tok_eq(t[i], "via") && !cmdb__tok_eq(t[i], "dev"))
				continue;
			if (len + t[i].len + t[i + 1].len + 2 >= sizeof(buf))
				break;
			buf[len++] = ' ';
			memcpy(buf + len, t[i].p, t[i].len);
			len += t[i].len;
			buf[len++] = ' ';
			memcpy(buf + len, t[i + 1].p, t[i + 1].len);
			len += t[i + 1].len;
		}
		if ((err = cmdb__append_unique(routes, cmdb__jstr(buf, len))) < 0)
			return err;
	}
	return 0;
}

static int parse_resolv(json_t *net, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *dns = json_array(), *search = json_array();
	cmdb__tok line, t[8];
	int err = 0;

	if (!dns || !search) {
		err = cmdb__oom();
		goto done;
	}
	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 8, line);

		if (n >= 2 && cmdb__tok_eq(t[0], "nameserver")) {
			if ((err = cmdb__append_unique(dns, cmdb__jtok(t[1]))) < 0)
				goto done;
		} else if (n >= 2 &&
			(cmdb__tok_eq(t[0], "search") || cmdb__tok_eq(t[0], "domain"))) {
			for (size_t i = 1; i < n; i++)
				if ((err = cmdb__append_unique(search, cmdb__jtok(t[i]))) < 0)
					goto done;
		}
	}
	if ((json_array_size(dns) && json_object_set(net, "dns", dns) < 0) ||
		(json_array_size(search) && json_object_set(net, "search", search) < 0))
		err = cmdb__oom();
done:
	json_decref(dns);
	json_decref(search);
	return err;
}

static int network_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *net = json_object(), *routes = json_array();
	const cmdb__block *b;
	int err = 0, bad = 0;

	*out = NULL;
	if (!net || !routes) {
		err = cmdb__oom();
		goto done;
	}
	if ((b = cmdb__block_find(sec, "ip-addr")) && (err = parse_addr(net, b, &bad)) < 0)
		goto done;
	if (!b && (b = cmdb__block_find(sec, "sysfs-net")) && (err = parse_sysfs(net, b, &bad)) < 0)
		goto done;
	if (bad)
		cmdb__collect_warn(
			errors, "network", "ip addr: %d unreadable interface line(s) skipped", bad);
	if (((b = cmdb__block_find(sec, "ip-route")) && (err = parse_routes(routes, b)) < 0) ||
		((b = cmdb__block_find(sec, "ip6-route")) && (err = parse_routes(routes, b)) < 0))
		goto done;
	if (json_array_size(routes) && json_object_set(net, "routes", routes) < 0) {
		err = cmdb__oom();
		goto done;
	}
	if ((b = cmdb__block_find(sec, "resolv.conf")) && (err = parse_resolv(net, b)) < 0)
		goto done;
	if (json_object_size(json_object_get(net, "interfaces")) == 0 &&
		!json_object_get(net, "dns")) {
		err = cmdb__error(CMDB_EINVALID, "no interfaces or resolvers in the section");
		goto done;
	}
	*out = net;
	net = NULL;
done:
	json_decref(net);
	json_decref(routes);
	return err;
}

const cmdb_collector cmdb__collector_network = {
	"network", "collectors/network.sh", network_parse, 0};
