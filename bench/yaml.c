/*
 * YAML reader/writer throughput on a large synthetic host item (3000 packages,
 * 64 interfaces, 40 filesystems, a multi-line text), in CPU time so a busy
 * machine skews it less. Prints figures; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gitcmdb/common.h"
#include "gitcmdb/yaml.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *big_host(void)
{
	json_t *pkgs = json_object(), *ifs = json_object(), *fss = json_object();
	char name[64], ver[64];

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "lib-package-%04d", i);
		snprintf(ver, sizeof(ver), "%d.%d.%d-%d~deb12u%d", i % 7, i % 13, i % 31, i % 3,
			i % 5);
		json_object_set_new(pkgs, name,
			json_pack("{s:s,s:s}", "version", ver, "arch", i % 4 ? "amd64" : "all"));
	}
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "eth%d", i);
		snprintf(ver, sizeof(ver), "52:54:00:12:34:%02x", i);
		json_object_set_new(ifs, name,
			json_pack("{s:s,s:[s,s],s:i}", "mac", ver, "addresses", "10.0.0.11/24",
				"fe80::1/64", "mtu", 1500));
	}
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/srv/data%d", i);
		json_object_set_new(fss, name,
			json_pack("{s:s,s:s,s:i}", "device", "/dev/vdb1", "fstype", "ext4",
				"size_mb", 40960 + i));
	}
	return json_pack("{s:s,s:s,s:s,s:{s:o,s:{s:o},s:o,s:s},s:{s:s},s:{s:[s]}}", "type", "host",
		"name", "web01", "source", "scan", "attributes", "packages", pkgs, "network",
		"interfaces", ifs, "filesystems", fss, "motd", "Welcome\nto web01\n", "annotations",
		"owner", "team-web", "relations", "member_of", "group/web");
}

int main(void)
{
	json_t *v = big_host(), *back = NULL;
	char *yaml = NULL;
	size_t len = 0;
	int rounds = 20;
	double t0, t_emit, t_parse;

	t0 = now();
	for (int i = 0; i < rounds; i++) {
		cmdb_free(yaml);
		if (cmdb_yaml_emit(&yaml, &len, v, CMDB_YAML_ITEM) < 0)
			return fprintf(stderr, "%s\n", cmdb_error_last()), 1;
	}
	t_emit = (now() - t0) / rounds;
	t0 = now();
	for (int i = 0; i < rounds; i++) {
		json_decref(back);
		if (cmdb_yaml_parse(&back, yaml, len, "bench.yaml") < 0)
			return fprintf(stderr, "%s\n", cmdb_error_last()), 1;
	}
	t_parse = (now() - t0) / rounds;
	printf("item: %zu bytes, %s\n", len,
		json_equal(v, back) ? "round-trips" : "ROUND TRIP BROKEN");
	printf("emit:  %.2f ms/item  %.1f MB/s\n", t_emit * 1e3, (double)len / t_emit / 1e6);
	printf("parse: %.2f ms/item  %.1f MB/s\n", t_parse * 1e3, (double)len / t_parse / 1e6);
	cmdb_free(yaml);
	json_decref(v);
	json_decref(back);
	return 0;
}
