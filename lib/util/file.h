/*
 * The one reader of whole local files: regular files only (a FIFO or device is
 * refused without blocking on it), a hard cap on the bytes, one convention for
 * errors. Every input file of the library (YAML, schemas, inventories,
 * known_hosts, keys, work-tree files) goes through it.
 */
#ifndef CMDB_LIB_FILE_H
#define CMDB_LIB_FILE_H

#include <stddef.h>

#define CMDB__FILE_NOFOLLOW 0x1u /* a symbolic link at the path is refused, never read */
#define CMDB__FILE_SECRET 0x2u /* key material: every buffer it passed through is wiped */

/*
 * Read the file at path (relative to the directory open on dirfd, or AT_FDCWD) into
 * *out (NUL-terminated, the caller's: free) and *len, at most cap bytes. shown names
 * the file in messages (NULL = path). Errors, with "cannot read <shown>: <reason>"
 * or as below: CMDB_ENOTFOUND when it does not exist; CMDB_ETOOBIG "<shown>: N bytes
 * is over the CAP-byte limit"; CMDB_EINVALID "<shown>: not a regular file", or "<shown>
 * is a symbolic link" with CMDB__FILE_NOFOLLOW; CMDB_ERROR otherwise (permissions,
 * I/O, out of memory). Nothing is set on failure.
 */
int cmdb__file_read_at(char **out, size_t *len, int dirfd, const char *path, const char *shown,
	size_t cap, unsigned flags);

/* cmdb__file_read_at(out, len, AT_FDCWD, path, NULL, cap, flags). */
int cmdb__file_read(char **out, size_t *len, const char *path, size_t cap, unsigned flags);

/*
 * Write all len bytes of p to fd, retrying short writes and EINTR. 0, or -1 with
 * errno set (the caller names the file in its message).
 */
int cmdb__file_write_all(int fd, const char *p, size_t len);

#endif
