/*
 * Scalar typing shared by the YAML reader and the canonical writer, so the writer
 * quotes exactly the strings the reader (or a YAML 1.1 reader such as PyYAML)
 * would type as something else.
 */
#ifndef CMDB_LIB_YAML_SCALAR_H
#define CMDB_LIB_YAML_SCALAR_H

#include <stddef.h>

#include <jansson.h>

/*
 * Type a plain (unquoted) scalar by the YAML 1.2 core schema. Sets *out to a new
 * json_t: null, bool, integer, real, or a string. Numbers jansson cannot hold
 * (integers outside int64, floats that overflow, .inf, .nan) stay strings, so
 * the writer quotes them and the round trip holds. Returns 0, or -1 when out of
 * memory or s is not valid UTF-8 / holds a NUL (no message set).
 */
int cmdb__yaml_type_plain(json_t **out, const char *s, size_t len);

/* 1 if a plain scalar s would resolve to a non-string under the YAML 1.2 core schema. */
int cmdb__yaml_core_typed(const char *s, size_t len);

/*
 * 1 if a plain scalar s would resolve to a non-string under YAML 1.1 (PyYAML's
 * implicit resolvers plus y/Y/n/N): bools incl. yes/no/on/off, ints incl. 0b,
 * octal 0NN, underscores and sexagesimal, floats, null, timestamps, "=" and "<<".
 */
int cmdb__yaml_11_typed(const char *s, size_t len);

/* 1 if s may be written as a plain scalar (block context) and read back as the same string. */
int cmdb__yaml_plain_safe(const char *s, size_t len);

/*
 * Format a finite double as the shortest text that reads back to the same value
 * and always reads as a float in YAML 1.1 and 1.2 ("1.0", "1.0e+20").
 * buf must hold at least 40 bytes.
 */
void cmdb__yaml_format_real(char *buf, size_t size, double d);

#endif
