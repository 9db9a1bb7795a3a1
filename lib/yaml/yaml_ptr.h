/* JSON pointers (RFC 6901) naming a node of a parsed document, as the YAML marks do. */
#ifndef CMDB_LIB_YAML_PTR_H
#define CMDB_LIB_YAML_PTR_H

#include <stddef.h>

/* out = base + "/" + key, key escaped ('~' -> "~0", '/' -> "~1"); cut to size. */
void cmdb__yaml_ptr_join(char *out, size_t size, const char *base, const char *key);

#endif
