/*
 * Prints the exact collector script a scan sends (cmdb_collect_script with default
 * settings), for bench/collector.sh to measure. Prints the script; not a test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gitcmdb/gitcmdb.h"

int main(void)
{
	char *script = NULL;

	if (cmdb_collect_script(&script, NULL) < 0) {
		fprintf(stderr, "bench_collect_script: %s\n", cmdb_error_last());
		return 1;
	}
	fputs(script, stdout);
	free(script);
	return 0;
}
