/* The one time formatter of the library (index, queries, reports). */
#include <stdio.h>
#include <time.h>

#include "util/time.h"

void cmdb__time_format(char buf[CMDB__TIME_BUF], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((long long)tt != t || !gmtime_r(&tt, &tm) ||
		!strftime(buf, CMDB__TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, CMDB__TIME_BUF, "@%lld", t);
}
