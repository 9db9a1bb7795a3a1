/*
 * Shared plumbing of the gitcmdb CLI. Commands use only the public API in include/gitcmdb
 * headers. Exit codes: 0 ok, 1 failure or findings, 2 usage.
 */
#ifndef GITCMDB_CLI_H
#define GITCMDB_CLI_H

#include <gitcmdb/gitcmdb.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef struct {
	const char *dir; /* -C DIR, else $GITCMDB_DIR, else "." */
} cli_ctx;

/* A subcommand: argv[0] is the command name; returns the process exit code. */
typedef int (*cli_fn)(int argc, char **argv, cli_ctx *ctx);

typedef struct {
	const char *name;
	cli_fn fn;
	const char *summary;
	const char *usage; /* full --help text */
} cli_command;

/* Print "gitcmdb: <lib error>: <hint>" to stderr and return CLI_FAIL; commands that map codes to
 * exit 2 do so themselves. */
int cli_fail(const char *hint);
/* Print "gitcmdb: <printf message>" on stderr; return code. */
int cli_errorf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error for cmd: message, then "see 'gitcmdb help <cmd>'"; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print cmd's --help text to stdout. */
int cli_help(const char *cmd);
/* Open the CMDB repository named by ctx; on failure prints the error and returns NULL. */
cmdb_repo *cli_open_repo(cli_ctx *ctx);
/* Print a json_t to stdout (indented, sorted keys, trailing newline). */
void cli_print_json(const json_t *v);

/* Commands (one file each). */
int cmd_init(int argc, char **argv, cli_ctx *ctx);
int cmd_validate(int argc, char **argv, cli_ctx *ctx);
int cmd_commit(int argc, char **argv, cli_ctx *ctx);
int cmd_status(int argc, char **argv, cli_ctx *ctx);
int cmd_fmt(int argc, char **argv, cli_ctx *ctx);
int cmd_scan(int argc, char **argv, cli_ctx *ctx);
int cmd_hostkeys(int argc, char **argv, cli_ctx *ctx);
int cmd_index(int argc, char **argv, cli_ctx *ctx);
int cmd_show(int argc, char **argv, cli_ctx *ctx);
int cmd_history(int argc, char **argv, cli_ctx *ctx);
int cmd_impact(int argc, char **argv, cli_ctx *ctx);
int cmd_diff(int argc, char **argv, cli_ctx *ctx);
int cmd_find(int argc, char **argv, cli_ctx *ctx);
int cmd_query(int argc, char **argv, cli_ctx *ctx);

/* Each command file also defines its --help text. */
extern const char usage_init[];
extern const char usage_validate[];
extern const char usage_commit[];
extern const char usage_status[];
extern const char usage_fmt[];
extern const char usage_scan[];
extern const char usage_hostkeys[];
extern const char usage_index[];
extern const char usage_show[];
extern const char usage_history[];
extern const char usage_impact[];
extern const char usage_diff[];
extern const char usage_find[];
extern const char usage_query[];

extern const cli_command cli_commands[];

#endif
