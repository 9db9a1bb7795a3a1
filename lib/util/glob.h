/* The one glob matcher of the library (find's attribute paths, known_hosts patterns). */
#ifndef CMDB_LIB_GLOB_H
#define CMDB_LIB_GLOB_H

#define CMDB__GLOB_QUESTION 0x1u /* '?' matches any one byte (else it is literal) */
#define CMDB__GLOB_NOCASE 0x2u /* ASCII letters match either case */

/*
 * 1 when s matches pattern p, else 0. '*' matches any run of bytes, '/' and '.'
 * included; there are no classes or escapes. Iterative with one backtrack point:
 * linear-ish, never exponential on "*a*a*a...", never deep recursion.
 */
int cmdb__glob_match(const char *p, const char *s, unsigned flags);

#endif
