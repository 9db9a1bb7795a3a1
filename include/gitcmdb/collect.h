/*
 * Collectors: the remote POSIX sh sections a scan runs in one exec, and the
 * parsers that turn their output into facts, then into items.
 *
 * Output framing: the script first prints "@@gitcmdb-collect 1@@". Each section's
 * output is preceded by a line "@@gitcmdb-begin <name>@@" and followed by
 * "@@gitcmdb-end <name> <rc>@@"; the whole script ends with "@@gitcmdb-done@@".
 * Output without the final line is incomplete. Inside a section, a line starting
 * "@@" is rewritten to "@ @" on the remote side, so section data cannot forge a
 * frame. A section's body is a sequence of blocks, each opened by a line
 * "%% <label>" and holding one command's raw output (see docs/collectors.md).
 *
 * Facts (cmdb_collect_parse): an object with one key per section that was present
 * and parsed ("os", "hardware", "network", "filesystems", "packages", "services",
 * "sockets", "users", "files") and "errors": [{"section", "message"}] naming every
 * section that was missing, truncated, failed or had lines that could not be read.
 * A section's facts are kept even when it reported errors. Facts may hold volatile
 * values (PIDs) that cmdb_collect_items drops; they are never written.
 *
 * Items produced for host H (the contract the scan and the index rely on):
 *   host/H            attributes: os{id,name,version,pretty_name,codename,kernel,arch,
 *                     hostname,fqdn,timezone}, hardware{cpu_model,cpus,sockets,memory_mb,vendor,
 *                     product,virtualization}, network{interfaces{IF{mac,addresses[],mtu}},
 *                     routes[], dns[], search[]}, filesystems{MOUNT{device,fstype,size_mb}},
 *                     packages{NAME or NAME:ARCH{version,arch}}, users{NAME{uid,gid,home,
 *                     shell,groups[]}}, groups{NAME{gid,members[]}}, files{PATH{sha256,size,
 *                     masked_sha256 (only when redacted)} or PATH{skipped: missing|unreadable|
 *                     too-big|binary|undecodable}},
 *                     identity{machine_id, dmi_uuid, serial, macs[]}, sockets{listening[],
 *                     established[]} (only sockets not owned by a service item)
 *   service/H/NAME    NAME = unit without ".service" (id-encoded); attributes: unit, state,
 *                     enabled, exec, package, listen["tcp:ADDR:PORT", ...],
 *                     connects["tcp:ADDR:PORT", ...] (outbound only);
 *                     relations: runs_on [host/H]
 *   file/H/PATH       raw captured config file, redacted (not an item)
 * Strings stay strings ("12" is never turned into a number); counts and sizes are
 * integers. Every key absent from the facts is left out rather than written empty.
 *
 * Host bytes that are not UTF-8 (and NUL) become "\xHH" (upper-case hex) in every
 * string the parsers make; a backslash that would read as such an escape is itself
 * written "\x5C". The encoding is reversible, so two names that differ only in
 * invalid bytes stay two names. Values from a host's command lines and environment
 * (service exec, mount sources) pass through cmdb_redact_command; captured files
 * through cmdb_redact.
 */
#ifndef GITCMDB_COLLECT_H
#define GITCMDB_COLLECT_H

#include <stdint.h>

#include <jansson.h>

#include "common.h"

typedef struct cmdb_redactor cmdb_redactor;

/* Defaults when gitcmdb.yaml says nothing. */
#define CMDB_COLLECT_FILE_MAX_DEFAULT (256u * 1024)
#define CMDB_COLLECT_TIMEOUT_DEFAULT 10 /* seconds, per remote command */
/*
 * Most bytes of output per host in the sections that become item attributes (all but
 * files, whose captured contents have their own caps). Parsed facts take tens of times
 * their text in memory, so more is refused before any of it is parsed.
 */
#define CMDB_COLLECT_FACTS_MAX_DEFAULT (4u * 1024 * 1024)

/*
 * Assemble the remote script from the enabled sections. settings is the parsed
 * gitcmdb.yaml or NULL for defaults; keys read: "collectors" {name: bool} (all on
 * by default), "files" [absolute paths] (captured by the files section),
 * "file_max_bytes" (int), "command_timeout" (int seconds), "facts_max_bytes" (int, read
 * by cmdb_collect_parse).
 * CMDB_EINVALID names a bad setting (unknown collector, relative or unsafe path).
 */
CMDB_API int cmdb_collect_script(char **out, const json_t *settings);

/* The names of all collectors, in script order, as a new json_t array. */
CMDB_API int cmdb_collect_names(json_t **out);

/*
 * Parse a whole script output into a facts object (see above). Never fails on bad
 * output: garbage gives facts whose "errors" say what was wrong. Returns an error
 * only when memory runs out, settings are invalid, or the sections other than files
 * hold more than settings' facts_max_bytes (default CMDB_COLLECT_FACTS_MAX_DEFAULT):
 * CMDB_ETOOBIG, naming the limit and the largest section, before anything is parsed.
 */
CMDB_API int cmdb_collect_parse(
	json_t **facts, const char *output, size_t len, const json_t *settings);

/*
 * cmdb_collect_parse that gives up once CLOCK_MONOTONIC passes deadline_ms (0 = never):
 * CMDB_ETIMEOUT, and nothing of the output is kept. Hostile output that would take
 * long to parse (quadratic de-duplication, ...) then costs about the time left.
 */
CMDB_API int cmdb_collect_parse_until(json_t **facts, const char *output, size_t len,
	const json_t *settings, uint64_t deadline_ms);

/*
 * Turn facts of host into *items ({id: item}) and *files ({path: content}), with
 * captured files passed through redactor (NULL = built-in patterns, random key).
 * File contents are json strings that may hold any bytes except NUL (read them
 * with json_string_value + json_string_length; they need not be UTF-8).
 * CMDB_EINVALID when host is not a valid id component.
 */
CMDB_API int cmdb_collect_items(json_t **items, json_t **files, const char *host,
	const json_t *facts, const cmdb_redactor *redactor);

/*
 * Redaction: lines matching any pattern (POSIX ERE, case-insensitive) become
 * "<redacted hmac-sha256:HEX>" (indentation kept), and a PEM private key (a block,
 * or one line with literal \n escapes) becomes one such line. URL passwords, crypt(3)
 * hashes and Authorization/Bearer credentials are always redacted; patterns replace
 * only the built-in assignment patterns (docs/collectors.md lists both).
 * patterns NULL = built-in defaults; otherwise a json array of ERE strings.
 *
 * Keyed with a secret kept outside the repository. The key file: key_file, else
 * $GITCMDB_REDACTION_KEY, else (from settings) redaction.key_file, else
 * $XDG_CONFIG_HOME/gitcmdb/redaction.key, else ~/.config/gitcmdb/redaction.key. It is
 * created 0600 from the CSPRNG when missing (cmdb_redactor_key_created then says so:
 * every fingerprint made with an earlier key changes). Symlinks, FIFOs, devices and
 * files others can read are refused (CMDB_EINVALID).
 */
CMDB_API int cmdb_redactor_new(cmdb_redactor **out, const json_t *patterns, const char *key_file);
/*
 * The same from parsed gitcmdb.yaml (NULL = defaults): "redaction" is a list of
 * patterns, or {patterns: [...], key_file: /absolute/path}. CMDB_EINVALID names a bad
 * setting.
 */
CMDB_API int cmdb_redactor_new_from_settings(
	cmdb_redactor **out, const json_t *settings, const char *key_file);
/* A redactor with a fresh random key that is never stored (tests, one-off runs). */
CMDB_API int cmdb_redactor_new_ephemeral(cmdb_redactor **out, const json_t *patterns);
CMDB_API void cmdb_redactor_free(cmdb_redactor *r);
/* The key file (NULL for an ephemeral key); 1 when this redactor created it; a 16-hex id of
 * the key (not the key: an HMAC of a fixed label), so two scans can tell they used the same. */
CMDB_API const char *cmdb_redactor_key_path(const cmdb_redactor *r);
CMDB_API int cmdb_redactor_key_created(const cmdb_redactor *r);
CMDB_API const char *cmdb_redactor_key_id(const cmdb_redactor *r);
/* Redact text into *out (cmdb_free, NUL-terminated), *out_len bytes. */
CMDB_API int cmdb_redact(
	char **out, size_t *out_len, const cmdb_redactor *r, const char *text, size_t len);
/*
 * Redact a command line or environment value (len bytes) into *out (cmdb_free,
 * NUL-terminated): only secret values become fingerprints, in --flag=value,
 * --flag value, NAME=value, Authorization/Bearer, URL and PEM forms; then, if a
 * file pattern still matches the words left, everything after the program.
 */
CMDB_API int cmdb_redact_command(char **out, const cmdb_redactor *r, const char *cmd, size_t len);

#endif
