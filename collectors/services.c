/*
 * services: `systemctl show` records (Id, ActiveState, UnitFileState, ExecStart,
 * MainPID, FragmentPath) with the owning package from dpkg-query -S / rpm -qf,
 * or OpenRC's `rc-status -a`. MainPID is kept in the facts only to map sockets
 * to services; it is volatile and lib/normalise never writes it.
 */
#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define UNIT_LEN_MAX 256

/* ExecStart "{ path=... ; argv[]=CMD ARGS ; ignore_errors=no ; start_time=... }" -> "CMD ARGS". */
static cmdb__tok exec_argv(cmdb__tok v)
{
	static const char start[] = "argv[]=", stop[] = " ; ignore_errors=";
	const char *p = v.p, *e;

	if (v.len == 0)
		return v;
	e = v.p + v.len;
	for (; p + sizeof(start) - 1 <= e; p++)
		if (memcmp(p, start, sizeof(start) - 1) == 0)
			break;
	if (p + sizeof(start) - 1 > e)
		return (cmdb__tok){NULL, 0};
	p += sizeof(start) - 1;
	for (const char *q = p; q + sizeof(stop) - 1 <= e; q++)
		if (memcmp(q, stop, sizeof(stop) - 1) == 0)
			return cmdb__trim((cmdb__tok){p, (size_t)(q - p)});
	return cmdb__trim((cmdb__tok){p, (size_t)(e - p)});
}

/* One record's properties; id empty when the record had none. */
typedef struct {
	cmdb__tok id, active, enabled, exec, pid, frag;
} unit_rec;

static int flush_unit(json_t *units, const unit_rec *r, int *bad)
{
	json_t *o;
	uint64_t pid;

	if (r->id.len == 0)
		return 0;
	if (r->id.len > UNIT_LEN_MAX) {
		(*bad)++;
		return 0;
	}
	if (!(o = json_object()) || cmdb__set_tok(o, "state", r->active) < 0 ||
		cmdb__set_tok(o, "enabled", r->enabled) < 0 ||
		cmdb__set_tok(o, "exec", exec_argv(r->exec)) < 0 ||
		cmdb__set_tok(o, "fragment", r->frag) < 0 ||
		(cmdb__tok_u64(&pid, r->pid) == 0 && pid > 0 &&
			cmdb__set_int(o, "main_pid", pid) < 0)) {
		json_decref(o);
		return cmdb__oom();
	}
	return cmdb__obj_set(units, r->id, o);
}

static int parse_show(json_t *units, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, kv[2];
	unit_rec r;
	int err;

	memset(&r, 0, sizeof(r));
	for (;;) {
		int more = cmdb__line_next(&line, &pos, end);

		if (!more || line.len == 0) {
			if ((err = flush_unit(units, &r, bad)) < 0)
				return err;
			memset(&r, 0, sizeof(r));
			if (!more)
				break;
			continue;
		}
		if (cmdb__split_char(kv, 2, line, '=') != 2)
			continue;
		if (cmdb__tok_eq(kv[0], "Id"))
			r.id = kv[1];
		else if (cmdb__tok_eq(kv[0], "ActiveState"))
			r.active = kv[1];
		else if (cmdb__tok_eq(kv[0], "UnitFileState"))
			r.enabled = kv[1];
		else if (cmdb__tok_eq(kv[0], "ExecStart") && !r.exec.len)
			r.exec = kv[1];
		else if (cmdb__tok_eq(kv[0], "MainPID"))
			r.pid = kv[1];
		else if (cmdb__tok_eq(kv[0], "FragmentPath"))
			r.frag = kv[1];
	}
	return 0;
}

/* "pkg[:arch][, other]: /path" lines -> units[*].package where fragment == path. */
static int parse_owners(json_t *units, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	json_t *by_frag = json_object(), *u;
	cmdb__tok line;
	const char *name;
	int err = 0;

	if (!by_frag)
		return cmdb__oom();
	/* fragment path -> units (template instances share one), so each owner line is one lookup.
	 */
	json_object_foreach(units, name, u)
	{
		const char *frag = json_string_value(json_object_get(u, "fragment"));
		json_t *list;

		if (!frag)
			continue;
		if (!(list = json_object_get(by_frag, frag)) &&
			(!(list = json_array()) || json_object_set_new(by_frag, frag, list) < 0)) {
			err = cmdb__oom();
			goto done;
		}
		if (json_array_append(list, u) < 0) {
			err = cmdb__oom();
			goto done;
		}
	}
	while (cmdb__line_next(&line, &pos, end)) {
		size_t i;
		char *key;

		for (i = 0; i + 1 < line.len; i++)
			if (line.p[i] == ':' && line.p[i + 1] == ' ')
				break;
		if (i + 1 >= line.len)
			continue;
		cmdb__tok pkg = {line.p, i},
			  path = cmdb__trim((cmdb__tok){line.p + i + 2, line.len - i - 2});
		for (size_t k = 0; k < pkg.len; k++)
			if (pkg.p[k] == ',' || pkg.p[k] == ':' || pkg.p[k] == ' ')
				pkg.len = k;
		if (pkg.len == 0 || path.len == 0)
			continue;
		if (!(key = cmdb__sanitize(path.p, path.len))) {
			err = cmdb__oom();
			goto done;
		}
		json_t *list = json_object_get(by_frag, key);
		size_t k;

		free(key);
		json_array_foreach(
			list, k, u) if ((err = cmdb__set_tok(u, "package", pkg)) < 0) goto done;
	}
done:
	json_decref(by_frag);
	return err;
}

static const char *openrc_state(cmdb__tok s)
{
	static const char *const map[][2] = {{"started", "active"}, {"starting", "activating"},
		{"stopping", "deactivating"}, {"crashed", "failed"}, {"stopped", "inactive"}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cmdb__tok_eq(s, map[i][0]))
			return map[i][1];
	return NULL;
}

/* "Runlevel: X" (enabled) or "Dynamic Runlevel: X" (not), then " name [ state ]" lines. */
static int parse_openrc(json_t *units, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, t[6];
	int in_runlevel = 0, err;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 6, line);
		json_t *o;

		if (n == 0)
			continue;
		if (cmdb__tok_eq(t[0], "Runlevel:") || (n > 1 && cmdb__tok_eq(t[1], "Runlevel:"))) {
			in_runlevel = cmdb__tok_eq(t[0], "Runlevel:");
			continue;
		}
		if (n < 4 || !cmdb__tok_eq(t[1], "[") || !cmdb__tok_eq(t[n - 1], "]") ||
			t[0].len > UNIT_LEN_MAX) {
			(*bad)++;
			continue;
		}
		const char *state = openrc_state(t[2]);
		char *key = cmdb__sanitize(t[0].p, t[0].len);
		if (!key)
			return cmdb__oom();
		o = json_object_get(units, key);
		free(key);
		if (!o && (err = cmdb__obj_set(units, t[0], o = json_object())) < 0)
			return err;
		if (in_runlevel &&
			(err = cmdb__set_tok(o, "enabled", (cmdb__tok){"enabled", 7})) < 0)
			return err;
		if (!in_runlevel && !json_object_get(o, "enabled") &&
			(err = cmdb__set_tok(o, "enabled", (cmdb__tok){"disabled", 8})) < 0)
			return err;
		if ((err = state ? cmdb__set_tok(o, "state", (cmdb__tok){state, strlen(state)})
				 : cmdb__set_tok(o, "state", t[2])) < 0)
			return err;
	}
	return 0;
}

static int services_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *units = json_object(), *facts = NULL;
	const cmdb__block *b;
	const char *manager = NULL;
	int err = 0, bad = 0;

	*out = NULL;
	if (!units)
		return cmdb__oom();
	if ((b = cmdb__block_find(sec, "systemd-show"))) {
		manager = "systemd";
		if ((err = parse_show(units, b, &bad)) < 0)
			goto done;
		if (((b = cmdb__block_find(sec, "dpkg-owner")) ||
			    (b = cmdb__block_find(sec, "rpm-owner"))) &&
			(err = parse_owners(units, b)) < 0)
			goto done;
	} else if ((b = cmdb__block_find(sec, "openrc"))) {
		manager = "openrc";
		if ((err = parse_openrc(units, b, &bad)) < 0)
			goto done;
	}
	if (bad)
		cmdb__collect_warn(
			errors, "services", "%d unreadable service line(s) skipped", bad);
	/* An empty section is a host without a service manager (a container); blocks nobody knows
	 * are garbage. */
	if (!manager && sec->nblocks > 0 && !cmdb__block_find(sec, "systemd-units")) {
		err = cmdb__error(CMDB_EINVALID,
			"no service manager output (systemd or OpenRC) in the section");
		goto done;
	}
	if (!(facts = json_pack("{s:s*, s:O}", "manager", manager, "units", units))) {
		err = cmdb__oom();
		goto done;
	}
	*out = facts;
done:
	json_decref(units);
	return err;
}

const cmdb_collector cmdb__collector_services = {
	"services", "collectors/services.sh", services_parse, 0};
