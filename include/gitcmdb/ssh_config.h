/*
 * OpenSSH client configuration (~/.ssh/config) read for what gitcmdb needs: HostName,
 * Port, User, IdentityFile and ProxyJump of a host, with Host patterns (wildcards,
 * "!" negation), Include (globs, relative to ~/.ssh) and `Match all`/`Match host`.
 * Like ssh, the first value found for a key wins. `Match exec` (and other Match
 * criteria) are never run: the block is skipped and a warning names file:line.
 * Other keys are ignored. The parsed config is read-only: safe from many threads.
 */
#ifndef GITCMDB_SSH_CONFIG_H
#define GITCMDB_SSH_CONFIG_H

#include <stddef.h>

#include "common.h"

typedef struct cmdb_ssh_config cmdb_ssh_config;

/* What the config says about one host; strings borrowed from the config (NULL = unset). */
typedef struct {
	const char *hostname; /* as written (%h not expanded) */
	int port; /* 0 = unset */
	const char *user;
	const char *identity_file; /* the first one, as written (~, %d, %h, %r not expanded) */
	const char *proxy_jump; /* "none" is returned as NULL */
} cmdb_ssh_config_host;

/* Load path (NULL = $HOME/.ssh/config; a missing file is an empty config). */
CMDB_API int cmdb_ssh_config_load(cmdb_ssh_config **out, const char *path);
/*
 * Parse config text; name is used in messages ("config:3: ..."), include_dir is where
 * relative Include paths start (NULL = $HOME/.ssh). Syntax errors (a key without a
 * value, an unclosed quote, a bad port, Include nested over 16 deep) fail with file:line.
 */
CMDB_API int cmdb_ssh_config_parse(cmdb_ssh_config **out, const char *buf, size_t len,
	const char *name, const char *include_dir);
CMDB_API void cmdb_ssh_config_free(cmdb_ssh_config *cfg);
/* What applies to host (the name as one would type it to ssh). */
CMDB_API int cmdb_ssh_config_lookup(
	cmdb_ssh_config_host *out, const cmdb_ssh_config *cfg, const char *host);
/* Warnings ("config:12: Match exec is never run; block skipped"), in file order. */
CMDB_API size_t cmdb_ssh_config_warning_count(const cmdb_ssh_config *cfg);
CMDB_API const char *cmdb_ssh_config_warning(const cmdb_ssh_config *cfg, size_t i);

#endif
