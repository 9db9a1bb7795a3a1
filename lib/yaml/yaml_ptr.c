#include <stdio.h>

#include "yaml/yaml_ptr.h"

void cmdb__yaml_ptr_join(char *out, size_t size, const char *base, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "%s/", base);

	for (; *key && n + 3 < size; key++) {
		if (*key == '~' || *key == '/') {
			out[n++] = '~';
			out[n++] = *key == '~' ? '0' : '1';
		} else {
			out[n++] = *key;
		}
	}
	out[n < size ? n : size - 1] = '\0';
}
