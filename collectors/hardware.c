/*
 * hardware: /proc/cpuinfo (x86 and ARM layouts), MemTotal, machine-id, DMI and
 * virtualisation. Free memory and anything else that moves is never read.
 */
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

#define SOCKETS_MAX 1024

/* "key<blanks>: value" -> key, value (trimmed); -1 when there is no colon. */
static int key_value(cmdb__tok line, cmdb__tok *key, cmdb__tok *value)
{
	cmdb__tok kv[2];

	if (cmdb__split_char(kv, 2, line, ':') != 2)
		return -1;
	*key = cmdb__trim(kv[0]);
	*value = cmdb__trim(kv[1]);
	return 0;
}

static int parse_cpuinfo(json_t *hw, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, key, val, model = {0}, board = {0};
	cmdb__tok sockets[64];
	size_t nsock = 0;
	uint64_t cpus = 0;
	int err, hypervisor = 0;

	while (cmdb__line_next(&line, &pos, end)) {
		if (key_value(line, &key, &val) < 0)
			continue;
		if (cmdb__tok_eq(key, "processor")) {
			cpus++;
		} else if ((cmdb__tok_eq(key, "model name") || cmdb__tok_eq(key, "cpu model")) &&
			!model.len) {
			model = val;
		} else if ((cmdb__tok_eq(key, "Hardware") || cmdb__tok_eq(key, "Model")) &&
			!board.len) {
			board = val;
		} else if (cmdb__tok_eq(key, "physical id")) {
			size_t i;

			for (i = 0; i < nsock; i++)
				if (sockets[i].len == val.len &&
					memcmp(sockets[i].p, val.p, val.len) == 0)
					break;
			if (i == nsock && nsock < sizeof(sockets) / sizeof(sockets[0]))
				sockets[nsock++] = val;
		} else if (cmdb__tok_eq(key, "flags")) {
			/* A full cpuinfo (not the script's filtered one) carries the flag itself.
			 */
			cmdb__tok f[1];
			const char *p = val.p, *e = val.p + val.len;
			while (p < e) {
				cmdb__tok rest = {p, (size_t)(e - p)};
				if (!cmdb__split_ws(f, 1, rest))
					break;
				if (cmdb__tok_eq(f[0], "hypervisor"))
					hypervisor = 1;
				p = f[0].p + f[0].len;
			}
		}
	}
	if ((err = cmdb__set_tok(hw, "cpu_model", model.len ? model : board)) < 0)
		return err;
	if (cpus && (err = cmdb__set_int(hw, "cpus", cpus)) < 0)
		return err;
	if (nsock && (err = cmdb__set_int(hw, "sockets", nsock)) < 0)
		return err;
	if (hypervisor && !json_object_get(hw, "virtualization") &&
		(err = cmdb__set_tok(hw, "virtualization", (cmdb__tok){"vm", 2})) < 0)
		return err;
	return 0;
}

static int parse_meminfo(json_t *hw, const cmdb__block *b)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, key, val, t[2];
	uint64_t kb;

	while (cmdb__line_next(&line, &pos, end)) {
		if (key_value(line, &key, &val) < 0 || !cmdb__tok_eq(key, "MemTotal"))
			continue;
		if (cmdb__split_ws(t, 2, val) >= 1 && cmdb__tok_u64(&kb, t[0]) == 0)
			return cmdb__set_int(hw, "memory_mb", kb / 1024);
	}
	return 0;
}

static int parse_dmi(json_t *hw, const cmdb__block *b)
{
	static const struct {
		const char *key, *field;
	} map[] = {{"sys_vendor", "vendor"}, {"product_name", "product"},
		{"product_uuid", "dmi_uuid"}, {"product_serial", "serial"},
		{"bios_vendor", "bios_vendor"}, {"bios_version", "bios_version"}};
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, kv[2];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		if (cmdb__split_char(kv, 2, line, '=') != 2)
			continue;
		cmdb__tok v = cmdb__trim(kv[1]);
		/* Firmware placeholders identify nothing. */
		if (cmdb__tok_eq(v, "Not Specified") || cmdb__tok_eq(v, "To Be Filled By O.E.M.") ||
			cmdb__tok_eq(v, "Default string") || cmdb__tok_eq(v, "0"))
			continue;
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (cmdb__tok_eq(kv[0], map[i].key) &&
				(err = cmdb__set_tok(hw, map[i].field, v)) < 0)
				return err;
	}
	return 0;
}

static cmdb__tok first_word(const cmdb__block *b)
{
	const char *pos, *end;
	cmdb__tok line, t[1];

	if (!b)
		return (cmdb__tok){NULL, 0};
	pos = b->body;
	end = b->body + b->len;
	while (cmdb__line_next(&line, &pos, end))
		if (cmdb__split_ws(t, 1, line) == 1)
			return t[0];
	return (cmdb__tok){NULL, 0};
}

static int hardware_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *hw = json_object();
	const cmdb__block *b;
	cmdb__tok mid;
	int err = 0;

	*out = NULL;
	if (!hw)
		return cmdb__oom();
	if ((err = cmdb__set_tok(hw, "virtualization", first_word(cmdb__block_find(sec, "virt")))) <
		0)
		goto done;
	if (!json_object_get(hw, "virtualization") &&
		first_word(cmdb__block_find(sec, "hypervisor")).len &&
		(err = cmdb__set_tok(hw, "virtualization", (cmdb__tok){"vm", 2})) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "cpuinfo")) && (err = parse_cpuinfo(hw, b)) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "meminfo")) && (err = parse_meminfo(hw, b)) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "dmi")) && (err = parse_dmi(hw, b)) < 0)
		goto done;
	mid = first_word(cmdb__block_find(sec, "machine-id"));
	if (mid.len == 32) {
		if ((err = cmdb__set_tok(hw, "machine_id", mid)) < 0)
			goto done;
	} else if (mid.len) {
		cmdb__collect_warn(errors, "hardware", "machine-id is not 32 characters; ignored");
	}
	if (json_object_size(hw) == 0) {
		err = cmdb__error(CMDB_EINVALID, "no hardware facts in the section");
		goto done;
	}
	*out = hw;
	hw = NULL;
done:
	json_decref(hw);
	return err;
}

const cmdb_collector cmdb__collector_hardware = {
	"hardware", "collectors/hardware.sh", hardware_parse, 0};
