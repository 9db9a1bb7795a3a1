/*
 * How a scan or an enrolment reaches each host: the host's own settings (filled from
 * ~/.ssh/config when the inventory says ssh_config: true) and the chain of jump hosts
 * its proxy_jump names, each hop a target of its own (an inventory host's settings, or
 * user@host:port with the host's user and key). The targets and the shared jump
 * sessions live as long as the route.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "scan/scan.h"

typedef struct node {
	struct node *next;
	cmdb_ssh_target t;
	cmdb_inventory_hop hop;
	cmdb_host filled; /* the host with ~/.ssh/config applied */
	char address[256], user[64], identity[1024], jump[1100];
} node;

struct cmdb__route {
	const cmdb_inventory *inv;
	cmdb_ssh_target base;
	cmdb_ssh_jumps *jumps;
	cmdb_ssh_config *config; /* ~/.ssh/config, when the inventory asks for it */
	node *nodes;
	pthread_mutex_t lock;
};

int cmdb__route_new(cmdb__route **out, const cmdb_inventory *inv, const cmdb_ssh_target *base)
{
	cmdb__route *r;
	int error;

	*out = NULL;
	if (!(r = cmdb__calloc(1, sizeof(*r))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	r->inv = inv;
	r->base = *base;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		cmdb_free(r);
		return cmdb__error(CMDB_ERROR, "cannot create the route's mutex");
	}
	if ((error = cmdb_ssh_jumps_new(&r->jumps, cmdb_inventory_jump_channels(inv))) < 0 ||
		(cmdb_inventory_ssh_config(inv) &&
			(error = cmdb_ssh_config_load(&r->config, NULL)) < 0)) {
		cmdb__route_free(r);
		return error;
	}
	*out = r;
	return 0;
}

void cmdb__route_free(cmdb__route *r)
{
	if (!r)
		return;
	cmdb_ssh_jumps_free(r->jumps); /* first: its threads use the targets below */
	cmdb_ssh_config_free(r->config);
	for (node *n = r->nodes, *next; n; n = next) {
		next = n->next;
		cmdb_free(n);
	}
	pthread_mutex_destroy(&r->lock);
	cmdb_free(r);
}

static node *new_node(cmdb__route *r)
{
	node *n = cmdb__calloc(1, sizeof(*n));

	if (n) {
		n->next = r->nodes;
		r->nodes = n;
		n->t = r->base;
		n->t.jumps = r->jumps;
		n->t.jump = NULL;
		n->t.known_as = NULL;
	}
	return n;
}

static int host_target(cmdb_ssh_target *t, cmdb__route *r, const cmdb_host *h, int depth);

/* ssh's tokens in IdentityFile: ~/, %d (home), %h (host name), %r (user), %%. */
static int expand(char *out, size_t size, const char *v, const char *host, const char *user)
{
	const char *home = getenv("HOME");
	size_t n = 0;

	if (!home)
		home = "";
	if (v[0] == '~' && v[1] == '/') {
		n = (size_t)snprintf(out, size, "%s", home);
		v++;
	}
	for (; *v && n + 1 < size; v++) {
		const char *add = NULL;
		if (*v == '%' && v[1]) {
			v++;
			add = *v == 'd' ? home : *v == 'h' ? host : *v == 'r' ? user : NULL;
			if (!add && *v != '%')
				return -1;
		}
		n += (size_t)snprintf(out + n, size - n, "%s", add ? add : (char[2]){*v, 0});
	}
	return n + 1 < size ? 0 : -1;
}

static int bad(const cmdb_host *h, const char *key, const char *v)
{
	return cmdb__error(CMDB_EINVALID,
		"~/.ssh/config: host %s: %s '%s' cannot be used (refused like the same value in "
		"inventory.yaml)",
		h->name, key, v);
}

/* f->filled: h with what ~/.ssh/config says for h->name where the inventory is silent. */
static int apply_config(node *f, const cmdb_ssh_config *cfg, const cmdb_host *h)
{
	cmdb_ssh_config_host c;
	cmdb_host *o = &f->filled;

	*o = *h;
	cmdb_ssh_config_lookup(&c, cfg, h->name);
	if (c.hostname && !(h->set & CMDB_HOST_SET_ADDRESS)) {
		if (expand(f->address, sizeof(f->address), c.hostname, h->name, "") < 0 ||
			!cmdb__inventory_valid(CMDB_HOST_SET_ADDRESS, f->address))
			return bad(h, "HostName", c.hostname);
		o->address = f->address;
	}
	if (c.port && !(h->set & CMDB_HOST_SET_PORT))
		o->port = c.port;
	if (c.user && !(h->set & CMDB_HOST_SET_USER)) {
		if (!cmdb__inventory_valid(CMDB_HOST_SET_USER, c.user))
			return bad(h, "User", c.user);
		snprintf(f->user, sizeof(f->user), "%s", c.user);
		o->user = f->user;
	}
	if (c.identity_file && !(h->set & CMDB_HOST_SET_IDENTITY)) {
		if (expand(f->identity, sizeof(f->identity), c.identity_file, o->address, o->user) <
				0 ||
			!cmdb__inventory_valid(CMDB_HOST_SET_IDENTITY, f->identity))
			return bad(h, "IdentityFile", c.identity_file);
		o->identity_file = f->identity;
	}
	if (c.proxy_jump && !(h->set & CMDB_HOST_SET_JUMP)) {
		snprintf(f->jump, sizeof(f->jump), "%s", c.proxy_jump);
		o->proxy_jump = f->jump;
	}
	return 0;
}

/* The last hop of proxy_jump list `spec`, its jump the hop before (the first hop's
 * own proxy_jump is followed when it is an inventory host). */
static int chain(const cmdb_ssh_target **out, cmdb__route *r, const cmdb_host *from,
	const char *spec, int depth)
{
	const cmdb_ssh_target *prev = NULL;
	int first = 1, error;

	if (depth > 8)
		return cmdb__error(CMDB_EINVALID, "host %s: over 8 jump hosts", from->name);
	while (spec && *spec) {
		size_t len = strcspn(spec, ",");
		node *n;
		if (!(n = new_node(r)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		if ((error = cmdb_inventory_hop_parse(&n->hop, r->inv, spec, len)) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", cmdb_error_last());
			return cmdb__error(error, "host %s: proxy_jump: %s", from->name, why);
		}
		if (n->hop.host) {
			if ((error = host_target(&n->t, r, n->hop.host, depth + 1)) < 0)
				return error;
			if (!first)
				n->t.jump = prev;
		} else {
			n->t.address = n->hop.address;
			n->t.port = n->hop.port ? n->hop.port : 22;
			n->t.user = n->hop.user[0] ? n->hop.user : from->user;
			n->t.identity_file = from->identity_file;
			n->t.passphrase_env = from->passphrase_env;
			n->t.jump = prev;
		}
		prev = &n->t;
		first = 0;
		spec += len + (spec[len] == ',');
	}
	*out = prev;
	return 0;
}

/* t for host h: its settings (ssh_config filled) and its jumps. */
static int host_target(cmdb_ssh_target *t, cmdb__route *r, const cmdb_host *h, int depth)
{
	const cmdb_host *e = h;
	node *f = NULL;
	int error;

	if (r->config) {
		if (!(f = new_node(r)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		if ((error = apply_config(f, r->config, h)) < 0)
			return error;
		e = &f->filled;
	}
	*t = r->base;
	t->jumps = r->jumps;
	t->known_as = NULL;
	t->address = e->address;
	t->port = e->port > 0 ? e->port : 22;
	t->user = e->user;
	t->identity_file = e->identity_file;
	t->passphrase_env = e->passphrase_env;
	t->jump = NULL;
	return e->proxy_jump ? chain(&t->jump, r, e, e->proxy_jump, depth) : 0;
}

int cmdb__route_target(cmdb_ssh_target *t, cmdb__route *r, const cmdb_host *h)
{
	int error;

	pthread_mutex_lock(&r->lock);
	error = host_target(t, r, h, 0);
	pthread_mutex_unlock(&r->lock);
	return error;
}

int cmdb__route_effective(cmdb_host *out, cmdb__route *r, const cmdb_host *h)
{
	if (!r->config) {
		*out = *h;
		return 0;
	}
	node *f;
	int error;

	pthread_mutex_lock(&r->lock);
	if (!(f = new_node(r)))
		error = cmdb__error(CMDB_ERROR, "out of memory");
	else if ((error = apply_config(f, r->config, h)) == 0)
		*out = f->filled;
	pthread_mutex_unlock(&r->lock);
	return error;
}

/* "user@host:port" ([v6] bracketed), as the SSH layer's messages name it */
static void where(char *out, size_t size, const cmdb_ssh_target *t)
{
	int v6 = strchr(t->address, ':') != NULL;

	snprintf(out, size, "%s@%s%s%s:%d", t->user ? t->user : "?", v6 ? "[" : "", t->address,
		v6 ? "]" : "", t->port ? t->port : 22);
}

/* hop and the hops before it, first reached first, into b */
static int hops(cmdb_buf *b, const cmdb_ssh_target *t, int depth)
{
	char w[300];
	int rc;

	if (!t || depth > 16)
		return 0;
	if ((rc = hops(b, t->jump, depth + 1)) < 0)
		return rc;
	where(w, sizeof(w), t);
	return cmdb__buf_printf(b, "%s%s", t->jump ? "," : "", w);
}

char *cmdb__route_describe(const cmdb_ssh_target *t)
{
	cmdb_buf b = CMDB_BUF_INIT((size_t)-1);
	char w[300], *out = NULL;

	where(w, sizeof(w), t);
	if (cmdb__buf_printf(&b, "%s", w) == 0 &&
		(!t->identity_file || cmdb__buf_printf(&b, " key %s", t->identity_file) == 0) &&
		(!t->jump || (cmdb__buf_printf(&b, " via ") == 0 && hops(&b, t->jump, 0) == 0)))
		out = cmdb__buf_detach(&b, NULL);
	cmdb__buf_dispose(&b);
	return out;
}

int cmdb__route_warnings(cmdb__route *r, json_t *report)
{
	json_t *list = json_object_get(report, "warnings");
	size_t n = cmdb_ssh_config_warning_count(r->config);

	if (!n)
		return 0;
	if (!list && json_object_set_new(report, "warnings", list = json_array()) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(
			    list, json_string(cmdb_ssh_config_warning(r->config, i))) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}
