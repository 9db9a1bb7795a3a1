/*
 * proxy_jump in inventory.yaml: one hop ("bastion", "ops@gw:2222", "[2001:db8::1]:22")
 * parsed and checked like the inventory's own values, and a host's chain of jumps
 * walked so that a loop is refused before anything connects.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/inventory.h"
#include "scan/scan.h"

/* "[user@]address[:port]" after the user part: address and port into out. */
static int hop_address(cmdb_inventory_hop *out, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n), *end = p + n, *port = NULL;
	size_t alen = n;

	if (n && p[0] == '[') { /* [v6] or [v6]:port */
		const char *close = memchr(p, ']', n);
		if (!close)
			return cmdb__error(CMDB_EINVALID, "an unclosed '[' in the address");
		port = close + 1 < end ? close + 1 : NULL;
		if (port && *port != ':')
			return cmdb__error(CMDB_EINVALID, "':' must follow ']'");
		p++;
		alen = (size_t)(close - p);
		port = port ? port + 1 : NULL;
	} else if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
		alen = (size_t)(colon - p); /* one colon: host:port; more: an IPv6 literal */
		port = colon + 1;
	}
	if (alen == 0 || alen >= sizeof(out->address))
		return cmdb__error(CMDB_EINVALID, "no address or an address too long");
	memcpy(out->address, p, alen);
	out->address[alen] = '\0';
	if (!cmdb__inventory_valid(CMDB_HOST_SET_ADDRESS, out->address))
		return cmdb__error(CMDB_EINVALID,
			"'%s' is not an inventory host nor a host name or IP address",
			out->address);
	if (port) {
		char *e;
		long v = strtol(port, &e, 10);
		if (e != end || port == end || v < 1 || v > 65535)
			return cmdb__error(CMDB_EINVALID, "the port must be an integer 1-65535");
		out->port = (int)v;
	}
	return 0;
}

int cmdb_inventory_hop_parse(
	cmdb_inventory_hop *out, const cmdb_inventory *inv, const char *text, size_t len)
{
	const char *at;
	char name[CMDB_ID_COMPONENT_MAX + 1];

	memset(out, 0, sizeof(*out));
	while (len && isspace((unsigned char)*text))
		text++, len--;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return cmdb__error(CMDB_EINVALID, "an empty jump host name");
	if (len < sizeof(name)) {
		memcpy(name, text, len);
		name[len] = '\0';
		if ((out->host = cmdb_inventory_find(inv, name)))
			return 0;
	}
	if ((at = memchr(text, '@', len))) {
		size_t ulen = (size_t)(at - text);
		if (ulen == 0 || ulen >= sizeof(out->user))
			return cmdb__error(CMDB_EINVALID, "a bad user before '@'");
		memcpy(out->user, text, ulen);
		out->user[ulen] = '\0';
		if (!cmdb__inventory_valid(CMDB_HOST_SET_USER, out->user))
			return cmdb__error(CMDB_EINVALID, "'%s' is not a user name", out->user);
		len -= ulen + 1;
		text = at + 1;
	}
	return hop_address(out, text, len);
}

/* The chain of jumps of h never comes back to a host it left (the first hop's own
 * proxy_jump is followed), and every hop parses. */
int cmdb__inventory_walk_jumps(
	const cmdb_inventory *inv, const cmdb_host *h, const cmdb_host **seen, size_t depth)
{
	const char *p = h->proxy_jump;
	int first = 1, error;

	if (depth >= 8)
		return cmdb__error(CMDB_EINVALID, "a chain of over 8 jump hosts (a loop?)");
	seen[depth] = h;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		cmdb_inventory_hop hop;
		if ((error = cmdb_inventory_hop_parse(&hop, inv, p, n)) < 0)
			return error;
		for (size_t i = 0; hop.host && i <= depth; i++)
			if (seen[i] == hop.host)
				return cmdb__error(CMDB_EINVALID,
					"jumps through %s, which loops back", hop.host->name);
		if (first && hop.host && hop.host->proxy_jump &&
			(error = cmdb__inventory_walk_jumps(inv, hop.host, seen, depth + 1)) < 0)
			return error;
		first = 0;
		p += n + (p[n] == ',');
	}
	return 0;
}
