/*
 * The CLI's one option parser and its generated help, on a command table of the test's
 * own: every option type, operands, --, -h as a value, groups of subcommands, and the
 * exact messages (gitcmdb: <command>: <what>: <what to do>, exit 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "cli_opts.h"

typedef struct {
	int flag, count, seconds;
	const char *msg, *when, *format;
	cli_list tags, sets;
} t_opts;

static const cli_option t_options[] = {
	CLI_OPT_FLAG(t_opts, flag, "flag", 'f', "a flag"),
	CLI_OPT_STRING(t_opts, msg, "message", 'm', "MSG", "a message"),
	CLI_OPT_WHEN(t_opts, when, "since", "a WHEN"),
	CLI_OPT_INT(t_opts, count, "count", "N", 1, 10, "a number\nfrom 1 to 10"),
	CLI_OPT_DURATION(t_opts, seconds, "timeout", 1, 3600, "a duration"),
	CLI_OPT_CHOICE(t_opts, format, "format", "FMT", "text|json|dot", "a choice"),
	CLI_OPT_LIST(t_opts, tags, "tag", "TAGS", "a comma list, repeatable"),
	CLI_OPT_MULTI(t_opts, sets, "set", "K=V", "repeatable, commas kept"),
	CLI_OPT_END,
};

/* What the last run saw. */
static struct {
	int calls, argc;
	char argv[4][32];
	t_opts opts;
} seen;

static int t_run(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)ctx;
	seen.calls++;
	seen.argc = argc;
	for (int i = 0; i < argc && i < 4; i++)
		snprintf(seen.argv[i], sizeof(seen.argv[i]), "%s", argv[i]);
	seen.opts = *(t_opts *)opts;
	seen.opts.tags.v = NULL; /* freed by cli_run; counts are kept */
	seen.opts.sets.v = NULL;
	return 7;
}

static int t_check(cli_ctx *ctx, void *opts, int argc, char **argv)
{
	(void)opts, (void)argv;
	return argc && !strcmp(argv[0], "refuse") ? cli_usage(ctx, "refused: by check") : CLI_OK;
}

static const cli_command t_cmd = {
	.name = "thing",
	.summary = "a test command",
	.synopsis = "gitcmdb thing [-f] [-m MSG] ... ARG [ARG2]",
	.about = "About it.\n",
	.notes = "Notes.\n",
	.options = t_options,
	.opts_size = sizeof(t_opts),
	.shared = CLI_SHARED_JSON | CLI_SHARED_AT,
	.operands = "ARG [ARG2]",
	.min_operands = 1,
	.max_operands = 2,
	.missing = "give an ARG",
	.check = t_check,
	.run = t_run,
};

static const cli_command t_sub = {
	.name = "sub",
	.summary = "a subcommand",
	.synopsis = "gitcmdb grp sub [--json]",
	.needs = CLI_NEEDS_INDEX, /* never opened here: only its --db is parsed */
	.shared = CLI_SHARED_JSON,
	.run = t_run,
};

static const cli_command t_bare = {
	.name = "bare",
	.summary = "takes nothing",
	.synopsis = "gitcmdb grp bare",
	.run = t_run,
};

static const cli_command *const t_subs[] = {&t_sub, &t_bare, NULL};
static const cli_command t_grp = {
	.name = "grp",
	.summary = "a group",
	.about = "A group of two.\n",
	.subcommands = t_subs,
};

const cli_command *const cli_commands[] = {&t_cmd, &t_grp, NULL};

/* ---- running a parse with stderr captured -------------------------------------------- */

typedef struct {
	int rc, nargs;
	t_opts o;
	cli_ctx ctx;
	char err[512];
	char *argv[32];
} parsed;

/* Run fn with fd 2 on a temporary file; the text into err. */
static void capture_stderr(char *err, size_t cap, void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, cap - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
}

static void do_parse(void *arg)
{
	parsed *p = arg;
	int argc = 0;

	while (p->argv[argc])
		argc++;
	p->rc = cli_parse(&t_cmd, &p->ctx, &p->o, argc, p->argv, &p->nargs);
}

/* Parse "thing" + the NULL-terminated arguments. */
static parsed *parse(const char *first, ...)
{
	static parsed p;
	va_list ap;
	int i = 1;

	cli_opts_dispose(&t_cmd, &p.o);
	memset(&p, 0, sizeof(p));
	snprintf(p.ctx.name, sizeof(p.ctx.name), "thing");
	p.argv[0] = "thing";
	va_start(ap, first);
	for (const char *a = first; a && i < 31; a = va_arg(ap, const char *))
		p.argv[i++] = (char *)a;
	va_end(ap);
	capture_stderr(p.err, sizeof(p.err), do_parse, &p);
	return &p;
}

#define ASSERT_USAGE(p, msg)                                                                       \
	do {                                                                                       \
		assert_int_equal((p)->rc, CLI_USAGE);                                              \
		assert_string_equal((p)->err, "gitcmdb: thing: " msg "\n");                        \
	} while (0)

/* ---- the tests ------------------------------------------------------------------------ */

static void test_cli_opts__every_type(void **state)
{
	parsed *p;

	(void)state;
	p = parse("-f", "--message", "hi", "--since=3.days.ago", "--count", "10", "--timeout", "5m",
		"--format", "dot", "--tag", "a,b", "--tag=c", "--set", "k=1,2", "--set", "j=3",
		"--json", "--at", "main~2", "op", NULL);
	assert_int_equal(p->rc, CLI_OK);
	assert_string_equal(p->err, "");
	assert_int_equal(p->o.flag, 1);
	assert_string_equal(p->o.msg, "hi");
	assert_string_equal(p->o.when, "3.days.ago");
	assert_int_equal(p->o.count, 10);
	assert_int_equal(p->o.seconds, 300);
	assert_string_equal(p->o.format, "dot");
	assert_int_equal(p->o.tags.n, 3);
	assert_string_equal(p->o.tags.v[0], "a");
	assert_string_equal(p->o.tags.v[1], "b");
	assert_string_equal(p->o.tags.v[2], "c");
	assert_int_equal(p->o.sets.n, 2);
	assert_string_equal(p->o.sets.v[0], "k=1,2");
	assert_string_equal(p->o.sets.v[1], "j=3");
	/* the shared options fill the context */
	assert_int_equal(p->ctx.json, 1);
	assert_string_equal(p->ctx.at, "main~2");
	assert_int_equal(p->nargs, 1);
	assert_string_equal(p->argv[1], "op");
}

static void test_cli_opts__short_forms(void **state)
{
	parsed *p;

	(void)state;
	p = parse("-fmhello", "x", NULL); /* a cluster: -f, then -m with the rest as its value */
	assert_int_equal(p->rc, CLI_OK);
	assert_int_equal(p->o.flag, 1);
	assert_string_equal(p->o.msg, "hello");
	p = parse("-m", "a", "-m", "b", "x", NULL); /* the last one wins */
	assert_string_equal(p->o.msg, "b");
}

static void test_cli_opts__operands_anywhere_until_dashdash(void **state)
{
	parsed *p;

	(void)state;
	p = parse("one", "-f", "two", "--", "-f", "--json", "-h", "-", NULL);
	assert_int_equal(p->rc, CLI_OK);
	assert_int_equal(p->o.flag, 1);
	assert_int_equal(p->ctx.json, 0);
	assert_int_equal(p->nargs, 6);
	assert_string_equal(p->argv[1], "one");
	assert_string_equal(p->argv[2], "two");
	assert_string_equal(p->argv[3], "-f");
	assert_string_equal(p->argv[4], "--json");
	assert_string_equal(p->argv[5], "-h");
	assert_string_equal(p->argv[6], "-");
	p = parse("-", NULL); /* "-" alone is an operand */
	assert_int_equal(p->nargs, 1);
}

/* `commit -m -h` commits "-h": a value is the next argument, whatever it looks like. */
static void test_cli_opts__help_is_help_only_as_an_option(void **state)
{
	parsed *p;

	(void)state;
	p = parse("-m", "-h", "x", NULL);
	assert_int_equal(p->rc, CLI_OK);
	assert_string_equal(p->o.msg, "-h");
	p = parse("--message", "--help", "--since", "--json", "x", NULL);
	assert_int_equal(p->rc, CLI_OK);
	assert_string_equal(p->o.msg, "--help");
	assert_string_equal(p->o.when, "--json");
	assert_int_equal(p->ctx.json, 0);
	assert_int_equal(parse("x", "-h", NULL)->rc, CLI_HELP);
	assert_int_equal(parse("--help", "--bogus", NULL)->rc, CLI_HELP);
	assert_int_equal(parse("-fh", NULL)->rc, CLI_HELP);
	assert_string_equal(parse("x", "-h", NULL)->err, "");
}

static void test_cli_opts__messages(void **state)
{
	(void)state;
	ASSERT_USAGE(parse("--bogus", NULL),
		"unknown option '--bogus': see 'gitcmdb help thing' for the options");
	ASSERT_USAGE(parse("--bogus=1", NULL),
		"unknown option '--bogus': see 'gitcmdb help thing' for the options");
	ASSERT_USAGE(
		parse("-x", NULL), "unknown option '-x': see 'gitcmdb help thing' for the options");
	ASSERT_USAGE(parse("-json", NULL),
		"unknown option '-json': see 'gitcmdb help thing' for the options");
	ASSERT_USAGE(parse("--mess", "x", NULL), /* never abbreviated */
		"unknown option '--mess': see 'gitcmdb help thing' for the options");
	ASSERT_USAGE(parse("x", "--at", NULL), "option '--at' needs a value: give --at WHEN");
	ASSERT_USAGE(parse("x", "-m", NULL), "option '-m' needs a value: give -m MSG");
	ASSERT_USAGE(parse("--message=", NULL),
		"option '--message' has an empty value: give "
		"--message MSG");
	ASSERT_USAGE(parse("-m", "", NULL), "option '-m' has an empty value: give -m MSG");
	ASSERT_USAGE(
		parse("--flag=yes", NULL), "option '--flag' takes no value: give --flag alone");
	ASSERT_USAGE(parse("--count", "11", NULL),
		"bad value '11' for --count: give a whole number from 1 to 10");
	ASSERT_USAGE(parse("--count", "3x", NULL),
		"bad value '3x' for --count: give a whole number from 1 to 10");
	ASSERT_USAGE(parse("--count", "-h", NULL),
		"bad value '-h' for --count: give a whole number from 1 to 10");
	ASSERT_USAGE(parse("--count", "99999999999999999999", NULL),
		"bad value '99999999999999999999' for --count: give a whole number from 1 to 10");
	ASSERT_USAGE(parse("--timeout", "2h", NULL),
		"bad value '2h' for --timeout: give a duration from 1s to 1h (seconds, or with a "
		"unit: 90s, 5m, 2h, 1d)");
	ASSERT_USAGE(parse("--timeout", "1.5m", NULL),
		"bad value '1.5m' for --timeout: give a duration from 1s to 1h (seconds, or with a "
		"unit: 90s, 5m, 2h, 1d)");
	ASSERT_USAGE(parse("--format", "svg", NULL),
		"bad value 'svg' for --format: give text, json or dot");
	ASSERT_USAGE(parse("--tag", "a,,b", NULL),
		"bad value 'a,,b' for --tag: give TAGS as non-empty values separated by commas");
	ASSERT_USAGE(parse("--tag", "a,", NULL),
		"bad value 'a,' for --tag: give TAGS as non-empty values separated by commas");
	/* a shared option the command does not name is unknown to it */
	ASSERT_USAGE(parse("--db", "f", NULL),
		"unknown option '--db': see 'gitcmdb help thing' for the options");
	/* what the user typed is escaped in the message */
	ASSERT_USAGE(parse("--\x1b[2J", NULL),
		"unknown option '--\\x1B[2J': see 'gitcmdb help thing' for the options");
}

static void test_cli_opts__durations(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(cli_parse_duration("90"), 90);
	assert_int_equal(cli_parse_duration("90s"), 90);
	assert_int_equal(cli_parse_duration("5m"), 300);
	assert_int_equal(cli_parse_duration("2h"), 7200);
	assert_int_equal(cli_parse_duration("1d"), 86400);
	assert_int_equal(cli_parse_duration("0"), 0);
	assert_int_equal(cli_parse_duration(""), -1);
	assert_int_equal(cli_parse_duration("m"), -1);
	assert_int_equal(cli_parse_duration("-5"), -1);
	assert_int_equal(cli_parse_duration("5ms"), -1);
	assert_int_equal(cli_parse_duration("5 m"), -1);
	assert_int_equal(cli_parse_duration("99999999999999999999d"), -1);
	cli_format_duration(buf, 86400);
	assert_string_equal(buf, "1d");
	cli_format_duration(buf, 120);
	assert_string_equal(buf, "2m");
	cli_format_duration(buf, 90);
	assert_string_equal(buf, "90s");
}

/* ---- through cli_run: operands, check, groups ------------------------------------------ */

typedef struct {
	const cli_command *cmd;
	char **argv;
	int argc, rc;
} run_args;

static void do_run(void *arg)
{
	run_args *r = arg;
	cli_ctx ctx = {NULL};

	ctx.dir = ".";
	r->rc = cli_run(r->cmd, &ctx, r->argc, r->argv);
}

/* Run cmd on the NULL-terminated argv; its exit code, stderr in err. */
static int run(char *err, size_t cap, const cli_command *cmd, char **argv)
{
	run_args r = {cmd, argv, 0, 0};

	while (argv[r.argc])
		r.argc++;
	memset(&seen, 0, sizeof(seen));
	capture_stderr(err, cap, do_run, &r);
	return r.rc;
}

static void test_cli_opts__operand_counts_and_check(void **state)
{
	char err[512];
	char *none[] = {"thing", NULL}, *three[] = {"thing", "a", "b", "c", NULL},
	     *refuse[] = {"thing", "refuse", NULL},
	     *two[] = {"thing", "--tag", "x,y", "a", "b", NULL};

	(void)state;
	assert_int_equal(run(err, sizeof(err), &t_cmd, none), CLI_USAGE);
	assert_string_equal(err, "gitcmdb: thing: missing ARG: give an ARG\n");
	assert_int_equal(run(err, sizeof(err), &t_cmd, three), CLI_USAGE);
	assert_string_equal(err,
		"gitcmdb: thing: unexpected argument 'c': thing takes ARG [ARG2] "
		"(quote an argument that holds spaces)\n");
	assert_int_equal(run(err, sizeof(err), &t_cmd, refuse), CLI_USAGE);
	assert_string_equal(err, "gitcmdb: thing: refused: by check\n");
	assert_int_equal(seen.calls, 0);
	assert_int_equal(run(err, sizeof(err), &t_cmd, two), 7);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.argc, 2);
	assert_string_equal(seen.argv[0], "a");
	assert_string_equal(seen.argv[1], "b");
	assert_int_equal(seen.opts.tags.n, 2);
}

static void test_cli_opts__groups(void **state)
{
	char err[512];
	char *missing[] = {"grp", NULL}, *unknown[] = {"grp", "frob", NULL},
	     *early[] = {"grp", "--json", "sub", NULL}, *bare[] = {"grp", "bare", "x", NULL},
	     *db[] = {"grp", "sub", "--db", NULL}, *json[] = {"grp", "bare", "--json", NULL};

	(void)state;
	assert_int_equal(run(err, sizeof(err), &t_grp, missing), CLI_USAGE);
	assert_string_equal(err, "gitcmdb: grp: missing subcommand: give one of sub, bare\n");
	assert_int_equal(run(err, sizeof(err), &t_grp, unknown), CLI_USAGE);
	assert_string_equal(
		err, "gitcmdb: grp: unknown subcommand 'frob': give one of sub, bare\n");
	assert_int_equal(run(err, sizeof(err), &t_grp, early), CLI_USAGE);
	assert_string_equal(err,
		"gitcmdb: grp: option '--json' before the subcommand: give one of sub, bare "
		"first\n");
	/* a subcommand's messages name it in full */
	assert_int_equal(run(err, sizeof(err), &t_grp, bare), CLI_USAGE);
	assert_string_equal(err,
		"gitcmdb: grp bare: unexpected argument 'x': grp bare takes no "
		"arguments (quote a value that holds spaces)\n");
	assert_int_equal(run(err, sizeof(err), &t_grp, json), CLI_USAGE);
	assert_string_equal(err,
		"gitcmdb: grp bare: unknown option '--json': see 'gitcmdb help grp "
		"bare' for the options\n");
	/* an index need brings --db and --no-refresh */
	assert_int_equal(run(err, sizeof(err), &t_grp, db), CLI_USAGE);
	assert_string_equal(err, "gitcmdb: grp sub: option '--db' needs a value: give --db FILE\n");
	assert_int_equal(seen.calls, 0);
}

static char *help_of(const cli_command *cmd, const char *path)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	cli_print_help(f, cmd, path);
	fclose(f);
	return out;
}

/* The options part of --help comes from the same tables the parser reads. */
static void test_cli_opts__help_is_generated(void **state)
{
	char *h;

	(void)state;
	h = help_of(&t_cmd, "thing");
	assert_string_equal(h,
		"usage: gitcmdb thing [-f] [-m MSG] ... ARG [ARG2]\n"
		"\n"
		"About it.\n"
		"\n"
		"options:\n"
		"  -f, --flag          a flag\n"
		"  -m, --message MSG   a message\n"
		"  --since WHEN        a WHEN\n"
		"  --count N           a number\n"
		"                      from 1 to 10\n"
		"  --timeout DURATION  a duration\n"
		"  --format FMT        a choice\n"
		"  --tag TAGS          a comma list, repeatable\n"
		"  --set K=V           repeatable, commas kept\n"
		"  --at WHEN           at WHEN instead of now: a date (2026-11-28, UTC), a "
		"date-time\n"
		"                      (2026-11-28T22:10:00+01:00), a relative time (3.days.ago), "
		"a git\n"
		"                      revision (main~2, a sha) or a baseline name (tag)\n"
		"  --json              print JSON instead of text\n"
		"  -h, --help          show this help\n"
		"\n"
		"Notes.\n");
	free(h);
	h = help_of(&t_grp, "grp");
	assert_string_equal(h,
		"usage: gitcmdb grp sub [--json]\n"
		"       gitcmdb grp bare\n"
		"\n"
		"A group of two.\n"
		"\n"
		"commands:\n"
		"  sub   a subcommand\n"
		"  bare  takes nothing\n"
		"\n"
		"'gitcmdb help grp COMMAND' or 'gitcmdb grp COMMAND --help' for a command's "
		"options.\n");
	free(h);
	h = help_of(&t_sub, "grp sub");
	assert_non_null(strstr(h, "  --db FILE     use FILE as the index database\n"));
	assert_non_null(strstr(h, "  --no-refresh  do not catch the index up with main first\n"));
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_opts__every_type),
		cmocka_unit_test(test_cli_opts__short_forms),
		cmocka_unit_test(test_cli_opts__operands_anywhere_until_dashdash),
		cmocka_unit_test(test_cli_opts__help_is_help_only_as_an_option),
		cmocka_unit_test(test_cli_opts__messages),
		cmocka_unit_test(test_cli_opts__durations),
		cmocka_unit_test(test_cli_opts__operand_counts_and_check),
		cmocka_unit_test(test_cli_opts__groups),
		cmocka_unit_test(test_cli_opts__help_is_generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
