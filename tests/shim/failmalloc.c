/*
 * LD_PRELOAD fault injection for the CLI's out-of-memory paths (the CLI allocates with
 * libc, outside the library's cmdb__malloc seam): with CMDB_FAIL_ALLOC_SIZE=N in the
 * environment, every malloc, calloc (nmemb * size) and realloc asking for exactly N bytes
 * fails with ENOMEM; everything else goes to glibc. A test picks an N only the allocation
 * it aims at asks for (e.g. a file of a chosen size) and checks the CLI says so.
 * Not built under CMDB_SANITIZE: ASan must be the process's first allocator.
 */
#include <errno.h>
#include <stdlib.h>

/* The project builds with hidden visibility; these must be seen to interpose. */
#define SHIM __attribute__((visibility("default")))

/* glibc's own entry points, so no dlsym (which allocates) is needed. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t nmemb, size_t n);
extern void *__libc_realloc(void *p, size_t n);

static size_t fail_size; /* 0: inject nothing (also before the constructor ran) */

__attribute__((constructor)) static void failmalloc_init(void)
{
	const char *s = getenv("CMDB_FAIL_ALLOC_SIZE");

	fail_size = s ? (size_t)strtoull(s, NULL, 10) : 0;
}

static int fails(size_t n)
{
	if (fail_size && n == fail_size) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

SHIM void *malloc(size_t n)
{
	return fails(n) ? NULL : __libc_malloc(n);
}

SHIM void *calloc(size_t nmemb, size_t n)
{
	size_t total;

	if (!__builtin_mul_overflow(nmemb, n, &total) && fails(total))
		return NULL;
	return __libc_calloc(nmemb, n);
}

SHIM void *realloc(void *p, size_t n)
{
	return fails(n) ? NULL : __libc_realloc(p, n);
}
