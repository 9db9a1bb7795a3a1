/*
 * The read-only guard on handles opened with CMDB_INDEX_READONLY, which run SQL a
 * person typed (`gitcmdb query`). Reads of every kind are allowed, including
 * table-valued functions (json_each, json_tree, pragma_table_info(...)); nothing
 * may write, create, attach, load code or set a pragma. Four layers, each enough
 * alone for its own class of statement:
 *  - the file is opened SQLITE_OPEN_READONLY (no write reaches it);
 *  - SQLITE_LIMIT_ATTACHED = 0: no ATTACH, and so no VACUUM or VACUUM INTO (both
 *    attach their target; VACUUM never reaches the authorizer);
 *  - defensive mode, no extension loading, no fts3_tokenizer pointers;
 *  - the authorizer below: an allow-list of actions, functions and pragmas.
 */
#include <string.h>
#include <strings.h>

#include "index/index_int.h"

/* Pragmas that only report. With an argument, only those whose argument names
 * what to read ("table_info(t)"): any other argument is an assignment. */
static const char *const pragma_reads[] = {"application_id", "collation_list", "compile_options",
	"data_version", "database_list", "encoding", "foreign_key_check", "foreign_key_list",
	"freelist_count", "function_list", "index_info", "index_list", "index_xinfo",
	"integrity_check", "journal_mode", "module_list", "page_count", "page_size", "pragma_list",
	"quick_check", "schema_version", "table_info", "table_list", "table_xinfo", "user_version",
	NULL};
static const char *const pragma_reads_with_arg[] = {"foreign_key_check", "foreign_key_list",
	"index_info", "index_list", "index_xinfo", "integrity_check", "quick_check", "table_info",
	"table_list", "table_xinfo", NULL};

/* Functions that touch the file system, load code or take raw pointers. Most are not
 * in the library at all (the sqlite3 shell's): listed so that linking one in later
 * does not open a hole. */
static const char *const functions_denied[] = {"load_extension", "fts3_tokenizer", "writefile",
	"readfile", "edit", "zipfile", "sqlar_compress", "sqlar_uncompress", NULL};

static int listed(const char *const *list, const char *name)
{
	for (; name && *list; list++)
		if (strcasecmp(name, *list) == 0)
			return 1;
	return 0;
}

/* The schema tables whose columns SQLite checks for UPDATE while it connects an
 * eponymous virtual table (json_each, pragma_*): it compiles the bookkeeping of
 * a CREATE TABLE it never runs. A real UPDATE of them is impossible here (read-only
 * file, defensive mode: "may not be modified"). */
static int schema_table(const char *name)
{
	return name &&
		(strcmp(name, "sqlite_master") == 0 || strcmp(name, "sqlite_temp_master") == 0 ||
			strcmp(name, "sqlite_schema") == 0 ||
			strcmp(name, "sqlite_temp_schema") == 0);
}

static int readonly_authorizer(
	void *p, int action, const char *a, const char *b, const char *dbname, const char *trigger)
{
	(void)p;
	(void)dbname;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE: return SQLITE_OK;
	case SQLITE_FUNCTION: return listed(functions_denied, b) ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_PRAGMA:
		return listed(b ? pragma_reads_with_arg : pragma_reads, a) ? SQLITE_OK
									   : SQLITE_DENY;
	case SQLITE_UPDATE: return !trigger && schema_table(a) ? SQLITE_OK : SQLITE_DENY;
	default: return SQLITE_DENY;
	}
}

int cmdb__index_guard_readonly(sqlite3 *db)
{
	int rc;

	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_set_authorizer(db, readonly_authorizer, NULL);
	return rc;
}
