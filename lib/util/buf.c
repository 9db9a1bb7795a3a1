#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

void cmdb__buf_init(cmdb_buf *b, size_t cap)
{
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
}

static int grow(cmdb_buf *b, size_t need)
{
	size_t want;
	char *p;

	if (need + 1 <= b->alloc)
		return 0;
	want = b->alloc ? b->alloc : 256;
	while (want < need + 1)
		want *= 2;
	if (!(p = cmdb__realloc(b->ptr, want)))
		return cmdb__error(CMDB_ERROR, "out of memory (%zu bytes)", want);
	b->ptr = p;
	b->alloc = want;
	return 0;
}

int cmdb__buf_put(cmdb_buf *b, const void *data, size_t n)
{
	int err;

	if (b->cap && (n > b->cap || b->len > b->cap - n))
		return cmdb__error(CMDB_ETOOBIG, "output larger than the %zu-byte limit", b->cap);
	if ((err = grow(b, b->len + n)) < 0)
		return err;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int cmdb__buf_puts(cmdb_buf *b, const char *s)
{
	return cmdb__buf_put(b, s, strlen(s));
}

int cmdb__buf_printf(cmdb_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *s;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return cmdb__error(CMDB_ERROR, "format error");
	if ((size_t)n < sizeof(small))
		return cmdb__buf_put(b, small, (size_t)n);
	if (!(s = cmdb__malloc((size_t)n + 1)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	err = cmdb__buf_put(b, s, (size_t)n);
	free(s);
	return err;
}

char *cmdb__buf_detach(cmdb_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (!p && !(p = cmdb__calloc(1, 1)))
		return NULL;
	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}

void cmdb__buf_dispose(cmdb_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
}
