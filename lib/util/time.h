/* Times as gitcmdb prints them: UTC, ISO 8601, to the second. */
#ifndef CMDB_LIB_TIME_H
#define CMDB_LIB_TIME_H

#define CMDB__TIME_BUF 32

/* Unix seconds as "2026-11-28T22:10:00Z" into buf; "@<seconds>" when out of range. */
void cmdb__time_format(char buf[CMDB__TIME_BUF], long long t);

#endif
