/*
 * Script assembly and output framing for the collectors (contract in
 * include/gitcmdb/collect.h): one script runs every enabled section; its output
 * is split back into sections and blocks, and each collector's parser turns its
 * section into facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/collect.h"
#include "collectors.h"
#include "util/alloc.h"
#include "util/asset.h"
#include "util/buf.h"
#include "util/error.h"

const cmdb_collector *const cmdb__collectors[] = {
	&cmdb__collector_os,
	&cmdb__collector_hardware,
	&cmdb__collector_network,
	&cmdb__collector_filesystems,
	&cmdb__collector_packages,
	&cmdb__collector_services,
	&cmdb__collector_sockets,
	&cmdb__collector_containers,
	&cmdb__collector_users,
	&cmdb__collector_files,
	NULL,
};

#define SCRIPT_MAX (1024u * 1024)
#define FILES_MAX 256
#define PATH_MAX_LEN 1024
#define BLOCKS_MAX 100000
#define FACTS_MIN (64 * 1024)
#define FACTS_MAX (64 * 1024 * 1024)

static const char *const default_files[] = {
	"/etc/ssh/sshd_config",
	"/etc/fstab",
	"/etc/hosts",
	"/etc/resolv.conf",
	"/etc/crontab",
	NULL,
};

/*
 * The prologue every script starts with. Sections run in a subshell with stdin
 * closed and stderr discarded; their stdout passes through gitcmdb_esc so a line
 * they print can never look like a frame ("@@..." becomes "@ @..."). sed does it
 * fast; a host without sed gets the same escaping from shell builtins only
 * (slower, but the frames must never depend on an optional tool).
 */
static const char prologue[] =
	"# gitcmdb collector script: read-only commands, never escalates, every command optional\n"
	"LC_ALL=C; export LC_ALL\n"
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH\n"
	"umask 077\n"
	"gitcmdb_has() { command -v \"$1\" >/dev/null 2>&1; }\n"
	"if gitcmdb_has timeout; then gitcmdb_t() { timeout \"$GITCMDB_TO\" \"$@\"; }\n"
	"else gitcmdb_t() { \"$@\"; }; fi\n"
	"if gitcmdb_has sed; then gitcmdb_esc() { sed 's/^@@/@ @/'; }\n"
	"else gitcmdb_esc() { while IFS= read -r gitcmdb_l || [ -n \"$gitcmdb_l\" ]; do\n"
	"\tcase $gitcmdb_l in @@*) printf '@ %s\\n' \"${gitcmdb_l#@}\" ;;\n"
	"\t*) printf '%s\\n' \"$gitcmdb_l\" ;; esac; done; }; fi\n"
	"gitcmdb_blk() { echo \"%% $*\"; }\n"
	"gitcmdb_cat() { while IFS= read -r gitcmdb_l || [ -n \"$gitcmdb_l\" ]; do"
	" printf '%s\\n' \"$gitcmdb_l\"; done <\"$1\"; }\n"
	"gitcmdb_run() {\n"
	"\techo \"@@gitcmdb-begin $1@@\"\n"
	"\tgitcmdb_rc=$( { { \"gitcmdb_s_$1\" </dev/null 2>/dev/null; echo \"$?\" >&3; } |"
	" gitcmdb_esc >&4; } 3>&1 )\n"
	"\techo \"@@gitcmdb-end $1 ${gitcmdb_rc:-255}@@\"\n"
	"}\n"
	"exec 4>&1\n"
	"echo '@@gitcmdb-collect 1@@'\n";

const cmdb_collector *cmdb__collector_find(const char *name)
{
	for (size_t i = 0; cmdb__collectors[i]; i++)
		if (strcmp(cmdb__collectors[i]->name, name) == 0)
			return cmdb__collectors[i];
	return NULL;
}

/* 1 if collector c is enabled by settings (all are by default). */
static int enabled(const json_t *settings, const cmdb_collector *c)
{
	const json_t *v = json_object_get(json_object_get(settings, "collectors"), c->name);

	return !v || json_is_true(v);
}

static int check_collector_settings(const json_t *settings)
{
	const json_t *coll = json_object_get(settings, "collectors");
	const char *name;
	json_t *v;

	if (coll && !json_is_object(coll))
		return cmdb__error(CMDB_EINVALID,
			"gitcmdb.yaml: collectors: expected a map of name: true|false");
	json_object_foreach((json_t *)coll, name, v)
	{
		if (!cmdb__collector_find(name))
			return cmdb__error(CMDB_EINVALID,
				"gitcmdb.yaml: collectors: unknown collector '%s'", name);
		if (!json_is_boolean(v))
			return cmdb__error(CMDB_EINVALID,
				"gitcmdb.yaml: collectors.%s: expected true or false", name);
	}
	return 0;
}

/*
 * A capture path must be absolute and made of plain bytes only: it is pasted
 * into a single-quoted shell string and later becomes part of a repository path.
 */
static int check_path(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/' || n > PATH_MAX_LEN || strstr(p, "/../") || strstr(p, "/./") ||
		strstr(p, "//") || (n >= 3 && strcmp(p + n - 3, "/..") == 0) ||
		(n >= 2 && strcmp(p + n - 2, "/.") == 0) || p[n - 1] == '/')
		return -1;
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr("/._-+@:", *c)))
			return -1;
	return 0;
}

/* The shadow password files (and their backups) are never captured. */
static int is_shadow(const char *p)
{
	static const char *const names[] = {
		"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", NULL};

	for (size_t i = 0; names[i]; i++)
		if (strcmp(p, names[i]) == 0)
			return 1;
	return 0;
}

static int emit_files(cmdb_buf *b, const json_t *settings)
{
	const json_t *files = json_object_get(settings, "files");
	int err = 0;

	if ((err = cmdb__buf_puts(b, "GITCMDB_FILES='")) < 0)
		return err;
	if (files) {
		size_t i;
		json_t *f;

		if (!json_is_array(files) || json_array_size(files) > FILES_MAX)
			return cmdb__error(CMDB_EINVALID,
				"gitcmdb.yaml: files: expected a list of at most %d absolute paths",
				FILES_MAX);
		json_array_foreach((json_t *)files, i, f)
		{
			if (!json_is_string(f) || check_path(json_string_value(f)) < 0)
				return cmdb__error(CMDB_EINVALID,
					"gitcmdb.yaml: files[%zu]: expected an absolute path of "
					"letters, digits and /._-+@: (no . or .. components)",
					i);
			if (is_shadow(json_string_value(f)))
				return cmdb__error(CMDB_EINVALID,
					"gitcmdb.yaml: files[%zu]: %s is never read (password "
					"hashes), "
					"with or without become",
					i, json_string_value(f));
			if ((err = cmdb__buf_printf(b, "%s\n", json_string_value(f))) < 0)
				return err;
		}
	} else {
		for (size_t i = 0; default_files[i]; i++)
			if ((err = cmdb__buf_printf(b, "%s\n", default_files[i])) < 0)
				return err;
	}
	return cmdb__buf_puts(b, "'\n");
}

static int int_setting(long long *out, const json_t *settings, const char *key, long long def,
	long long min, long long max)
{
	const json_t *v = json_object_get(settings, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return cmdb__error(CMDB_EINVALID,
			"gitcmdb.yaml: %s: expected an integer from %lld to %lld", key, min, max);
	*out = json_integer_value(v);
	return 0;
}

static int emit_section(cmdb_buf *b, const cmdb_collector *c)
{
	const cmdb__asset *a = cmdb__asset_find(c->asset);
	int err;

	if (!a)
		return cmdb__error(
			CMDB_ERROR, "collector %s: asset %s is not built in", c->name, c->asset);
	if ((err = cmdb__buf_printf(b, "gitcmdb_s_%s() (\n", c->name)) < 0 ||
		(err = cmdb__buf_put(b, a->data, *a->len)) < 0 ||
		(err = cmdb__buf_puts(b, "\n)\n")) < 0)
		return err;
	return 0;
}

/*
 * The driver after the section definitions. Every section's output goes through ONE awk
 * that escapes lines starting "@@" ("@ @"); the frame lines travel in the same stream,
 * prefixed by a nonce from the kernel that only the shell and that awk (in its
 * environment, readable by the scan's user alone) know, and the awk turns them into
 * frames. Without a nonce or an awk, each section passes through gitcmdb_run (one
 * gitcmdb_esc each), as before.
 */
static const char driver[] =
	"[ \"${GITCMDB_BECOME:-}\" = refused ] && echo '@@gitcmdb-note become-refused@@'\n"
	"gitcmdb_n=\n"
	"[ -r /proc/sys/kernel/random/uuid ] && read -r gitcmdb_n </proc/sys/kernel/random/uuid\n"
	"gitcmdb_all() {\n"
	"\tfor gitcmdb_s in $gitcmdb_list; do\n"
	"\t\techo \"${gitcmdb_n}@@gitcmdb-begin $gitcmdb_s@@\"\n"
	"\t\t\"gitcmdb_s_$gitcmdb_s\" </dev/null 2>/dev/null\n"
	"\t\techo \"${gitcmdb_n}@@gitcmdb-end $gitcmdb_s $?@@\"\n"
	"\tdone\n"
	"}\n"
	"if [ -n \"$gitcmdb_n\" ] && gitcmdb_has awk; then\n"
	"\tgitcmdb_all | GITCMDB_N=$gitcmdb_n awk '\n"
	"\tBEGIN { n = ENVIRON[\"GITCMDB_N\"]; k = length(n) }\n"
	"\tfunction e(s) { if (substr(s, 1, 2) == \"@@\") s = \"@ @\" substr(s, 3); print s }\n"
	"\t{ i = index($0, n); if (i == 0) { e($0); next }\n"
	"\t  if (i > 1) e(substr($0, 1, i - 1)); print substr($0, i + k) }'\n"
	"else\n"
	"\tfor gitcmdb_s in $gitcmdb_list; do gitcmdb_run \"$gitcmdb_s\"; done\n"
	"fi\n"
	"echo '@@gitcmdb-done@@'\n";

int cmdb_collect_script(char **out, const json_t *settings)
{
	cmdb_buf b = CMDB_BUF_INIT(SCRIPT_MAX);
	long long max_bytes, timeout;
	int err;

	*out = NULL;
	if (settings && !json_is_object(settings)) {
		err = cmdb__error(CMDB_EINVALID, "gitcmdb.yaml: expected a map");
		goto done;
	}
	if ((err = check_collector_settings(settings)) < 0 ||
		(err = int_setting(&max_bytes, settings, "facts_max_bytes",
			 CMDB_COLLECT_FACTS_MAX_DEFAULT, FACTS_MIN, FACTS_MAX)) < 0 ||
		(err = int_setting(&max_bytes, settings, "file_max_bytes",
			 CMDB_COLLECT_FILE_MAX_DEFAULT, 1, 16 * 1024 * 1024)) < 0 ||
		(err = int_setting(&timeout, settings, "command_timeout",
			 CMDB_COLLECT_TIMEOUT_DEFAULT, 1, 3600)) < 0)
		goto done;
	if ((err = cmdb__buf_puts(&b, prologue)) < 0 ||
		(err = cmdb__buf_printf(
			 &b, "GITCMDB_TO=%lld\nGITCMDB_FILE_MAX=%lld\n", timeout, max_bytes)) < 0 ||
		(err = emit_files(&b, settings)) < 0)
		goto done;
	for (size_t i = 0; cmdb__collectors[i]; i++)
		if (enabled(settings, cmdb__collectors[i]) &&
			(err = emit_section(&b, cmdb__collectors[i])) < 0)
			goto done;
	if ((err = cmdb__buf_puts(&b, "gitcmdb_list='")) < 0)
		goto done;
	for (size_t i = 0; cmdb__collectors[i]; i++)
		if (enabled(settings, cmdb__collectors[i]) &&
			(err = cmdb__buf_printf(&b, " %s", cmdb__collectors[i]->name)) < 0)
			goto done;
	if ((err = cmdb__buf_puts(&b, "'\n")) < 0 || (err = cmdb__buf_puts(&b, driver)) < 0)
		goto done;
	if (!(*out = cmdb__buf_detach(&b, NULL)))
		err = cmdb__oom();
done:
	cmdb__buf_dispose(&b);
	return err;
}

int cmdb_collect_names(json_t **out)
{
	json_t *arr = json_array();
	int err = 0;

	*out = NULL;
	for (size_t i = 0; arr && cmdb__collectors[i]; i++)
		if (json_array_append_new(arr, json_string(cmdb__collectors[i]->name)) < 0)
			break;
	if (!arr || json_array_size(arr) == 0) {
		json_decref(arr);
		return cmdb__oom();
	}
	*out = arr;
	return err;
}

/* Parsing: one state per collector of the table. */
typedef struct {
	cmdb__block *blocks;
	size_t nblocks, alloc;
	size_t bytes; /* of the section's body, for the facts limit */
	int rc, seen, ended;
} sect_state;

static int add_block(sect_state *s, const char *label, size_t label_len, const char *body)
{
	if (s->nblocks >= BLOCKS_MAX)
		return 1; /* over the cap: the caller reports it once */
	if (s->nblocks == s->alloc) {
		size_t want = s->alloc ? s->alloc * 2 : 16;
		cmdb__block *nb = cmdb__realloc(s->blocks, want * sizeof(*nb));

		if (!nb)
			return cmdb__oom();
		s->blocks = nb;
		s->alloc = want;
	}
	s->blocks[s->nblocks++] = (cmdb__block){label, label_len, body, 0};
	return 0;
}

static int add_error(json_t *errors, const char *section, const char *msg)
{
	json_t *e = json_pack(
		"{s:s, s:o*}", "section", section, "message", cmdb__jstr(msg, strlen(msg)));

	if (!e || json_array_append_new(errors, e) < 0)
		return cmdb__oom();
	return 0;
}

/* "@@gitcmdb-begin NAME@@" etc.: the name token of a frame line (after prefix). */
static int frame_arg(cmdb__tok line, const char *prefix, cmdb__tok *name, cmdb__tok *rest)
{
	cmdb__tok t;
	size_t n = strlen(prefix);

	if (!cmdb__tok_prefix(line, prefix) || line.len < n + 2 ||
		memcmp(line.p + line.len - 2, "@@", 2) != 0)
		return -1;
	t = (cmdb__tok){line.p + n, line.len - n - 2};
	cmdb__tok parts[2] = {{0}};
	size_t k = cmdb__split_char(parts, 2, t, ' ');
	*name = parts[0];
	*rest = k > 1 ? parts[1] : (cmdb__tok){NULL, 0};
	return 0;
}

typedef struct {
	sect_state st[16];
	sect_state *cur;
	int header, done, unframed, overflow;
	size_t facts_bytes, facts_max; /* in every section but files */
	json_t *errors;
} parse_ctx;

static int on_frame(parse_ctx *c, cmdb__tok line)
{
	cmdb__tok name, rest;
	char nm[64];
	const cmdb_collector *col;
	sect_state *s;

	if (cmdb__tok_eq(line, "@@gitcmdb-collect 1@@")) {
		c->header = 1;
		return 0;
	}
	if (cmdb__tok_eq(line, "@@gitcmdb-note become-refused@@")) {
		c->cur = NULL;
		return add_error(c->errors, "become",
			"sudo -n refused (no passwordless sudo for this user): collected without "
			"privilege");
	}
	if (cmdb__tok_eq(line, "@@gitcmdb-done@@")) {
		c->done = 1;
		c->cur = NULL;
		return 0;
	}
	if (frame_arg(line, "@@gitcmdb-begin ", &name, &rest) == 0 && name.len < sizeof(nm)) {
		memcpy(nm, name.p, name.len);
		nm[name.len] = '\0';
		c->cur = NULL;
		if (!(col = cmdb__collector_find(nm)))
			return add_error(c->errors, "script",
				"output has a section this version does not know; ignored");
		s = NULL;
		for (size_t i = 0; cmdb__collectors[i]; i++)
			if (cmdb__collectors[i] == col)
				s = &c->st[i];
		if (s->seen)
			return add_error(c->errors, col->name,
				"section appears twice; the second copy was ignored");
		s->seen = 1;
		c->cur = s;
		return 0;
	}
	if (frame_arg(line, "@@gitcmdb-end ", &name, &rest) == 0 && c->cur) {
		uint64_t rc = 255;

		cmdb__tok_u64(&rc, rest);
		c->cur->ended = 1;
		c->cur->rc = rc > 255 ? 255 : (int)rc;
		c->cur = NULL;
		return 0;
	}
	return add_error(c->errors, "script",
		"output has a frame line this version does not understand; ignored");
}

static size_t files_index(void)
{
	size_t i = 0;

	while (cmdb__collectors[i] && cmdb__collectors[i] != &cmdb__collector_files)
		i++;
	return i;
}

/* Stop at the limit: what is past it would only cost memory and time to refuse later. */
static int facts_too_big(parse_ctx *c)
{
	size_t big = 0;

	for (size_t i = 1; cmdb__collectors[i]; i++)
		if (c->st[i].bytes > c->st[big].bytes)
			big = i;
	return cmdb__error(CMDB_ETOOBIG,
		"the host's output holds more than %zu bytes of facts, the limit per host "
		"(facts_max_bytes in gitcmdb.yaml; captured files do not count), %zu of them "
		"in section %s so far; nothing was parsed",
		c->facts_max, c->st[big].bytes, cmdb__collectors[big]->name);
}

static int on_line(parse_ctx *c, cmdb__tok line, const char *next)
{
	int err;

	if (cmdb__tok_prefix(line, "@@gitcmdb-"))
		return on_frame(c, line);
	if (!c->cur) {
		if (line.len && !c->unframed++)
			return add_error(
				c->errors, "script", "output outside any section was ignored");
		return 0;
	}
	c->cur->bytes += line.len + 1;
	if (c->cur != &c->st[files_index()] && (c->facts_bytes += line.len + 1) > c->facts_max)
		return facts_too_big(c);
	if (cmdb__tok_prefix(line, "%% ")) {
		cmdb__tok label = cmdb__trim((cmdb__tok){line.p + 3, line.len - 3});

		if ((err = add_block(c->cur, label.p, label.len, next)) < 0)
			return err;
		if (err > 0 && !c->overflow++)
			return add_error(c->errors, "script",
				"too many blocks in one section; the rest was ignored");
		return 0;
	}
	/* Data before the first label belongs to an unlabelled block. */
	if (c->cur->nblocks == 0 && (err = add_block(c->cur, "", 0, line.p)) != 0)
		return err < 0 ? err : 0;
	c->cur->blocks[c->cur->nblocks - 1].len =
		(size_t)(next - c->cur->blocks[c->cur->nblocks - 1].body);
	return 0;
}

static int run_parsers(json_t *facts, parse_ctx *c, const json_t *settings)
{
	char msg[160];
	int err;

	for (size_t i = 0; cmdb__collectors[i]; i++) {
		const cmdb_collector *col = cmdb__collectors[i];
		sect_state *s = &c->st[i];
		cmdb__section sec = {col->name, s->blocks, s->nblocks, s->rc};
		json_t *out = NULL;

		if (!s->seen) {
			if (enabled(settings, col) && !col->optional &&
				(err = add_error(c->errors, col->name,
					 c->done ? "section missing from the output"
						 : "section missing: the output is incomplete")) <
					0)
				return err;
			continue;
		}
		if (!s->ended &&
			(err = add_error(c->errors, col->name,
				 "section truncated (no end marker); what arrived was kept")) < 0)
			return err;
		cmdb_error_clear();
		if ((err = col->parse(&out, &sec, c->errors)) < 0) {
			if (err != CMDB_EINVALID)
				return err;
			snprintf(msg, sizeof(msg), "%s", cmdb_error_last());
			if ((err = add_error(c->errors, col->name, msg)) < 0)
				return err;
			continue;
		}
		if (json_object_set_new(facts, col->name, out) < 0)
			return cmdb__oom();
	}
	return 0;
}

int cmdb_collect_parse(json_t **facts, const char *output, size_t len, const json_t *settings)
{
	parse_ctx c;
	json_t *f = NULL;
	const char *pos = output, *end = output + len;
	cmdb__tok line;
	long long max;
	int err;

	*facts = NULL;
	memset(&c, 0, sizeof(c));
	if ((err = check_collector_settings(settings)) < 0 ||
		(err = int_setting(&max, settings, "facts_max_bytes",
			 CMDB_COLLECT_FACTS_MAX_DEFAULT, FACTS_MIN, FACTS_MAX)) < 0)
		goto done;
	c.facts_max = (size_t)max;
	if (!(f = json_object()) || !(c.errors = json_array()) ||
		json_object_set(f, "errors", c.errors) < 0) {
		err = cmdb__oom();
		goto done;
	}
	while (cmdb__line_next(&line, &pos, end))
		if ((err = on_line(&c, line, pos)) < 0)
			goto done;
	if (!c.header &&
		(err = add_error(
			 c.errors, "script", "not gitcmdb collector output (no header line)")) < 0)
		goto done;
	if (!c.done &&
		(err = add_error(c.errors, "script",
			 "output incomplete (no final marker): the scan was cut short")) < 0)
		goto done;
	if ((err = run_parsers(f, &c, settings)) < 0)
		goto done;
	*facts = f;
	f = NULL;
done:
	for (size_t i = 0; i < sizeof(c.st) / sizeof(c.st[0]); i++)
		free(c.st[i].blocks);
	json_decref(c.errors);
	json_decref(f);
	return err;
}

int cmdb_collect_parse_until(json_t **facts, const char *output, size_t len, const json_t *settings,
	uint64_t deadline_ms)
{
	int err;

	cmdb__parse_deadline_ms = deadline_ms;
	err = cmdb_collect_parse(facts, output, len, settings);
	if (err == 0 && cmdb__past_deadline()) {
		json_decref(*facts);
		*facts = NULL;
		err = cmdb__error(CMDB_ETIMEOUT,
			"the host's deadline passed while its output was parsed (%zu bytes); "
			"nothing of it was kept",
			len);
	}
	cmdb__parse_deadline_ms = 0;
	return err;
}
