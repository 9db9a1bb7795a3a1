/* Commit defaults from gitcmdb.yaml and the environment (used by store.c). */
#ifndef CMDB_LIB_SETTINGS_H
#define CMDB_LIB_SETTINGS_H

#include "gitcmdb/store.h"

typedef struct {
	char *author_name; /* NULL when not configured */
	char *author_email; /* NULL when not configured */
	int lock_timeout_ms; /* -1 when not configured */
} cmdb__commit_settings;

/* Never fails: what cannot be read is left unset. */
void cmdb__settings_commit(cmdb__commit_settings *s, cmdb_repo *repo);
void cmdb__settings_dispose(cmdb__commit_settings *s);

#endif
