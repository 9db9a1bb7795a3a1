/*
 * A strict RFC 4180 reader: every byte is accounted for, and whatever does not fit
 * the grammar is an error naming row, line and column rather than a guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "import/import_int.h"

int cmdb__import_utf8_valid(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], need, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		if (len - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

typedef struct {
	const char *p, *end, *file;
	size_t line;
	char *field; /* the current field's bytes */
	size_t flen, fcap;
} csv_state;

static int field_add(csv_state *s, char c)
{
	if (s->flen + 1 >= s->fcap) {
		size_t cap = s->fcap ? s->fcap * 2 : 256;
		char *n = cmdb__realloc(s->field, cap);

		if (!n)
			return cmdb__error(CMDB_ERROR, "out of memory");
		s->field = n;
		s->fcap = cap;
	}
	s->field[s->flen++] = c;
	return 0;
}

/* At an end of line (LF or CRLF)? Its length, else 0. */
static size_t eol(const csv_state *s)
{
	if (s->p < s->end && *s->p == '\n')
		return 1;
	if (s->end - s->p >= 2 && s->p[0] == '\r' && s->p[1] == '\n')
		return 2;
	return 0;
}

/*
 * Read one field into s->field; *last is set when it ended the record. 0, or 1 with
 * *why (a static message) for a malformed field: the rest of its line is skipped.
 */
static int read_field(csv_state *s, int *last, const char **why)
{
	int rc;

	s->flen = 0;
	*last = 0;
	if (s->p < s->end && *s->p == '"') {
		size_t start_line = s->line;

		for (s->p++;; s->p++) {
			if (s->p >= s->end) {
				s->line = start_line;
				*why = "a quoted field is never closed (a missing \")";
				return 1;
			}
			if (*s->p == '"') {
				if (s->p + 1 < s->end && s->p[1] == '"') {
					s->p++;
				} else {
					s->p++;
					break;
				}
			} else if (*s->p == '\n') {
				s->line++;
			} else if (*s->p == '\r' && s->p + 1 < s->end && s->p[1] == '\n') {
				continue; /* CRLF inside a field is stored as LF */
			}
			if ((rc = field_add(s, *s->p)) < 0)
				return rc;
		}
		if (s->p < s->end && *s->p != ',' && !eol(s)) {
			*why = "text after a closing quote (write \"\" for a quote inside a field)";
			return 1;
		}
	} else {
		while (s->p < s->end && *s->p != ',' && *s->p != '\n') {
			if (*s->p == '"') {
				*why = "a quote inside an unquoted field (quote the field, \"\" "
				       "for a "
				       "quote)";
				return 1;
			}
			if (*s->p == '\r' && !eol(s)) {
				*why = "a carriage return inside an unquoted field (quote the "
				       "field)";
				return 1;
			}
			if (*s->p == '\r')
				break;
			if ((rc = field_add(s, *s->p)) < 0)
				return rc;
			s->p++;
		}
	}
	if (s->p >= s->end) {
		*last = 1;
	} else if (*s->p == ',') {
		s->p++;
	} else {
		s->p += eol(s);
		s->line++;
		*last = 1;
	}
	return 0;
}

/* Skip to the start of the next line (after a malformed field). */
static void skip_line(csv_state *s)
{
	while (s->p < s->end && *s->p != '\n')
		s->p++;
	if (s->p < s->end) {
		s->p++;
		s->line++;
	}
}

/* Read one record into fields (an array of strings); *why for a malformed one. */
static int read_record(csv_state *s, json_t *fields, const char **why, size_t *bad_col)
{
	int last = 0, rc;

	*why = NULL;
	while (!last) {
		json_t *v;

		if ((rc = read_field(s, &last, why)) != 0) {
			*bad_col = json_array_size(fields);
			if (rc == 1 && *why && strstr(*why, "never closed"))
				s->p = s->end;
			else
				skip_line(s);
			return rc < 0 ? rc : 0;
		}
		if (!cmdb__import_utf8_valid(s->field, s->flen) ||
			(s->flen && memchr(s->field, '\0', s->flen))) {
			*why = s->flen && memchr(s->field, '\0', s->flen)
				? "a NUL byte (is this a text export?)"
				: "not valid UTF-8 (save the export as UTF-8)";
			*bad_col = json_array_size(fields);
			if (!last)
				skip_line(s);
			return 0;
		}
		if (!(v = json_stringn(s->field ? s->field : "", s->flen)) ||
			json_array_append_new(fields, v) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

static int header(json_t **cols, csv_state *s)
{
	json_t *seen = json_object(), *c;
	const char *why = NULL;
	size_t bad = 0, i;
	int rc;

	if (!(*cols = json_array()) || !seen) {
		json_decref(seen);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	while (eol(s))
		s->p += eol(s), s->line++;
	if (s->p >= s->end) {
		rc = cmdb__error(CMDB_EINVALID,
			"%s: empty file: the first row must name the columns", s->file);
		goto done;
	}
	if ((rc = read_record(s, *cols, &why, &bad)) < 0)
		goto done;
	if (why) {
		rc = cmdb__error(CMDB_EINVALID, "%s:%zu: header, column %zu: %s", s->file, s->line,
			bad + 1, why);
		goto done;
	}
	json_array_foreach(*cols, i, c)
	{
		const char *name = json_string_value(c);

		if (!*name || json_object_get(seen, name)) {
			rc = cmdb__error(CMDB_EINVALID,
				"%s:1: header, column %zu: %s column name%s%s", s->file, i + 1,
				*name ? "duplicate" : "empty", *name ? " " : "", name);
			goto done;
		}
		if (json_object_set_new(seen, name, json_true()) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
done:
	json_decref(seen);
	return rc;
}

/* The row entry for fields read as row n from line. */
static json_t *row_entry(
	const json_t *cols, json_t *fields, size_t n, size_t line, const char *why, size_t bad_col)
{
	char msg[300];
	json_t *obj, *v;
	size_t i;

	if (!why && json_array_size(fields) != json_array_size(cols)) {
		snprintf(msg, sizeof(msg), "has %zu fields, the header has %zu",
			json_array_size(fields), json_array_size(cols));
		return json_pack("{s:I, s:I, s:s}", "row", (json_int_t)n, "line", (json_int_t)line,
			"error", msg);
	}
	if (why) {
		const char *col = json_string_value(json_array_get(cols, bad_col));

		if (col)
			snprintf(msg, sizeof(msg), "column %s: %s", col, why);
		else
			snprintf(msg, sizeof(msg), "field %zu: %s", bad_col + 1, why);
		return json_pack("{s:I, s:I, s:s}", "row", (json_int_t)n, "line", (json_int_t)line,
			"error", msg);
	}
	if (!(obj = json_object()))
		return NULL;
	json_array_foreach(fields, i, v)
	{
		if (json_object_set(obj, json_string_value(json_array_get(cols, i)), v) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return json_pack(
		"{s:I, s:I, s:o}", "row", (json_int_t)n, "line", (json_int_t)line, "fields", obj);
}

int cmdb__import_csv(json_t **out, const char *buf, size_t len, const char *file)
{
	csv_state s = {buf, buf + len, file, 1, NULL, 0, 0};
	json_t *cols = NULL, *rows = json_array(), *fields = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (!rows)
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		s.p += 3;
	if ((rc = header(&cols, &s)) < 0)
		goto done;
	while (s.p < s.end) {
		size_t line, bad = 0;
		const char *why = NULL;
		json_t *e;

		if (eol(&s)) {
			s.p += eol(&s);
			s.line++;
			continue; /* a blank line */
		}
		line = s.line;
		json_decref(fields);
		if (!(fields = json_array())) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
		if ((rc = read_record(&s, fields, &why, &bad)) < 0)
			goto done;
		if (!(e = row_entry(cols, fields, ++n, line, why, bad)) ||
			json_array_append_new(rows, e) < 0) {
			rc = cmdb__error(CMDB_ERROR, "out of memory");
			goto done;
		}
	}
	if (!(*out = json_pack("{s:O, s:O}", "columns", cols, "rows", rows)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
done:
	cmdb_free(s.field);
	json_decref(fields);
	json_decref(cols);
	json_decref(rows);
	return rc;
}
