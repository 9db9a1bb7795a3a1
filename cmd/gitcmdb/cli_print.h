/*
 * Human-readable output of the gitcmdb CLI. Strings that come from data (items, commit
 * authors and messages, host names, file names, library messages quoting them) may hold
 * terminal controls put there by a hostile host or file; every byte printed for a person
 * goes through here so none reaches the terminal raw. JSON output does not: jansson
 * escapes it and machines need it exact.
 *
 * Escaped, one \xNN (uppercase hex) per byte: C0 controls, DEL, C1 controls (U+0080 to
 * U+009F, two bytes in UTF-8) and every byte that is not part of valid UTF-8. Everything
 * else, other UTF-8 included, prints as is; a backslash is not doubled (except in TSV).
 */
#ifndef GITCMDB_CLI_PRINT_H
#define GITCMDB_CLI_PRINT_H

#include <stdarg.h>
#include <stdio.h>

#include <jansson.h>

/*
 * printf to stdout or f, for a trusted format (a literal): every %s argument is escaped,
 * its newlines and tabs included, so a value can never start a line of its own; the
 * format's own text and the other conversions print as printf prints them.
 */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* One value, escaped as a %s argument is. */
void cli_put_field(FILE *f, const char *s);
/* A block of text laid out by the library (YAML, a tree, a report): newlines and tabs are
 * its layout and stay; every other control is escaped. */
void cli_put_text(FILE *f, const char *s, size_t n);
/* A TSV field: tab, newline and backslash print as \t, \n and \\ so a row stays one line
 * and the escapes read back unambiguously; other controls as \xNN. */
void cli_put_tsv(FILE *f, const char *s);
/* A deep copy of v whose strings (object keys too) are escaped as fields: what to hand a
 * library text formatter, so its output holds no control but its own newlines. NULL when
 * out of memory. */
json_t *cli_display_copy(const json_t *v);

#endif
