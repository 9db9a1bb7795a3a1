/*
 * ~/.ssh/config, the parts a scan uses (see gitcmdb/ssh_config.h). Every line becomes
 * an entry under the block (Host or Match) it was read in; an Include'd file's blocks
 * nest under the block of its Include line, so a lookup takes an entry only when its
 * block and every enclosing one match, first value wins, as ssh does.
 */
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "util/glob.h"
#include "gitcmdb/ssh_config.h"

#define MAX_DEPTH 16
#define MAX_BYTES (4u * 1024 * 1024)

typedef struct block {
	struct block *parent;
	char **pats; /* Host patterns; NULL pats with never=0 matches all */
	size_t n;
	int never; /* a Match we do not run */
} block;

struct cmdb_ssh_config {
	block **blocks;
	size_t nblocks;
	json_t *entries; /* [[block index, key, value]] */
	json_t *warnings;
	char *home;
	size_t files;
};

typedef struct {
	cmdb_ssh_config *cfg;
	const char *name;
	const char *dir;
	int line;
} pctx;

static int parse_text(cmdb_ssh_config *cfg, const char *buf, size_t len, const char *name,
	const char *dir, block *parent, int depth);

static void free_block(block *b)
{
	for (size_t i = 0; b && i < b->n; i++)
		cmdb_free(b->pats[i]);
	if (b)
		cmdb_free(b->pats);
	cmdb_free(b);
}

void cmdb_ssh_config_free(cmdb_ssh_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nblocks; i++)
		free_block(cfg->blocks[i]);
	cmdb_free(cfg->blocks);
	json_decref(cfg->entries);
	json_decref(cfg->warnings);
	cmdb_free(cfg->home);
	cmdb_free(cfg);
}

static int oom(void)
{
	return cmdb__error(CMDB_ERROR, "out of memory");
}

/* A new block under parent; its index into *idx. */
static block *add_block(cmdb_ssh_config *cfg, block *parent)
{
	block *b = cmdb__calloc(1, sizeof(*b)), **bs;

	if (!b)
		return NULL;
	if (!(bs = cmdb__realloc(cfg->blocks, (cfg->nblocks + 1) * sizeof(*bs)))) {
		cmdb_free(b);
		return NULL;
	}
	cfg->blocks = bs;
	bs[cfg->nblocks++] = b;
	b->parent = parent;
	return b;
}

static size_t block_index(const cmdb_ssh_config *cfg, const block *b)
{
	for (size_t i = 0; i < cfg->nblocks; i++)
		if (cfg->blocks[i] == b)
			return i;
	return 0;
}

/* The next word of *p (quotes removed; one "=" may end a key: "Port=22"); NULL at the end. */
static int word_of(const pctx *c, char **p, char **word, int key)
{
	char *s = *p, *o;

	while (*s == ' ' || *s == '\t' || (*s == '=' && !key))
		s++;
	*word = NULL;
	if (!*s)
		return 0;
	*word = o = s;
	while (*s && *s != ' ' && *s != '\t' && !(key && *s == '=')) {
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				*o++ = *s;
			if (*s != '"')
				return cmdb__error(CMDB_EINVALID, "%s:%d: an unclosed quote",
					c->name, c->line);
			s++;
			continue;
		}
		*o++ = *s++;
	}
	if (*s)
		s++;
	*o = '\0';
	*p = s;
	return 0;
}

static int next_word(const pctx *c, char **p, char **word)
{
	return word_of(c, p, word, 0);
}

static int warn(const pctx *c, const char *what)
{
	json_t *w = json_sprintf("%s:%d: %s", c->name, c->line, what);

	return w && json_array_append_new(c->cfg->warnings, w) == 0 ? 0 : oom();
}

/* "Host a b !c" or "Match ...": the block the next lines belong to. */
static int open_block(const pctx *c, char *rest, int is_match, block *parent, block **cur)
{
	block *b = add_block(c->cfg, parent);
	char *w;
	int error;

	if (!b)
		return oom();
	*cur = b;
	if (is_match) {
		if ((error = next_word(c, &rest, &w)) < 0)
			return error;
		if (w && !strcasecmp(w, "all"))
			return 0;
		if (w && !strcasecmp(w, "host") && (error = next_word(c, &rest, &w)) == 0 && w) {
			for (char *p = strtok(w, ","); p; p = strtok(NULL, ","))
				if (!(b->pats = cmdb__realloc(
					      b->pats, (b->n + 1) * sizeof(char *))) ||
					!(b->pats[b->n++] = cmdb__strdup(p)))
					return oom();
			if (next_word(c, &rest, &w) == 0 && !w)
				return 0;
		}
		b->never = 1;
		return warn(c,
			w && !strcasecmp(w, "exec")
				? "Match exec is never run by gitcmdb; the block is skipped"
				: "Match criteria other than 'all' and 'host' are not supported; "
				  "the "
				  "block is skipped");
	}
	for (;;) {
		if ((error = next_word(c, &rest, &w)) < 0)
			return error;
		if (!w)
			break;
		if (!(b->pats = cmdb__realloc(b->pats, (b->n + 1) * sizeof(char *))) ||
			!(b->pats[b->n++] = cmdb__strdup(w)))
			return oom();
	}
	if (!b->n)
		return cmdb__error(
			CMDB_EINVALID, "%s:%d: Host without a pattern", c->name, c->line);
	return 0;
}

/* "~/x" -> home + "/x"; relative Include paths start in dir. */
static char *include_path(const pctx *c, const char *w)
{
	if (w[0] == '~' && w[1] == '/')
		return cmdb__sprintf("%s%s", c->cfg->home, w + 1);
	if (w[0] == '/')
		return cmdb__strdup(w);
	return cmdb__sprintf("%s/%s", c->dir, w);
}

static int include(const pctx *c, char *rest, block *cur, int depth)
{
	char *w, *path = NULL;
	glob_t g;
	int error = 0;

	if (depth >= MAX_DEPTH)
		return cmdb__error(CMDB_EINVALID, "%s:%d: Include nested over %d deep", c->name,
			c->line, MAX_DEPTH);
	while (error == 0 && (error = next_word(c, &rest, &w)) == 0 && w) {
		memset(&g, 0, sizeof(g));
		if (!(path = include_path(c, w)))
			return oom();
		if (glob(path, 0, NULL, &g) == 0)
			for (size_t i = 0; error == 0 && i < g.gl_pathc; i++) {
				char *buf = NULL;
				size_t len = 0;
				if (cmdb__file_read(&buf, &len, g.gl_pathv[i], MAX_BYTES, 0) < 0) {
					error = cmdb__error(CMDB_EINVALID, "%s:%d: Include %s: %s",
						c->name, c->line, g.gl_pathv[i], cmdb_error_last());
					break;
				}
				error = parse_text(
					c->cfg, buf, len, g.gl_pathv[i], c->dir, cur, depth + 1);
				free(buf);
			}
		globfree(&g);
		cmdb_free(path);
	}
	return error;
}

static int known_key(const char *k)
{
	static const char *const keys[] = {
		"hostname", "port", "user", "identityfile", "proxyjump", NULL};

	for (size_t i = 0; keys[i]; i++)
		if (!strcasecmp(keys[i], k))
			return 1;
	return 0;
}

static int entry(const pctx *c, block *cur, char *key, char *rest)
{
	char *v, lower[32];
	int error;

	if ((error = next_word(c, &rest, &v)) < 0)
		return error;
	if (!v || !*v)
		return cmdb__error(
			CMDB_EINVALID, "%s:%d: %s without a value", c->name, c->line, key);
	if (!known_key(key))
		return 0;
	for (size_t i = 0; i < sizeof(lower) - 1 && (lower[i] = (char)tolower(key[i])); i++)
		lower[i + 1] = '\0';
	if (!strcmp(lower, "port")) {
		char *e;
		long p = strtol(v, &e, 10);
		if (*e || p < 1 || p > 65535)
			return cmdb__error(
				CMDB_EINVALID, "%s:%d: Port must be 1-65535", c->name, c->line);
	}
	if (json_array_append_new(c->cfg->entries,
		    json_pack("[iss]", (int)block_index(c->cfg, cur), lower, v)) < 0)
		return oom();
	return 0;
}

static int parse_line(const pctx *c, char *line, block *parent, block **cur, int depth)
{
	char *key, *rest = line;
	int error;

	if ((error = word_of(c, &rest, &key, 1)) < 0 || !key || key[0] == '#')
		return error;
	if (!strcasecmp(key, "Host") || !strcasecmp(key, "Match"))
		return open_block(c, rest, !strcasecmp(key, "Match"), parent, cur);
	if (!strcasecmp(key, "Include"))
		return include(c, rest, *cur, depth);
	return entry(c, *cur, key, rest);
}

static int parse_text(cmdb_ssh_config *cfg, const char *buf, size_t len, const char *name,
	const char *dir, block *parent, int depth)
{
	pctx c = {cfg, name, dir, 0};
	block *cur = add_block(cfg, parent); /* lines before any Host: every host */
	char *copy = NULL, *save = NULL, *line;
	int error = 0;

	if (!cur || !(copy = cmdb__malloc(len + 1)))
		return oom();
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (memchr(buf, '\0', len)) {
		cmdb_free(copy);
		return cmdb__error(CMDB_EINVALID, "%s: a NUL byte (not a text file)", name);
	}
	for (char *p = copy; error == 0 && p; p = save) {
		line = p;
		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		c.line++;
		for (char *q = line; *q; q++)
			if (*q == '\r' || (unsigned char)*q < 0x20)
				*q = *q == '\t' ? '\t' : ' ';
		error = parse_line(&c, line, parent, &cur, depth);
	}
	cmdb_free(copy);
	return error;
}

int cmdb_ssh_config_parse(cmdb_ssh_config **out, const char *buf, size_t len, const char *name,
	const char *include_dir)
{
	cmdb_ssh_config *cfg = NULL;
	const char *home = getenv("HOME");
	char *dir = NULL;
	int error;

	*out = NULL;
	if (!(cfg = cmdb__calloc(1, sizeof(*cfg))) || !(cfg->entries = json_array()) ||
		!(cfg->warnings = json_array()) || !(cfg->home = cmdb__strdup(home ? home : "/")) ||
		!(dir = include_dir ? cmdb__strdup(include_dir)
				    : cmdb__sprintf("%s/.ssh", cfg->home))) {
		cmdb_ssh_config_free(cfg);
		return oom();
	}
	error = parse_text(cfg, buf, len, name ? name : "ssh_config", dir, NULL, 0);
	cmdb_free(dir);
	if (error < 0)
		cmdb_ssh_config_free(cfg);
	else
		*out = cfg;
	return error;
}

int cmdb_ssh_config_load(cmdb_ssh_config **out, const char *path)
{
	char *buf = NULL, *def = NULL, *dir = NULL, *slash;
	const char *home = getenv("HOME");
	size_t len = 0;
	int error;

	*out = NULL;
	if (!path && !(path = def = cmdb__sprintf("%s/.ssh/config", home ? home : "")))
		return oom();
	error = cmdb__file_read(&buf, &len, path, MAX_BYTES, 0);
	if (error == CMDB_ENOTFOUND) {
		error = cmdb_ssh_config_parse(out, "", 0, path, NULL);
	} else if (error == 0 && (dir = cmdb__strdup(path))) {
		if ((slash = strrchr(dir, '/')))
			*slash = '\0';
		/* Include is relative to ~/.ssh for the user's file, as ssh has it */
		error = cmdb_ssh_config_parse(out, buf, len, path, def ? NULL : dir);
	} else if (error == 0) {
		error = oom();
	}
	free(buf);
	cmdb_free(dir);
	cmdb_free(def);
	return error;
}

static int block_matches(const block *b, const char *host)
{
	for (; b; b = b->parent) {
		int yes = b->n == 0;
		if (b->never)
			return 0;
		for (size_t i = 0; i < b->n; i++) {
			const char *p = b->pats[i];
			if (p[0] == '!' &&
				cmdb__glob_match(
					p + 1, host, CMDB__GLOB_QUESTION | CMDB__GLOB_NOCASE))
				return 0;
			if (p[0] != '!' &&
				cmdb__glob_match(p, host, CMDB__GLOB_QUESTION | CMDB__GLOB_NOCASE))
				yes = 1;
		}
		if (!yes)
			return 0;
	}
	return 1;
}

int cmdb_ssh_config_lookup(cmdb_ssh_config_host *out, const cmdb_ssh_config *cfg, const char *host)
{
	size_t i;
	json_t *e;

	memset(out, 0, sizeof(*out));
	json_array_foreach(cfg->entries, i, e)
	{
		const char *k = json_string_value(json_array_get(e, 1));
		const char *v = json_string_value(json_array_get(e, 2));
		size_t b = (size_t)json_integer_value(json_array_get(e, 0));

		if (b >= cfg->nblocks || !block_matches(cfg->blocks[b], host))
			continue;
		if (!strcmp(k, "hostname") && !out->hostname)
			out->hostname = v;
		else if (!strcmp(k, "port") && !out->port)
			out->port = atoi(v);
		else if (!strcmp(k, "user") && !out->user)
			out->user = v;
		else if (!strcmp(k, "identityfile") && !out->identity_file)
			out->identity_file = v;
		else if (!strcmp(k, "proxyjump") && !out->proxy_jump)
			out->proxy_jump = v;
	}
	if (out->proxy_jump && !strcasecmp(out->proxy_jump, "none"))
		out->proxy_jump = NULL;
	return 0;
}

size_t cmdb_ssh_config_warning_count(const cmdb_ssh_config *cfg)
{
	return cfg ? json_array_size(cfg->warnings) : 0;
}

const char *cmdb_ssh_config_warning(const cmdb_ssh_config *cfg, size_t i)
{
	return cfg ? json_string_value(json_array_get(cfg->warnings, i)) : NULL;
}
