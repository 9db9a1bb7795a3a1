/*
 * sockets: `ss -Htlnup` / `ss -Htnp state established` (iproute2) or busybox
 * `netstat -tulnp` / `netstat -tnp`, and /proc/PID/cgroup of the owning
 * processes. PIDs stay in the facts only to find the service; never written.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define TOKS 12
#define EP_MAX 300

/* "[::ffff:10.0.0.5]:5432" -> "10.0.0.5:5432"; netstat's ":::22" -> "[::]:22". */
static cmdb__tok endpoint(char *buf, cmdb__tok t)
{
	static const char mapped[] = "[::ffff:";
	const char *colon = NULL;

	if (t.len >= EP_MAX)
		return (cmdb__tok){NULL, 0};
	if (cmdb__tok_prefix(t, mapped) && memchr(t.p, '.', t.len)) {
		size_t n = 0;

		for (size_t i = sizeof(mapped) - 1; i < t.len; i++)
			if (t.p[i] != ']')
				buf[n++] = t.p[i];
		return (cmdb__tok){buf, n};
	}
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] == ':')
			colon = t.p + i;
	if (!colon || t.p[0] == '[' || memchr(t.p, ':', (size_t)(colon - t.p)) == NULL)
		return t;
	/* An IPv6 address without brackets (netstat): bracket it like ss does. */
	size_t a = (size_t)(colon - t.p);
	int n = snprintf(buf, EP_MAX, "[%.*s]%.*s", (int)a, t.p, (int)(t.len - a), colon);
	return (cmdb__tok){buf, n > 0 && n < EP_MAX ? (size_t)n : 0};
}

/* users:(("nginx",pid=1234,fd=6),...) or netstat's "1234/nginx": the first process. */
static int set_process(json_t *o, cmdb__tok t)
{
	uint64_t pid;
	const char *p, *e = t.p + t.len;

	if (cmdb__tok_prefix(t, "users:((\"")) {
		const char *name = t.p + 9, *q = memchr(name, '"', (size_t)(e - name));

		if (!q || q == name)
			return 0;
		if (cmdb__set_tok(o, "process", (cmdb__tok){name, (size_t)(q - name)}) < 0)
			return cmdb__oom();
		for (p = q; p + 4 < e && memcmp(p, "pid=", 4) != 0; p++)
			;
		if (p + 4 < e) {
			const char *d = p + 4, *de = d;

			while (de < e && *de >= '0' && *de <= '9')
				de++;
			if (cmdb__tok_u64(&pid, (cmdb__tok){d, (size_t)(de - d)}) == 0 &&
				cmdb__set_int(o, "pid", pid) < 0)
				return cmdb__oom();
		}
		return 0;
	}
	if ((p = memchr(t.p, '/', t.len)) &&
		cmdb__tok_u64(&pid, (cmdb__tok){t.p, (size_t)(p - t.p)}) == 0) {
		if (cmdb__set_int(o, "pid", pid) < 0 ||
			cmdb__set_tok(o, "process", (cmdb__tok){p + 1, (size_t)(e - p - 1)}) < 0)
			return cmdb__oom();
	}
	return 0;
}

/* "ADDR:PORT" with a numeric (or "*") port and a non-empty address. */
static int endpoint_ok(cmdb__tok t)
{
	size_t c = t.len;

	while (c > 0 && t.p[c - 1] != ':')
		c--;
	if (c < 2 || c == t.len)
		return 0;
	if (t.len - c == 1 && t.p[c] == '*')
		return 1;
	for (size_t i = c; i < t.len; i++)
		if (t.p[i] < '0' || t.p[i] > '9')
			return 0;
	return 1;
}

static int is_proto(cmdb__tok t)
{
	return cmdb__tok_prefix(t, "tcp") || cmdb__tok_prefix(t, "udp");
}

static int is_count(cmdb__tok t)
{
	uint64_t v;

	return cmdb__tok_u64(&v, t) == 0;
}

/*
 * One line of ss or netstat: [proto] [state] recvq sendq local peer [state] [process].
 * Header lines fail the shape test and are skipped silently.
 */
static int parse_line(json_t *list, cmdb__tok line, int established, int *bad)
{
	cmdb__tok t[TOKS], proto = {"tcp", 3};
	char lb[EP_MAX], pb[EP_MAX];
	size_t n = cmdb__split_ws(t, TOKS, line), i = 0;
	json_t *o;

	if (n == 0)
		return 0;
	if (is_proto(t[0])) {
		proto = (cmdb__tok){t[0].p, 3};
		i++;
	} else if (!is_count(t[0])) {
		return 0; /* a header such as "Netid State ..." or "Active Internet connections" */
	}
	if (i < n && !is_count(t[i]))
		i++; /* ss state column */
	if (i + 4 > n || !is_count(t[i]) || !is_count(t[i + 1])) {
		(*bad)++;
		return 0;
	}
	cmdb__tok local = endpoint(lb, t[i + 2]), peer = endpoint(pb, t[i + 3]);
	if (!endpoint_ok(local) || !endpoint_ok(peer)) {
		(*bad)++;
		return 0;
	}
	if (!(o = json_object()) || cmdb__set_tok(o, "proto", proto) < 0 ||
		cmdb__set_tok(o, "local", local) < 0 ||
		(established && cmdb__set_tok(o, "peer", peer) < 0)) {
		json_decref(o);
		return cmdb__oom();
	}
	for (size_t k = i + 4; k < n; k++) {
		/* A process name may hold blanks: hand over the rest of the line. */
		cmdb__tok rest = {t[k].p, (size_t)(line.p + line.len - t[k].p)};

		if (cmdb__tok_prefix(t[k], "users:((")
				? set_process(o, rest) < 0
				: memchr(t[k].p, '/', t[k].len) && set_process(o, t[k]) < 0) {
			json_decref(o);
			return cmdb__oom();
		}
	}
	if (json_array_append_new(list, o) < 0)
		return cmdb__oom();
	return 0;
}

static int parse_list(
	json_t *facts, const char *key, const cmdb__block *b, int established, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *list = json_array();
	cmdb__tok line;
	int err;

	if (!list || json_object_set_new(facts, key, list) < 0)
		return cmdb__oom();
	while (cmdb__line_next(&line, &pos, end))
		if ((err = parse_line(list, line, established, bad)) < 0)
			return err;
	return 0;
}

/*
 * The service a cgroup line names: systemd "…/nginx.service" (the last such
 * component, so user sessions and scopes do not count) or OpenRC "openrc.sshd" /
 * "name=openrc:/sshd".
 */
static cmdb__tok cgroup_unit(cmdb__tok line)
{
	cmdb__tok best = {NULL, 0};
	const char *p = line.p, *e = line.p + line.len;

	for (const char *s = p; s < e;) {
		const char *slash = memchr(s, '/', (size_t)(e - s));
		cmdb__tok c = {s, (size_t)((slash ? slash : e) - s)};

		if (c.len > 8 && memcmp(c.p + c.len - 8, ".service", 8) == 0)
			best = c;
		else if (cmdb__tok_prefix(c, "openrc.") && c.len > 7)
			best = (cmdb__tok){c.p + 7, c.len - 7};
		s = slash ? slash + 1 : e;
	}
	if (!best.len && line.len > 14) {
		for (const char *s = p; s + 13 <= e; s++)
			if (memcmp(s, "name=openrc:/", 13) == 0 && s + 13 < e)
				best = (cmdb__tok){s + 13, (size_t)(e - s - 13)};
	}
	return best;
}

static int parse_cgroups(json_t *facts, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *map = json_object();
	cmdb__tok line, pid = {NULL, 0}, t[2];
	uint64_t v;

	if (!map || json_object_set_new(facts, "cgroups", map) < 0)
		return cmdb__oom();
	while (cmdb__line_next(&line, &pos, end)) {
		if (cmdb__split_ws(t, 2, line) == 2 && cmdb__tok_eq(t[0], "pid")) {
			pid = cmdb__tok_u64(&v, t[1]) == 0 ? t[1] : (cmdb__tok){NULL, 0};
			continue;
		}
		cmdb__tok unit = cgroup_unit(line);
		if (pid.len && unit.len && unit.len <= 256 &&
			cmdb__obj_set(map, pid, cmdb__jtok(unit)) < 0)
			return cmdb__oom();
	}
	return 0;
}

static int hexval(char c)
{
	return (c >= '0' && c <= '9')    ? c - '0'
		: (c >= 'A' && c <= 'F') ? c - 'A' + 10
		: (c >= 'a' && c <= 'f') ? c - 'a' + 10
					 : -1;
}

/*
 * /proc/net/tcp "0100007F:0016" (IPv4, or 32 hex digits of IPv6; the address in
 * host-order 32-bit words, little-endian here) -> "127.0.0.1:22" / "[::1]:22".
 */
static int proc_endpoint(char *buf, size_t cap, cmdb__tok t)
{
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	size_t alen;
	unsigned port = 0;

	if (t.len == 13 && t.p[8] == ':')
		alen = 4;
	else if (t.len == 37 && t.p[32] == ':')
		alen = 16;
	else
		return -1;
	for (size_t i = 0; i < alen; i++) {
		int hi = hexval(t.p[2 * i]), lo = hexval(t.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		/* Byte i of each 32-bit word is stored at the mirrored place within the word. */
		addr[(i / 4) * 4 + (3 - i % 4)] = (unsigned char)(hi << 4 | lo);
	}
	for (size_t i = 2 * alen + 1; i < t.len; i++) {
		int v = hexval(t.p[i]);

		if (v < 0)
			return -1;
		port = port * 16 + (unsigned)v;
	}
	if (!inet_ntop(alen == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)))
		return -1;
	return snprintf(buf, cap, alen == 4 ? "%s:%u" : "[%s]:%u", text, port) < (int)cap ? 0 : -1;
}

/* Lines of /proc/net/{tcp,udp}[6]: listening (TCP 0A, UDP 07) and established (TCP 01). */
static int parse_proc(json_t *facts, const cmdb__block *b, const char *proto, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *lists[2];
	cmdb__tok line, t[5];
	char lb[EP_MAX], pb[EP_MAX];
	int udp = strcmp(proto, "udp") == 0;

	for (int i = 0; i < 2; i++) {
		const char *key = i ? "established" : "listening";

		if (!(lists[i] = json_object_get(facts, key)) &&
			(!(lists[i] = json_array()) ||
				json_object_set_new(facts, key, lists[i]) < 0))
			return cmdb__oom();
	}
	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 5, line);
		int listening, established;
		json_t *o;

		if (n < 4 || cmdb__tok_eq(t[0], "sl"))
			continue;
		if (proc_endpoint(lb, sizeof(lb), t[1]) < 0 ||
			proc_endpoint(pb, sizeof(pb), t[2]) < 0) {
			(*bad)++;
			continue;
		}
		listening = cmdb__tok_eq(t[3], udp ? "07" : "0A");
		established = !udp && cmdb__tok_eq(t[3], "01");
		if (!listening && !established)
			continue;
		if (!(o = json_pack("{s:s, s:s}", "proto", proto, "local", lb)))
			return cmdb__oom();
		if (established && json_object_set_new(o, "peer", json_string(pb)) < 0) {
			json_decref(o);
			return cmdb__oom();
		}
		if (json_array_append_new(lists[established], o) < 0)
			return cmdb__oom();
	}
	return 0;
}

static int parse_proc_tables(json_t *facts, const cmdb__section *sec, int *bad, int *found)
{
	static const struct {
		const char *label, *proto;
	} tables[] = {{"proc-net-tcp", "tcp"}, {"proc-net-tcp6", "tcp"}, {"proc-net-udp", "udp"},
		{"proc-net-udp6", "udp"}};
	int err;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		const cmdb__block *b = cmdb__block_find(sec, tables[i].label);

		if (!b)
			continue;
		*found = 1;
		if ((err = parse_proc(facts, b, tables[i].proto, bad)) < 0)
			return err;
	}
	return 0;
}

static int sockets_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *facts = json_object();
	const cmdb__block *l, *e, *c;
	int err = 0, bad = 0;

	*out = NULL;
	if (!facts)
		return cmdb__oom();
	l = cmdb__block_find(sec, "ss-listen");
	e = cmdb__block_find(sec, "ss-established");
	if (!l && !e) {
		l = cmdb__block_find(sec, "netstat-listen");
		e = cmdb__block_find(sec, "netstat-established");
	}
	if (!l && !e) {
		int found = 0;

		if ((err = parse_proc_tables(facts, sec, &bad, &found)) < 0)
			goto done;
		if (!found) {
			err = cmdb__error(
				CMDB_EINVALID, "no ss, netstat or /proc/net output in the section");
			goto done;
		}
	}
	if ((l && (err = parse_list(facts, "listening", l, 0, &bad)) < 0) ||
		(e && (err = parse_list(facts, "established", e, 1, &bad)) < 0))
		goto done;
	if ((c = cmdb__block_find(sec, "cgroups")) && (err = parse_cgroups(facts, c)) < 0)
		goto done;
	if (bad)
		cmdb__collect_warn(errors, "sockets", "%d unreadable socket line(s) skipped", bad);
	*out = facts;
	facts = NULL;
done:
	json_decref(facts);
	return err;
}

const cmdb_collector cmdb__collector_sockets = {
	"sockets", "collectors/sockets.sh", sockets_parse, 0};
