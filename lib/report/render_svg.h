/* Inline SVG of a Graphviz graph (render_svg.c). */
#ifndef CMDB_LIB_REPORT_RENDER_SVG_H
#define CMDB_LIB_REPORT_RENDER_SVG_H

#include "report/report_int.h"

/* Run dot (a path) on graph; *out is safe <svg>…</svg> markup (free) or an error. */
int cmdb__report_svg(char **out, const char *dot, const char *graph);

#endif
