/* '*' (and optionally '?') globbing without recursion (see util/glob.h). */
#include <ctype.h>
#include <stddef.h>

#include "util/glob.h"

static int same(char p, char s, unsigned flags)
{
	if (p == '?' && (flags & CMDB__GLOB_QUESTION))
		return 1;
	if (flags & CMDB__GLOB_NOCASE)
		return tolower((unsigned char)p) == tolower((unsigned char)s);
	return p == s;
}

int cmdb__glob_match(const char *p, const char *s, unsigned flags)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p && same(*p, *s, flags)) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
