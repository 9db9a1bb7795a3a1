#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Process-wide on purpose: a fault-injection test runs one thread. */
static long fail_countdown;

void cmdb__alloc_fail_at(long nth)
{
	fail_countdown = nth;
}

static int should_fail(void)
{
	if (fail_countdown <= 0)
		return 0;
	return --fail_countdown == 0;
}

void *cmdb__malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *cmdb__calloc(size_t nmemb, size_t n)
{
	return should_fail() ? NULL : calloc(nmemb ? nmemb : 1, n ? n : 1);
}

void *cmdb__realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

char *cmdb__strndup(const char *s, size_t n)
{
	char *d = cmdb__malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *cmdb__strdup(const char *s)
{
	return cmdb__strndup(s, strlen(s));
}

char *cmdb__sprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = cmdb__malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
