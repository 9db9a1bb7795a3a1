/*
 * A growable byte buffer with a hard cap (curl's dynbuf): every buffer that holds
 * untrusted input (remote output, files) has one. Invariant: ptr is NUL-terminated
 * whenever len > 0 or after cmdb__buf_put; the cap counts payload bytes only.
 */
#ifndef CMDB_LIB_BUF_H
#define CMDB_LIB_BUF_H

#include <stddef.h>

typedef struct {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t cap;
} cmdb_buf;

#define CMDB_BUF_INIT(cap_)                                                                        \
	{                                                                                          \
		NULL, 0, 0, (cap_)                                                                 \
	}

void cmdb__buf_init(cmdb_buf *b, size_t cap);
/* Append n bytes; CMDB_ETOOBIG (with the buffer unchanged) when the cap would be passed. */
int cmdb__buf_put(cmdb_buf *b, const void *data, size_t n);
int cmdb__buf_puts(cmdb_buf *b, const char *s);
int cmdb__buf_printf(cmdb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the contents over (NUL-terminated, never NULL on success); the buffer is reset. */
char *cmdb__buf_detach(cmdb_buf *b, size_t *len);
void cmdb__buf_dispose(cmdb_buf *b);

#endif
