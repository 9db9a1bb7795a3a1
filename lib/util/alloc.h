/*
 * The one allocation seam (SQLite's testing idea): library code allocates through
 * these so a test can make the Nth allocation fail and prove errors are clean.
 */
#ifndef CMDB_LIB_ALLOC_H
#define CMDB_LIB_ALLOC_H

#include <stddef.h>

void *cmdb__malloc(size_t n);
void *cmdb__calloc(size_t nmemb, size_t n);
void *cmdb__realloc(void *p, size_t n);
char *cmdb__strdup(const char *s);
char *cmdb__strndup(const char *s, size_t n);
/* printf into a new string; NULL on failure. */
char *cmdb__sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Tests only: fail the nth allocation from now (1 = the next one); 0 disables. */
void cmdb__alloc_fail_at(long nth);

#endif
