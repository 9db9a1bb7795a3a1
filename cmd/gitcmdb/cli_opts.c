/*
 * The one option parser of the CLI: a command's table plus the shared options it names.
 * Options and operands may be mixed (`show ID --at WHEN`); `--` ends the options; an
 * option's value is the next argument whatever it looks like (`commit -m -h` commits
 * "-h"); -h and --help ask for help only where an option may stand. Long options are
 * never abbreviated, so adding one can't change what an existing prefix means.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

static const cli_shared_option shared_options[] = {
	{CLI_SHARED_AT,
		CLI_OPT_WHEN(cli_ctx, at, "at",
			"at WHEN instead of now: a date (2026-11-28, UTC), a date-time\n"
			"(2026-11-28T22:10:00+01:00), a relative time (3.days.ago), a git\n"
			"revision (main~2, a sha) or a baseline name (tag)")},
	{CLI_SHARED_JSON, CLI_OPT_FLAG(cli_ctx, json, "json", 0, "print JSON instead of text")},
	{CLI_SHARED_DB,
		CLI_OPT_STRING(cli_ctx, db, "db", 0, "FILE", "use FILE as the index database")},
	{CLI_SHARED_NO_REFRESH,
		CLI_OPT_FLAG(cli_ctx, no_refresh, "no-refresh", 0,
			"do not catch the index up with main first")},
	{0, CLI_OPT_END},
};

unsigned cli_shared_of(const cli_command *cmd)
{
	unsigned s = cmd->shared;

	if (cmd->needs & (CLI_NEEDS_INDEX | CLI_NEEDS_INDEX_READONLY))
		s |= CLI_SHARED_DB | CLI_SHARED_NO_REFRESH;
	return s;
}

const cli_shared_option *cli_shared_options(void)
{
	return shared_options;
}

/* An option and the struct its offset is into. */
typedef struct {
	const cli_option *opt;
	void *target;
} found;

/* The option called name (long, name_len bytes) or short_name, in cmd's table or shared. */
static int lookup(found *out, const cli_command *cmd, cli_ctx *ctx, void *opts, const char *name,
	size_t name_len, char short_name)
{
	unsigned shared = cli_shared_of(cmd);

	for (const cli_option *o = cmd->options; o && o->name; o++) {
		if (name ? strlen(o->name) == name_len && !strncmp(o->name, name, name_len)
			 : o->short_name == short_name) {
			out->opt = o, out->target = opts;
			return 1;
		}
	}
	for (const cli_shared_option *s = shared_options; s->bit; s++) {
		const cli_option *o = &s->opt;

		if ((shared & s->bit) &&
			(name ? strlen(o->name) == name_len && !strncmp(o->name, name, name_len)
			      : o->short_name == short_name)) {
			out->opt = o, out->target = ctx;
			return 1;
		}
	}
	return 0;
}

/* "30" (seconds), "30s", "5m", "2h", "1d" into seconds; -1 when it is none of those. */
long long cli_parse_duration(const char *s)
{
	static const struct {
		char unit;
		long long seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	long long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10 / 86400)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (!*p)
		return v;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (p[0] == units[i].unit && !p[1])
			return v * units[i].seconds;
	return -1;
}

void cli_format_duration(char buf[32], long long s)
{
	if (s && s % 86400 == 0)
		snprintf(buf, 32, "%lldd", s / 86400);
	else if (s && s % 3600 == 0)
		snprintf(buf, 32, "%lldh", s / 3600);
	else if (s && s % 60 == 0)
		snprintf(buf, 32, "%lldm", s / 60);
	else
		snprintf(buf, 32, "%llds", s);
}

static int list_add(cli_list *l, const char *s, size_t n)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	if (!(l->v[l->n] = strndup(s, n)))
		return -1;
	l->n++;
	return 0;
}

/* Append value's comma-separated elements (all of value for CLI_MULTI). */
static int list_put(
	cli_ctx *ctx, cli_list *l, const cli_option *o, const char *shown, const char *value)
{
	const char *p = value;

	if (o->type == CLI_MULTI)
		return list_add(l, value, strlen(value)) < 0 ? cli_errorf(CLI_FAIL, "out of memory")
							     : CLI_OK;
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			return cli_usage(ctx,
				"bad value '%s' for %s: give %s as non-empty values separated by "
				"commas",
				value, shown, o->value);
		if (list_add(l, p, n) < 0)
			return cli_errorf(CLI_FAIL, "out of memory");
		if (!p[n])
			return CLI_OK;
		p += n + 1;
	}
}

/* Whether value is one of o->choices ("a|b|c"). */
static int is_choice(const cli_option *o, const char *value)
{
	size_t n = strlen(value);

	for (const char *c = o->choices; *c;) {
		size_t len = strcspn(c, "|");

		if (len == n && !strncmp(c, value, n))
			return 1;
		c += len + (c[len] == '|');
	}
	return 0;
}

static int bad_number(cli_ctx *ctx, const cli_option *o, const char *shown, const char *value)
{
	char lo[32], hi[32];

	if (o->type == CLI_INT)
		return cli_usage(ctx,
			"bad value '%s' for %s: give a whole number from %lld to %lld", value,
			shown, o->min, o->max);
	cli_format_duration(lo, o->min);
	cli_format_duration(hi, o->max);
	return cli_usage(ctx,
		"bad value '%s' for %s: give a duration from %s to %s (seconds, or with a unit: "
		"90s, 5m, 2h, 1d)",
		value, shown, lo, hi);
}

/* "give text, json or dot" from "text|json|dot". */
static int bad_choice(cli_ctx *ctx, const cli_option *o, const char *shown, const char *value)
{
	char list[256] = "";
	size_t n = 0;

	for (const char *c = o->choices; *c && n < sizeof(list);) {
		size_t len = strcspn(c, "|");

		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%.*s",
			c == o->choices  ? ""
				: c[len] ? ", "
					 : " or ",
			(int)len, c);
		c += len + (c[len] == '|');
	}
	return cli_usage(ctx, "bad value '%s' for %s: give %s", value, shown, list);
}

/* Store value (as typed after the option shown) into its field; a usage error if it is not
 * a value of the option's type. */
static int set_value(cli_ctx *ctx, const found *f, const char *shown, const char *value)
{
	const cli_option *o = f->opt;
	char *field = (char *)f->target + o->offset;
	long long n;
	char *end;

	if (!*value)
		return cli_usage(
			ctx, "option '%s' has an empty value: give %s %s", shown, shown, o->value);
	switch (o->type) {
	case CLI_FLAG: break;
	case CLI_STRING:
	case CLI_WHEN: *(const char **)(void *)field = value; break;
	case CLI_CHOICE:
		if (!is_choice(o, value))
			return bad_choice(ctx, o, shown, value);
		*(const char **)(void *)field = value;
		break;
	case CLI_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || *end || end == value || n < o->min || n > o->max)
			return bad_number(ctx, o, shown, value);
		*(int *)(void *)field = (int)n;
		break;
	case CLI_DURATION:
		n = cli_parse_duration(value);
		if (n < 0 || n < o->min || n > o->max)
			return bad_number(ctx, o, shown, value);
		*(int *)(void *)field = (int)n;
		break;
	case CLI_LIST:
	case CLI_MULTI: return list_put(ctx, (cli_list *)(void *)field, o, shown, value);
	}
	return CLI_OK;
}

/* One long option at argv[*i] ("--name" or "--name=value"); may take argv[*i + 1]. */
static int parse_long(
	const cli_command *cmd, cli_ctx *ctx, void *opts, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *name = arg + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	char shown[80];
	found f;

	if (n == 4 && !strncmp(name, "help", 4) && !eq)
		return CLI_HELP;
	if (!lookup(&f, cmd, ctx, opts, name, n, 0))
		return cli_usage(ctx,
			"unknown option '%.*s': see 'gitcmdb help %s' for the options",
			(int)(n + 2), arg, ctx->name);
	snprintf(shown, sizeof(shown), "--%s", f.opt->name);
	if (f.opt->type == CLI_FLAG) {
		if (eq)
			return cli_usage(
				ctx, "option '%s' takes no value: give %s alone", shown, shown);
		*(int *)(void *)((char *)f.target + f.opt->offset) = 1;
		return CLI_OK;
	}
	if (!eq && *i + 1 >= argc)
		return cli_usage(
			ctx, "option '%s' needs a value: give %s %s", shown, shown, f.opt->value);
	return set_value(ctx, &f, shown, eq ? eq + 1 : argv[++*i]);
}

/* One cluster of short options at argv[*i] ("-m MSG", "-mMSG", "-ab"). */
static int parse_short(
	const cli_command *cmd, cli_ctx *ctx, void *opts, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	for (const char *p = arg + 1; *p; p++) {
		char shown[3] = {'-', *p, '\0'};
		found f;

		if (*p == 'h')
			return CLI_HELP;
		if (!lookup(&f, cmd, ctx, opts, NULL, 0, *p))
			return cli_usage(ctx,
				"unknown option '%s': see 'gitcmdb help %s' for the options",
				p == arg + 1 ? arg : shown, ctx->name);
		if (f.opt->type == CLI_FLAG) {
			*(int *)(void *)((char *)f.target + f.opt->offset) = 1;
			continue;
		}
		if (p[1])
			return set_value(ctx, &f, shown, p + 1);
		if (*i + 1 >= argc)
			return cli_usage(ctx, "option '%s' needs a value: give %s %s", shown, shown,
				f.opt->value);
		return set_value(ctx, &f, shown, argv[++*i]);
	}
	return CLI_OK;
}

int cli_parse(const cli_command *cmd, cli_ctx *ctx, void *opts, int argc, char **argv, int *nargs)
{
	int k = 1, rc = CLI_OK;

	for (int i = 1; i < argc && rc == CLI_OK; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[k++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') /* "-" alone is an operand (stdin) */
			argv[k++] = argv[i];
		else if (a[1] == '-')
			rc = parse_long(cmd, ctx, opts, argc, argv, &i);
		else
			rc = parse_short(cmd, ctx, opts, argc, argv, &i);
	}
	*nargs = k - 1;
	return rc;
}

/* The operand count against the command's declaration. */
int cli_check_operands(const cli_command *cmd, cli_ctx *ctx, int argc, char **argv)
{
	const char *what = cmd->operands ? cmd->operands : "arguments";

	if (argc < cmd->min_operands)
		return cli_usage(ctx, "missing %.*s: %s", (int)strcspn(what, " "), what,
			cmd->missing ? cmd->missing : "see the usage line of its --help");
	if (cmd->max_operands < 0 || argc <= cmd->max_operands)
		return CLI_OK;
	if (!cmd->operands)
		return cli_usage(ctx,
			"unexpected argument '%s': %s takes no arguments (quote a value that holds "
			"spaces)",
			argv[cmd->max_operands], ctx->name);
	return cli_usage(ctx,
		"unexpected argument '%s': %s takes %s (quote an argument that holds spaces)",
		argv[cmd->max_operands], ctx->name, what);
}

void cli_opts_dispose(const cli_command *cmd, void *opts)
{
	for (const cli_option *o = cmd->options; opts && o && o->name; o++) {
		cli_list *l = (cli_list *)(void *)((char *)opts + o->offset);

		if (o->type != CLI_LIST && o->type != CLI_MULTI)
			continue;
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}
