/* A business service's service hours (attributes.sla.hours, .timezone; sla_hours.c). */
#ifndef CMDB_LIB_REPORT_SLA_HOURS_H
#define CMDB_LIB_REPORT_SLA_HOURS_H

#define CMDB__SLA_WINDOWS 32

/* The weekly schedule: merged, sorted windows in seconds since Monday 00:00 local
 * time, local = UTC + offset. 24x7 is one window over the whole week. */
typedef struct {
	struct {
		long long a, b;
	} w[CMDB__SLA_WINDOWS];
	int n;
	long long offset, week; /* seconds east of UTC; service seconds per week */
} cmdb__sla_hours;

/* Parse hours (NULL = "24x7") and tz (NULL = UTC): 0, or CMDB_EINVALID naming id and
 * the field. */
int cmdb__sla_hours_parse(cmdb__sla_hours *h, const char *id, const char *hours, const char *tz);

/* The service seconds in [a, b) (0 when b <= a). */
long long cmdb__sla_hours_in(const cmdb__sla_hours *h, long long a, long long b);

#endif
