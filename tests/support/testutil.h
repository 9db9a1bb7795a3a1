/* Helpers shared by the cmocka tests. Paths returned are owned by the caller (free). */
#ifndef CMDB_TESTUTIL_H
#define CMDB_TESTUTIL_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp); aborts the test on failure. */
char *tu_tempdir(const char *tag);
/* rm -rf dir (and free nothing). */
void tu_rmrf(const char *dir);
/*
 * Run a shell command; return its exit status (or -1), capturing stdout into *out if out != NULL.
 * git in the command gets a fixed test identity unless the environment names one.
 */
int tu_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read a whole file (NUL-terminated); NULL on failure. */
char *tu_read_file(const char *path, size_t *len);
/* Write a whole file; 0 or -1. */
int tu_write_file(const char *path, const char *data, size_t len);

/* The run's random seed: $CMDB_SEED, else the time; printed once so a failure can be replayed. */
unsigned tu_seed(void);
/* Overwrite the root page of table in the SQLite file db (closed) with bytes drawn from
 * tu_seed(), after switching it to a rollback journal so that no WAL holds the page. 0 or -1. */
int tu_damage_table_root(const char *db, const char *table);

#endif
