/*
 * LD_PRELOAD fault injection for a whole process's out-of-memory paths (the CLI allocates
 * with libc, outside the library's cmdb__malloc seam, and that seam ends in libc too):
 * with CMDB_FAIL_ALLOC_SIZE=N in the environment, every malloc, calloc (nmemb * size) and
 * realloc asking for exactly N bytes fails with ENOMEM; with CMDB_FAIL_CALLOC_NMEMB=N,
 * every calloc of exactly N elements (whatever their size, so a test does not depend on
 * a struct's layout); everything else goes to glibc. A test picks an N only the
 * allocation it aims at asks for (e.g. a table of 1001 hosts) and checks the CLI says so.
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

static size_t fail_size, fail_nmemb; /* 0: inject nothing (also before the constructor ran) */

static size_t env_size(const char *name)
{
	const char *s = getenv(name);

	return s ? (size_t)strtoull(s, NULL, 10) : 0;
}

__attribute__((constructor)) static void failmalloc_init(void)
{
	fail_size = env_size("CMDB_FAIL_ALLOC_SIZE");
	fail_nmemb = env_size("CMDB_FAIL_CALLOC_NMEMB");
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

	if ((fail_nmemb && nmemb == fail_nmemb) ||
		(!__builtin_mul_overflow(nmemb, n, &total) && fails(total))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(nmemb, n);
}

SHIM void *realloc(void *p, size_t n)
{
	return fails(n) ? NULL : __libc_realloc(p, n);
}
