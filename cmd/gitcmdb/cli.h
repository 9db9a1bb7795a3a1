/*
 * Shared plumbing of the gitcmdb CLI. Commands use only the public API in include/gitcmdb
 * headers. Exit codes: 0 ok, 1 failure or findings, 2 usage.
 *
 * A command is one `const cli_command` in its own file (tmux's cmd_entry): its options as
 * a table, the shared options it takes, what it needs opened, how many operands, and the
 * function that runs it; a command group lists subcommands instead. main() only finds the
 * descriptor; cli_run() parses (one parser, one set of messages), checks, opens what the
 * command needs, runs it and closes, and --help is generated from the same descriptor.
 */
#ifndef GITCMDB_CLI_H
#define GITCMDB_CLI_H

#include <stddef.h>

#include <gitcmdb/gitcmdb.h>

#include "cli_print.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* ---- options ---------------------------------------------------------------------- */

typedef enum {
	CLI_FLAG, /* int, set to 1 */
	CLI_STRING, /* const char *, non-empty; the last one given wins */
	CLI_WHEN, /* const char *, a WHEN kept as given; the index resolves it */
	CLI_INT, /* int, a whole number in [min, max] */
	CLI_DURATION, /* int seconds in [min, max]: 90, 90s, 5m, 2h, 1d */
	CLI_CHOICE, /* const char *, one of choices ("text|json|dot") */
	CLI_LIST, /* cli_list: comma-separated, may be repeated; elements non-empty */
	CLI_MULTI, /* cli_list: may be repeated; each value whole, commas kept */
} cli_type;

/* The values of a CLI_LIST or CLI_MULTI option, in the order given (owned by cli_run). */
typedef struct {
	char **v;
	size_t n;
} cli_list;

typedef struct {
	const char *name; /* long name: "message" for --message */
	char short_name; /* 'm' for -m, or 0; -h is always help */
	cli_type type;
	size_t offset; /* of the field it fills in the command's options struct */
	const char *value; /* the value's name in help and messages ("MSG"); NULL for flags */
	const char *help; /* one line for --help; '\n' starts an indented continuation */
	long long min, max; /* CLI_INT, CLI_DURATION */
	const char *choices; /* CLI_CHOICE */
} cli_option;

/* offsetof(S, f), refused at compile time (distinct pointer types) unless f is a T. */
#define CLI_FIELD(S, f, T) (offsetof(S, f) + 0 * sizeof(&((S *)0)->f == (T *)0))

#define CLI_OPT_FLAG(S, f, name, sh, help)                                                         \
	{                                                                                          \
		name, sh, CLI_FLAG, CLI_FIELD(S, f, int), NULL, help, 0, 0, NULL                   \
	}
#define CLI_OPT_STRING(S, f, name, sh, value, help)                                                \
	{                                                                                          \
		name, sh, CLI_STRING, CLI_FIELD(S, f, const char *), value, help, 0, 0, NULL       \
	}
#define CLI_OPT_WHEN(S, f, name, help)                                                             \
	{                                                                                          \
		name, 0, CLI_WHEN, CLI_FIELD(S, f, const char *), "WHEN", help, 0, 0, NULL         \
	}
#define CLI_OPT_INT(S, f, name, value, lo, hi, help)                                               \
	{                                                                                          \
		name, 0, CLI_INT, CLI_FIELD(S, f, int), value, help, lo, hi, NULL                  \
	}
#define CLI_OPT_DURATION(S, f, name, lo, hi, help)                                                 \
	{                                                                                          \
		name, 0, CLI_DURATION, CLI_FIELD(S, f, int), "DURATION", help, lo, hi, NULL        \
	}
#define CLI_OPT_CHOICE(S, f, name, value, choices, help)                                           \
	{                                                                                          \
		name, 0, CLI_CHOICE, CLI_FIELD(S, f, const char *), value, help, 0, 0, choices     \
	}
#define CLI_OPT_LIST(S, f, name, value, help)                                                      \
	{                                                                                          \
		name, 0, CLI_LIST, CLI_FIELD(S, f, cli_list), value, help, 0, 0, NULL              \
	}
#define CLI_OPT_MULTI(S, f, name, value, help)                                                     \
	{                                                                                          \
		name, 0, CLI_MULTI, CLI_FIELD(S, f, cli_list), value, help, 0, 0, NULL             \
	}
#define CLI_OPT_END                                                                                \
	{                                                                                          \
		NULL, 0, CLI_FLAG, 0, NULL, NULL, 0, 0, NULL                                       \
	}

/* Options defined once (cli_opts.c) that a command takes by naming them; they fill ctx. */
#define CLI_SHARED_JSON 0x1u /* --json: ctx->json */
#define CLI_SHARED_AT 0x2u /* --at WHEN: ctx->at */
#define CLI_SHARED_DB 0x4u /* --db FILE: ctx->db */
#define CLI_SHARED_NO_REFRESH 0x8u /* --no-refresh: ctx->no_refresh */

/* What a command needs before it runs; cli_run opens it into ctx or fails with the reason. */
#define CLI_NEEDS_REPO 0x1u /* ctx->repo */
#define CLI_NEEDS_WORKTREE 0x2u /* ctx->repo, not bare */
#define CLI_NEEDS_INDEX 0x4u /* ctx->idx caught up with main; takes --db, --no-refresh */
#define CLI_NEEDS_INDEX_READONLY 0x8u /* the same, read-only (query's SQL) */

/* ---- commands --------------------------------------------------------------------- */

typedef struct {
	const char *dir; /* -C DIR, else $GITCMDB_DIR, else "." */
	char name[64]; /* the command as typed ("hostkeys enroll"), for messages */
	/* shared options */
	int json, no_refresh;
	const char *at, *db;
	/* opened by cli_run for the command's needs; the command borrows them */
	cmdb_repo *repo;
	cmdb_index *idx;
} cli_ctx;

/* opts: the command's options struct, filled by its table; argv: the operands only. */
typedef int (*cli_fn)(cli_ctx *ctx, void *opts, int argc, char **argv);

typedef struct cli_command cli_command;
struct cli_command {
	const char *name;
	const char *summary; /* one line, for the list of commands */
	const char *synopsis; /* "gitcmdb show ID [--at WHEN]"; further lines indented */
	const char *about; /* --help prose before the options */
	const char *notes; /* --help prose after the options, or NULL */
	const cli_option *options; /* CLI_OPT_END-terminated, or NULL */
	size_t opts_size; /* sizeof the struct the options fill (zeroed first) */
	void (*init)(void *opts); /* defaults before parsing, or NULL */
	unsigned shared; /* CLI_SHARED_* */
	unsigned needs; /* CLI_NEEDS_* */
	const char *operands; /* "ID", "WHEN [WHEN2]", "[PATH...]"; NULL = none */
	int min_operands, max_operands; /* max -1: any number */
	const char *missing; /* what to do when an operand is missing */
	cli_fn check; /* usage checks after parsing, before anything is opened; or NULL */
	cli_fn run; /* NULL for a group */
	const cli_command *const *subcommands; /* a group's, NULL-terminated */
};

/* The top-level commands, NULL-terminated (main.c). */
extern const cli_command *const cli_commands[];

/* Run cmd on argv (argv[0] its name): parse, check, open its needs, run, close. */
int cli_run(const cli_command *cmd, cli_ctx *ctx, int argc, char **argv);
/* `gitcmdb help NAME [SUB...]`. */
int cli_help(int argc, char **argv);

/* ---- messages --------------------------------------------------------------------- */

/* Print "gitcmdb: <lib error>: <hint>" to stderr and return CLI_FAIL; commands that map codes to
 * exit 2 do so themselves. */
int cli_fail(const char *hint);
/* Print "gitcmdb: <printf message>" on stderr (%s arguments escaped); return code. */
int cli_errorf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error of the running command: "gitcmdb: <command>: <message>"; returns CLI_USAGE.
 * The message says what is wrong and what to do. */
int cli_usage(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Open the CMDB repository named by ctx; on failure prints the error and returns NULL. */
cmdb_repo *cli_open_repo(cli_ctx *ctx);
/* Print a json_t to stdout (indented, sorted keys, trailing newline); CLI_FAIL, said, when
 * it cannot be encoded. */
int cli_print_json(const json_t *v);
/* res laid out by a library text formatter (cmdb_*_format_text) on a display copy, printed
 * with cli_put_text: a hostile value cannot forge a line. CLI_OK or CLI_FAIL (said). */
int cli_print_formatted(const json_t *res, int (*format)(char **out, const json_t *res));

/* ---- findings (validate, commit) --------------------------------------------------- */

/* Append a finding about a whole file ({file, line 0, column 0, id "", message}). */
int cli_add_finding(json_t *findings, const char *file, const char *message);
/* Sort findings by file, line and column, and print them: one 'path:line:col: message'
 * (or 'path: message') a line, or with json the array. */
int cli_print_findings(json_t *findings, int json);
/*
 * Read work-tree file path (an entry of cmdb_repo_worktree_list; link: it is a symbolic
 * link, and data and len may be NULL) for validation: 0 with *data (cmdb_free); 1 when it cannot be
 * validated and a finding says why (a link, over the YAML limit, no longer a regular file); -1 when
 * it cannot be read, said naming the file and the reason.
 */
int cli_read_worktree(
	char **data, size_t *len, json_t *findings, cmdb_repo *repo, const char *path, int link);

/* ---- the commands, one file each ---------------------------------------------------- */

extern const cli_command cli_cmd_init;
extern const cli_command cli_cmd_validate;
extern const cli_command cli_cmd_commit;
extern const cli_command cli_cmd_status;
extern const cli_command cli_cmd_fmt;
extern const cli_command cli_cmd_scan;
extern const cli_command cli_cmd_hostkeys;
extern const cli_command cli_cmd_inventory;
extern const cli_command cli_cmd_index;
extern const cli_command cli_cmd_show;
extern const cli_command cli_cmd_history;
extern const cli_command cli_cmd_impact;
extern const cli_command cli_cmd_diff;
extern const cli_command cli_cmd_find;
extern const cli_command cli_cmd_query;
extern const cli_command cli_cmd_remote;
extern const cli_command cli_cmd_push;
extern const cli_command cli_cmd_pull;
extern const cli_command cli_cmd_gc;
extern const cli_command cli_cmd_change;
extern const cli_command cli_cmd_incident;
extern const cli_command cli_cmd_problem;
extern const cli_command cli_cmd_import;
extern const cli_command cli_cmd_baseline;
extern const cli_command cli_cmd_audit;
extern const cli_command cli_cmd_report;
extern const cli_command cli_cmd_sla;

/* ---- after a commit (push.c, gc.c) -------------------------------------------------- */

/* Push main to remote (NULL: the default remote); quiet: no JSON report. CLI_OK or CLI_FAIL. */
int cli_push(cli_ctx *ctx, const char *remote, int attempts, int quiet);
/* gc when the repository holds more than threshold loose objects (<= 0: never); a failure
 * is a warning only. */
int cli_auto_pack(cli_ctx *ctx, long threshold);
/* After a scan or commit landed: push when asked (push) or when gitcmdb.yaml
 * remote.push_after_scan says so (scan only), then auto-pack (maintenance.auto_pack). */
int cli_after_commit(cli_ctx *ctx, int push, int is_scan);

#endif
