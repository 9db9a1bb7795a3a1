#include <string.h>

#include "util/asset.h"

const cmdb__asset *cmdb__asset_find(const char *name)
{
	for (const cmdb__asset *a = cmdb__assets; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}
