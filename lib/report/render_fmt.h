/* A tiny document writer with an HTML and a Markdown back end; every text it is given
 * is escaped for the format (render_fmt.c). */
#ifndef CMDB_LIB_REPORT_RENDER_FMT_H
#define CMDB_LIB_REPORT_RENDER_FMT_H

#include "report/report_int.h"

typedef struct {
	cmdb_buf b;
	cmdb_report_format fmt;
	int rc; /* the first error; later calls do nothing */
	int cols; /* of the open table */
} rw;

void cmdb__rw_init(rw *w, cmdb_report_format fmt);
void cmdb__rw_begin(rw *w, const char *title);
void cmdb__rw_end(rw *w);
void cmdb__rw_h2(rw *w, const char *anchor, const char *text);
void cmdb__rw_h3(rw *w, const char *text);
/* "label: value" as a line of its own */
void cmdb__rw_kv(rw *w, const char *label, const char *value);
void cmdb__rw_note(rw *w, const char *text);
void cmdb__rw_table(rw *w, int cols, const char *const *headers);
void cmdb__rw_row(rw *w, const char *const *cells);
void cmdb__rw_table_end(rw *w);
/* Bytes written as they are: only for markup this module made safe (inline SVG). */
void cmdb__rw_raw(rw *w, const char *s);
/* The escaped text of s for the writer's format, appended. */
void cmdb__rw_text(rw *w, const char *s);

#endif
