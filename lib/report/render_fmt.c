/*
 * The report's writer. HTML: every text goes through html_escape (& < > " ' as
 * entities), so a value can never open a tag. Markdown: the characters that start
 * markup (\ ` * _ [ ] < > | & ~ ! #, and - + = at the start of a value) are
 * backslash-escaped and line breaks become spaces, so a value stays one cell of text.
 */
#include <string.h>

#include "report/render_fmt.h"

static const char css[] =
	"body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1b1b1b;"
	"max-width:72rem;margin:2rem auto;padding:0 1rem}"
	"h1{font-size:1.6rem;border-bottom:2px solid #333}"
	"h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #999}"
	"h3{font-size:1.05rem}"
	"table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
	"th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left;vertical-align:top;"
	"word-break:break-word}"
	"th{background:#eee}tr:nth-child(even) td{background:#fafafa}"
	"p.kv{margin:.15rem 0}p.note{color:#555;font-style:italic}"
	"svg{max-width:100%;height:auto}"
	"@media print{body{margin:0;max-width:none;font-size:10pt}h2{page-break-after:avoid}"
	"tr,svg{page-break-inside:avoid}thead{display:table-header-group}"
	"tr:nth-child(even) td{background:none}}";

void cmdb__rw_init(rw *w, cmdb_report_format fmt)
{
	memset(w, 0, sizeof(*w));
	cmdb__buf_init(&w->b, 0);
	w->fmt = fmt;
}

static void put(rw *w, const char *s)
{
	if (w->rc == 0)
		w->rc = cmdb__buf_puts(&w->b, s);
}

static void put_n(rw *w, const char *s, size_t n)
{
	if (w->rc == 0)
		w->rc = cmdb__buf_put(&w->b, s, n);
}

static void html_escape(rw *w, const char *s)
{
	for (const char *p = s; *p; p++) {
		size_t n = strcspn(p, "&<>\"'");

		put_n(w, p, n);
		p += n;
		if (!*p)
			break;
		put(w,
			*p == '&'           ? "&amp;"
				: *p == '<' ? "&lt;"
				: *p == '>' ? "&gt;"
				: *p == '"' ? "&quot;"
					    : "&#39;");
	}
}

static void md_escape(rw *w, const char *s)
{
	for (const char *p = s; *p; p++) {
		char c = *p;

		if (c == '\n' || c == '\r' || c == '\t') {
			put(w, " ");
			continue;
		}
		if (strchr("\\`*_[]<>|&~!#", c) || (p == s && strchr("-+=", c)))
			put(w, "\\");
		put_n(w, p, 1);
	}
}

void cmdb__rw_text(rw *w, const char *s)
{
	if (!s)
		s = "";
	if (w->fmt == CMDB_REPORT_HTML)
		html_escape(w, s);
	else
		md_escape(w, s);
}

void cmdb__rw_raw(rw *w, const char *s)
{
	put(w, s);
}

void cmdb__rw_begin(rw *w, const char *title)
{
	if (w->fmt == CMDB_REPORT_HTML) {
		put(w,
			"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
			"'none'; "
			"style-src 'unsafe-inline'; img-src data:\">\n<title>");
		cmdb__rw_text(w, title);
		put(w, "</title>\n<style>");
		put(w, css);
		put(w, "</style>\n</head>\n<body>\n<h1>");
		cmdb__rw_text(w, title);
		put(w, "</h1>\n");
	} else {
		put(w, "# ");
		cmdb__rw_text(w, title);
		put(w, "\n");
	}
}

void cmdb__rw_end(rw *w)
{
	if (w->fmt == CMDB_REPORT_HTML)
		put(w, "</body>\n</html>\n");
}

void cmdb__rw_h2(rw *w, const char *anchor, const char *text)
{
	if (w->fmt == CMDB_REPORT_HTML) {
		put(w, "<h2 id=\"");
		cmdb__rw_text(w, anchor);
		put(w, "\">");
		cmdb__rw_text(w, text);
		put(w, "</h2>\n");
	} else {
		put(w, "\n## ");
		cmdb__rw_text(w, text);
		put(w, "\n\n");
	}
}

void cmdb__rw_h3(rw *w, const char *text)
{
	put(w, w->fmt == CMDB_REPORT_HTML ? "<h3>" : "\n### ");
	cmdb__rw_text(w, text);
	put(w, w->fmt == CMDB_REPORT_HTML ? "</h3>\n" : "\n\n");
}

void cmdb__rw_kv(rw *w, const char *label, const char *value)
{
	put(w, w->fmt == CMDB_REPORT_HTML ? "<p class=\"kv\"><b>" : "- **");
	cmdb__rw_text(w, label);
	put(w, w->fmt == CMDB_REPORT_HTML ? ":</b> " : ":** ");
	cmdb__rw_text(w, value);
	put(w, w->fmt == CMDB_REPORT_HTML ? "</p>\n" : "\n");
}

void cmdb__rw_note(rw *w, const char *text)
{
	put(w, w->fmt == CMDB_REPORT_HTML ? "<p class=\"note\">" : "\n_");
	cmdb__rw_text(w, text);
	put(w, w->fmt == CMDB_REPORT_HTML ? "</p>\n" : "_\n");
}

void cmdb__rw_table(rw *w, int cols, const char *const *headers)
{
	w->cols = cols;
	if (w->fmt == CMDB_REPORT_HTML) {
		put(w, "<table>\n<thead><tr>");
		for (int i = 0; i < cols; i++) {
			put(w, "<th>");
			cmdb__rw_text(w, headers[i]);
			put(w, "</th>");
		}
		put(w, "</tr></thead>\n<tbody>\n");
		return;
	}
	put(w, "\n|");
	for (int i = 0; i < cols; i++) {
		put(w, " ");
		cmdb__rw_text(w, headers[i]);
		put(w, " |");
	}
	put(w, "\n|");
	for (int i = 0; i < cols; i++)
		put(w, "---|");
	put(w, "\n");
}

void cmdb__rw_row(rw *w, const char *const *cells)
{
	int html = w->fmt == CMDB_REPORT_HTML;

	put(w, html ? "<tr>" : "|");
	for (int i = 0; i < w->cols; i++) {
		put(w, html ? "<td>" : " ");
		cmdb__rw_text(w, cells[i] ? cells[i] : "");
		put(w, html ? "</td>" : " |");
	}
	put(w, html ? "</tr>\n" : "\n");
}

void cmdb__rw_table_end(rw *w)
{
	put(w, w->fmt == CMDB_REPORT_HTML ? "</tbody>\n</table>\n" : "\n");
}
