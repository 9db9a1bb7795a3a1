/*
 * --help, generated from the command's descriptor: the hand-written synopsis and prose
 * around an options section that comes from the same tables the parser reads, so the
 * help can't list an option the parser refuses or miss one it takes.
 */
#include <string.h>

#include "cli_opts.h"

#define COLUMN_MAX 24 /* a longer "--name VALUE" starts its help on the next line */

/* "  -m, --message MSG": an option's left column; its width. */
static size_t left_part(char *buf, size_t cap, const cli_option *o)
{
	char sh[8] = "";

	if (o->short_name)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	snprintf(buf, cap, "  %s--%s%s%s", sh, o->name, o->value ? " " : "",
		o->value ? o->value : "");
	return strlen(buf);
}

static void widen(size_t *column, const cli_option *o)
{
	char left[128];
	size_t w = left_part(left, sizeof(left), o) + 2;

	if (w > *column)
		*column = w > COLUMN_MAX ? COLUMN_MAX : w;
}

static void print_option(FILE *f, const cli_option *o, size_t column)
{
	char left[128];
	size_t w = left_part(left, sizeof(left), o);
	const char *h = o->help;

	fputs(left, f);
	if (w + 2 > column) {
		fputc('\n', f);
		w = 0;
	}
	fprintf(f, "%*s", (int)(column - w), "");
	for (;;) {
		size_t n = strcspn(h, "\n");

		fwrite(h, 1, n, f);
		fputc('\n', f);
		if (!h[n])
			break;
		h += n + 1;
		fprintf(f, "%*s", (int)column, "");
	}
}

/* Every option cmd takes, its own first, in one aligned column. */
static void print_options(FILE *f, const cli_command *cmd)
{
	static const cli_option help = {
		"help", 'h', CLI_FLAG, 0, NULL, "show this help", 0, 0, NULL};
	const cli_shared_option *s;
	unsigned mask = cli_shared_of(cmd);
	size_t column = 0;

	for (const cli_option *o = cmd->options; o && o->name; o++)
		widen(&column, o);
	for (s = cli_shared_options(); s->bit; s++)
		if (mask & s->bit)
			widen(&column, &s->opt);
	widen(&column, &help);
	fputs("options:\n", f);
	for (const cli_option *o = cmd->options; o && o->name; o++)
		print_option(f, o, column);
	for (s = cli_shared_options(); s->bit; s++)
		if (mask & s->bit)
			print_option(f, &s->opt, column);
	print_option(f, &help, column);
}

static void print_group(FILE *f, const cli_command *cmd, const char *path)
{
	const cli_command *const *sub;
	size_t width = 0;

	for (sub = cmd->subcommands; *sub; sub++) {
		fprintf(f, "%s%s\n", sub == cmd->subcommands ? "usage: " : "       ",
			(*sub)->synopsis);
		width = strlen((*sub)->name) > width ? strlen((*sub)->name) : width;
	}
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	fputs("\ncommands:\n", f);
	for (sub = cmd->subcommands; *sub; sub++)
		fprintf(f, "  %-*s  %s\n", (int)width, (*sub)->name, (*sub)->summary);
	fprintf(f,
		"\n'gitcmdb help %s COMMAND' or 'gitcmdb %s COMMAND --help' for a command's "
		"options.\n",
		path, path);
}

void cli_print_help(FILE *f, const cli_command *cmd, const char *path)
{
	if (cmd->subcommands) {
		print_group(f, cmd, path);
		return;
	}
	fprintf(f, "usage: %s\n", cmd->synopsis);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	fputc('\n', f);
	print_options(f, cmd);
	if (cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
}

int cli_help(int argc, char **argv)
{
	const cli_command *const *list = cli_commands, *cmd = NULL;
	char path[64] = "";

	for (int i = 0; i < argc; i++) {
		for (cmd = NULL; list && *list && !cmd; list++)
			if (!strcmp((*list)->name, argv[i]))
				cmd = *list;
		if (!cmd)
			return cli_errorf(CLI_USAGE, "unknown %s '%s': see 'gitcmdb help%s%s'",
				i ? "subcommand" : "command", argv[i], i ? " " : "", path);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s", i ? " " : "",
			cmd->name);
		list = cmd->subcommands;
	}
	if (!cmd)
		return CLI_USAGE;
	cli_print_help(stdout, cmd, path);
	return CLI_OK;
}
