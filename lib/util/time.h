/* Times as gitcmdb prints them: UTC, ISO 8601, to the second. */
#ifndef CMDB_LIB_TIME_H
#define CMDB_LIB_TIME_H

#define CMDB__TIME_BUF 32

/* Unix seconds as "2026-11-28T22:10:00Z" into buf; "@<seconds>" when out of range. */
void cmdb__time_format(char buf[CMDB__TIME_BUF], long long t);

/*
 * Parse a time: an ISO 8601 date ("2026-11-28", start of that day UTC) or date-time
 * ("2026-11-28T22:10[:00][.fff][Z|+01:00]", UTC unless an offset is given), "now", or a
 * relative time ("3.days.ago", "3 days ago", "@{3.days.ago}") counted back from now.
 * 0 with *t (unix seconds); 1 when s does not look like a time at all (it may be a
 * revision); CMDB_EINVALID, said naming s, when it looks like a date but is malformed.
 */
int cmdb__time_parse(long long *t, const char *s, long long now);

#endif
