/*
 * Ansible's INI inventory format: [group], [group:vars], [group:children]; host lines
 * "name[:port] key=value ..." (values may be quoted), host ranges; comments with # or
 * ;. Hosts before any section are in "ungrouped". Every error names file:line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "scan/inventory_ansible.h"

typedef struct {
	cmdb__ansible *a;
	int line;
	json_t *group; /* the section's group */
	char kind; /* 'h' hosts, 'v' vars, 'c' children */
	char *vars; /* the host line's key=value part, applied to each expanded name */
} ini;

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int bad(const ini *p, const char *what)
{
	return cmdb__error(CMDB_EINVALID, "%s:%d: %s", p->a->name, p->line, what);
}

/* "[name]", "[name:vars]", "[name:children]". */
static int section(ini *p, char *s)
{
	char *end = strchr(s, ']'), *colon;

	if (!end || *trim(end + 1))
		return bad(p, "a section header must be [group], [group:vars] or [group:children]");
	*end = '\0';
	s = trim(s + 1);
	p->kind = 'h';
	if ((colon = strrchr(s, ':'))) {
		*colon = '\0';
		if (!strcmp(colon + 1, "vars"))
			p->kind = 'v';
		else if (!strcmp(colon + 1, "children"))
			p->kind = 'c';
		else
			return bad(p, "a section suffix must be :vars or :children");
	}
	if (!*s)
		return bad(p, "a section without a group name");
	if (!(p->group = cmdb__ansible_group(p->a, s, p->line)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	return 0;
}

/* The next word of *s: a run up to whitespace, quotes removed; NULL at the end. */
static int word(const ini *p, char **s, char **out)
{
	char *r = *s, *w;

	while (isspace((unsigned char)*r))
		r++;
	*out = NULL;
	if (!*r)
		return 0;
	*out = w = r;
	while (*r && !isspace((unsigned char)*r)) {
		if (*r == '"' || *r == '\'') {
			char q = *r++;
			while (*r && *r != q)
				*w++ = *r++;
			if (*r != q)
				return bad(p, "an unclosed quote");
			r++;
			continue;
		}
		*w++ = *r++;
	}
	if (*r)
		r++;
	*w = '\0';
	*s = r;
	return 0;
}

/* key=value pairs of a host line onto host h. */
static int host_vars(ini *p, json_t *h, const char *vars)
{
	char *copy = cmdb__strdup(vars), *s = copy, *w, *eq;
	int error = 0;

	if (!copy)
		return cmdb__error(CMDB_ERROR, "out of memory");
	while (error == 0 && (error = word(p, &s, &w)) == 0 && w && w[0] != '#') {
		if (!(eq = strchr(w, '=')) || eq == w) {
			error = bad(p, "a host variable must be key=value");
			break;
		}
		*eq = '\0';
		error = cmdb__ansible_var(h, w, eq + 1, p->line);
	}
	cmdb_free(copy);
	return error;
}

static int add_host(const char *name, void *payload)
{
	ini *p = payload;
	char n[1024], *colon;
	json_t *h;
	int error;

	snprintf(n, sizeof(n), "%s", name);
	/* "host:port" (one colon, digits after it): ansible's port shorthand */
	colon = strchr(n, ':');
	if (colon && !strchr(colon + 1, ':') && colon[1] &&
		strspn(colon + 1, "0123456789") == strlen(colon + 1))
		*colon++ = '\0';
	else
		colon = NULL;
	if (!(h = cmdb__ansible_host(p->a, n, p->line)) ||
		json_object_set_new(json_object_get(p->group, "hosts"), n, json_true()) < 0)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (colon && (error = cmdb__ansible_var(h, "ansible_port", colon, p->line)) < 0)
		return error;
	return p->vars ? host_vars(p, h, p->vars) : 0;
}

static int line_in_section(ini *p, char *s)
{
	char *name, *eq;
	int error;

	if (!p->group && !(p->group = cmdb__ansible_group(p->a, "ungrouped", p->line)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (p->kind == 'v') {
		if (!(eq = strchr(s, '=')) || eq == s)
			return bad(p, "a [group:vars] line must be key=value");
		*eq = '\0';
		name = trim(eq + 1);
		if ((error = word(p, &name, &eq)) < 0)
			return error;
		return cmdb__ansible_var(p->group, trim(s), eq ? eq : "", p->line);
	}
	if ((error = word(p, &s, &name)) < 0)
		return error;
	if (p->kind == 'c') {
		if (*trim(s))
			return bad(p, "a [group:children] line names one group");
		if (!cmdb__ansible_group(p->a, name, p->line) ||
			json_object_set_new(json_object_get(p->group, "children"), name,
				json_integer(p->line)) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
		return 0;
	}
	p->vars = s;
	error = cmdb__ansible_expand(p->a, name, p->line, add_host, p);
	p->vars = NULL;
	return error;
}

int cmdb__ansible_parse_ini(cmdb__ansible *a, const char *buf, size_t len)
{
	ini p = {a, 0, NULL, 'h', NULL};
	char *copy, *save, *line;
	int error = 0;

	if (memchr(buf, '\0', len))
		return cmdb__error(CMDB_EINVALID, "%s: a NUL byte (not a text file)", a->name);
	if (!(copy = cmdb__strndup(buf, len)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (char *next = copy; error == 0 && next;) {
		line = next;
		if ((save = strchr(next, '\n')))
			*save++ = '\0';
		next = save;
		p.line++;
		line = trim(line);
		if (!*line || *line == '#' || *line == ';')
			continue;
		error = *line == '[' ? section(&p, line) : line_in_section(&p, line);
	}
	cmdb_free(copy);
	return error;
}
