/* inventory.yaml: parsing, defaults and overrides, every rejection with file:line:col, --limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "gitcmdb/gitcmdb.h"
#include "testutil.h"

static cmdb_inventory *parse_ok(const char *text)
{
	cmdb_inventory *inv = NULL;

	if (cmdb_inventory_parse(&inv, text, strlen(text), "inventory.yaml") < 0)
		fail_msg("unexpected error: %s", cmdb_error_last());
	return inv;
}

static void rejects(const char *text, const char *needle)
{
	cmdb_inventory *inv = (cmdb_inventory *)1;

	assert_int_equal(
		cmdb_inventory_parse(&inv, text, strlen(text), "inventory.yaml"), CMDB_EINVALID);
	assert_null(inv);
	if (!strstr(cmdb_error_last(), needle))
		fail_msg("error [%s] lacks [%s]", cmdb_error_last(), needle);
}

static const char example[] =
	"defaults: {user: cmdb, port: 22, identity_file: ~/.ssh/id_ed25519}\n"
	"groups:\n"
	"  web: [web01, web02]\n"
	"  pci: [db01, web02]\n"
	"hosts:\n"
	"  web02: {address: 10.0.0.12}\n"
	"  web01: {address: 10.0.0.11}\n"
	"  db01:  {address: 10.0.0.21, port: 2222, user: scanner, tags: [pci],\n"
	"          identity_file: /keys/db, passphrase_env: DB_KEY_PASS}\n"
	"  v6: {address: '::1', port: 2200}\n"
	"  bare:\n";

static void test_inventory__defaults_and_overrides(void **state)
{
	cmdb_inventory *inv;
	const cmdb_host *h;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	inv = parse_ok(example);
	assert_int_equal(cmdb_inventory_count(inv), 5);
	/* sorted by name */
	assert_string_equal(cmdb_inventory_host(inv, 0)->name, "bare");
	assert_string_equal(cmdb_inventory_host(inv, 1)->name, "db01");
	assert_string_equal(cmdb_inventory_host(inv, 4)->name, "web02");
	assert_null(cmdb_inventory_host(inv, 5));
	h = cmdb_inventory_host(inv, 1);
	assert_string_equal(h->address, "10.0.0.21");
	assert_int_equal(h->port, 2222);
	assert_string_equal(h->user, "scanner");
	assert_string_equal(h->identity_file, "/keys/db");
	assert_string_equal(h->passphrase_env, "DB_KEY_PASS");
	assert_int_equal(json_array_size(h->tags), 1);
	assert_int_equal(json_array_size(h->groups), 1);
	assert_string_equal(json_string_value(json_array_get(h->groups, 0)), "pci");
	h = cmdb_inventory_host(inv, 4);
	assert_int_equal(h->port, 22);
	assert_string_equal(h->user, "cmdb");
	assert_string_equal(h->identity_file, "/home/tester/.ssh/id_ed25519");
	assert_null(h->passphrase_env);
	assert_int_equal(json_array_size(h->tags), 0);
	assert_int_equal(json_array_size(h->groups), 2);
	h = cmdb_inventory_host(inv, 0); /* "bare:" alone: the name is the address */
	assert_string_equal(h->address, "bare");
	h = cmdb_inventory_host(inv, 2);
	assert_string_equal(h->address, "::1");
	cmdb_inventory_free(inv);
}

static void test_inventory__empty_and_template(void **state)
{
	cmdb_inventory *inv;

	(void)state;
	inv = parse_ok("");
	assert_int_equal(cmdb_inventory_count(inv), 0);
	cmdb_inventory_free(inv);
	inv = parse_ok("# only comments\nhosts: {}\n");
	assert_int_equal(cmdb_inventory_count(inv), 0);
	cmdb_inventory_free(inv);
	/* no defaults at all: user cmdb, port 22, agent auth */
	inv = parse_ok("hosts:\n  a: {address: a.example}\n");
	assert_string_equal(cmdb_inventory_host(inv, 0)->user, "cmdb");
	assert_int_equal(cmdb_inventory_host(inv, 0)->port, 22);
	assert_null(cmdb_inventory_host(inv, 0)->identity_file);
	cmdb_inventory_free(inv);
}

static void test_inventory__rejections_name_the_line(void **state)
{
	(void)state;
	rejects("hosts:\n  a: {address: -oProxyCommand=x}\n", "inventory.yaml:2:");
	rejects("hosts:\n  a: {address: -oProxyCommand=x}\n", "hosts.a.address");
	rejects("hosts:\n  a:\n    address: 'h; rm -rf /'\n",
		"inventory.yaml:3:14: hosts.a.address");
	rejects("hosts:\n  a: {address: '$(id)'}\n", "hosts.a.address");
	rejects("hosts:\n  a: {address: 'x`id`'}\n", "hosts.a.address");
	rejects("hosts:\n  a: {address: 'a b'}\n", "hosts.a.address");
	rejects("hosts:\n  a: {address: 10.0.0.1, user: -lroot}\n", "inventory.yaml:2:");
	rejects("hosts:\n  a: {address: 10.0.0.1, user: -lroot}\n", "hosts.a.user");
	rejects("hosts:\n  a: {address: 10.0.0.1, user: 'r;oot'}\n", "hosts.a.user");
	rejects("hosts:\n  a: {address: 10.0.0.1, user: 9lives}\n", "hosts.a.user");
	rejects("hosts:\n  a: {address: 10.0.0.1, user: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n",
		"hosts.a.user");
	rejects("hosts:\n  a: {address: 10.0.0.1, port: 0}\n", "inventory.yaml:2:");
	rejects("hosts:\n  a: {address: 10.0.0.1, port: 65536}\n",
		"hosts.a.port: must be an integer");
	rejects("hosts:\n  a: {address: 10.0.0.1, port: '22'}\n", "hosts.a.port");
	rejects("hosts:\n  a: {address: 10.0.0.1, port: 22.5}\n", "hosts.a.port");
	rejects("hosts:\n  a: {address: 10.0.0.1, port: -1}\n", "hosts.a.port");
	rejects("defaults: {port: 99999}\nhosts: {}\n", "inventory.yaml:1:");
	rejects("defaults: {port: 99999}\nhosts: {}\n", "defaults.port");
	rejects("defaults: {user: '-x'}\nhosts: {}\n", "defaults.user");
	rejects("defaults: {address: x}\nhosts: {}\n", "defaults.address: unknown key");
	rejects("hosts:\n  a: {address: x, colour: red}\n", "inventory.yaml:2:");
	rejects("hosts:\n  a: {address: x, colour: red}\n", "hosts.a.colour: unknown key");
	rejects("hots:\n  a: {address: x}\n", "inventory.yaml:2:3: inventory.hots: unknown key");
	rejects("hosts:\n  a: {address: x}\n  a: {address: y}\n", "inventory.yaml:3:");
	rejects("hosts:\n  '../etc': {address: x}\n", "inventory.yaml:2:");
	rejects("hosts:\n  '../etc': {address: x}\n", "not a valid name");
	rejects("hosts:\n  'a b': {address: x}\n", "hosts.a b");
	rejects("hosts:\n  .hidden: {address: x}\n", "not a valid name");
	rejects("hosts:\n  'a%2F': {address: x}\n", "not a valid name");
	rejects("hosts:\n  a: {address: x, identity_file: -i}\n", "hosts.a.identity_file");
	rejects("hosts:\n  a: {address: x, identity_file: \"k\\nx\"}\n", "hosts.a.identity_file");
	rejects("hosts:\n  a: {address: x, passphrase_env: 'hunter2 pw'}\n",
		"hosts.a.passphrase_env");
	rejects("hosts:\n  a: {address: x, tags: pci}\n", "hosts.a.tags");
	rejects("hosts:\n  a: {address: x, tags: ['p ci']}\n", "inventory.yaml:2:");
	rejects("hosts:\n  a: [x]\n", "hosts.a: must be a mapping");
	rejects("hosts: [a, b]\n", "inventory.yaml:1:8: hosts: must be a mapping");
	rejects("- a\n", "inventory: must be a mapping");
	rejects("groups:\n  web: [a, zz]\nhosts:\n  a: {address: x}\n",
		"inventory.yaml:2:12: groups.web");
	rejects("groups:\n  web: [a, a]\nhosts:\n  a: {address: x}\n", "lists a host twice");
	rejects("groups:\n  web: a\nhosts:\n  a: {address: x}\n", "groups.web: must be a list");
	rejects("groups:\n  'w/b': [a]\nhosts:\n  a: {address: x}\n", "not a valid name");
	rejects("hosts:\n  'x;y':\n", "not a valid name");
	rejects("hosts:\n  a: {address: [x]}\n", "hosts.a.address");
	/* YAML syntax errors keep the reader's file:line:col */
	rejects("hosts: {a: {address: x}\n", "inventory.yaml:");
}

/* become: sudo on defaults, a group or a host; the host wins, then its group, then
 * defaults; none undoes a sudo; nothing else. */
static void test_inventory__become(void **state)
{
	cmdb_inventory *inv;

	(void)state;
	inv = parse_ok("defaults: {become: sudo}\nhosts:\n  a: {address: x}\n"
		       "  b: {address: y, become: none}\n  c: {address: z}\n");
	assert_string_equal(cmdb_inventory_host(inv, 0)->become, "sudo");
	assert_null(cmdb_inventory_host(inv, 1)->become);
	assert_string_equal(cmdb_inventory_host(inv, 2)->become, "sudo");
	cmdb_inventory_free(inv);
	inv = parse_ok("hosts:\n  a: {address: x}\n  b: {address: y, become: sudo}\n");
	assert_null(cmdb_inventory_host(inv, 0)->become);
	assert_string_equal(cmdb_inventory_host(inv, 1)->become, "sudo");
	cmdb_inventory_free(inv);
	rejects("hosts:\n  a: {address: x, become: doas}\n",
		"inventory.yaml:2:27: hosts.a.become: must be sudo");
	rejects("defaults: {become: true}\nhosts: {}\n", "defaults.become: must be sudo");
	rejects("hosts:\n  a: {address: x, become: [sudo]}\n", "hosts.a.become");
	inv = parse_ok(
		"defaults: {become: sudo}\n"
		"groups:\n  web: {hosts: [a, b], become: none}\n  db: {hosts: [c], become: sudo}\n"
		"hosts:\n  a: {address: x}\n  b: {address: y, become: sudo}\n"
		"  c: {address: z}\n  d: {address: w}\n");
	assert_null(cmdb_inventory_host(inv, 0)->become); /* group none over defaults */
	assert_string_equal(cmdb_inventory_host(inv, 1)->become, "sudo"); /* host over group */
	assert_string_equal(cmdb_inventory_host(inv, 2)->become, "sudo");
	assert_string_equal(cmdb_inventory_host(inv, 3)->become, "sudo"); /* defaults */
	cmdb_inventory_free(inv);
	rejects("groups:\n  g: {hosts: [a], become: doas}\nhosts:\n  a: {address: x}\n",
		"groups.g.become: must be sudo");
	rejects("groups:\n  g: {hosts: [a], become: sudo}\n  h: {hosts: [a], become: none}\n"
		"hosts:\n  a: {address: x}\n",
		"gives a host another become than its other group");
}

static void test_inventory__load_file(void **state)
{
	char *dir = tu_tempdir("inv"), *path;
	cmdb_inventory *inv = NULL;

	(void)state;
	assert_true(asprintf(&path, "%s/inventory.yaml", dir) > 0);
	assert_int_equal(cmdb_inventory_load(&inv, path), CMDB_ENOTFOUND);
	assert_int_equal(tu_write_file(path, "hosts:\n  a: {port: 0}\n", 21), 0);
	assert_int_equal(cmdb_inventory_load(&inv, path), CMDB_EINVALID);
	assert_non_null(strstr(cmdb_error_last(), "/inventory.yaml:2:"));
	assert_int_equal(tu_write_file(path, example, strlen(example)), 0);
	assert_int_equal(cmdb_inventory_load(&inv, path), 0);
	assert_int_equal(cmdb_inventory_count(inv), 5);
	cmdb_inventory_free(inv);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static char *selected(const cmdb_inventory *inv, const char *limit)
{
	static char buf[256];
	size_t *idx, n;
	int rc = cmdb_inventory_select(&idx, &n, inv, limit);

	if (rc < 0) {
		snprintf(buf, sizeof(buf), "error %d", rc);
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "," : "",
			cmdb_inventory_host(inv, idx[i])->name);
	cmdb_free(idx);
	return buf;
}

static void test_inventory__limit(void **state)
{
	cmdb_inventory *inv = parse_ok(example);

	(void)state;
	assert_string_equal(selected(inv, NULL), "bare,db01,v6,web01,web02");
	assert_string_equal(selected(inv, "web*"), "web01,web02");
	assert_string_equal(selected(inv, "@pci"), "db01,web02");
	assert_string_equal(selected(inv, "@web,db01"), "db01,web01,web02");
	assert_string_equal(selected(inv, "web0?,!web02"), "web01");
	assert_string_equal(selected(inv, "!@web"), "bare,db01,v6");
	assert_string_equal(selected(inv, "nomatch*"), "error -3");
	assert_string_equal(selected(inv, "@nogroup"), "error -5");
	assert_non_null(strstr(cmdb_error_last(), "unknown group 'nogroup'"));
	cmdb_inventory_free(inv);
}

/* Fail each allocation in turn (ours and jansson's): an error, never a crash, leak or half result.
 */
static void test_inventory__alloc_failures_are_clean(void **state)
{
	int failed = 0, ok = 0;

	(void)state;
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 400 && !ok; n++) {
		cmdb_inventory *inv = NULL;
		size_t *idx = NULL, cnt = 0;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = cmdb_inventory_parse(&inv, example, strlen(example), "inventory.yaml");
		if (rc == 0 && cmdb_inventory_select(&idx, &cnt, inv, "web*,@pci") == 0) {
			ok = cmdb_inventory_count(inv) == 5 && cnt == 3;
			cmdb_free(idx);
		}
		cmdb__alloc_fail_at(0);
		if (rc < 0) {
			assert_null(inv);
			failed++;
		}
		cmdb_inventory_free(inv);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(ok);
	assert_true(failed > 10);
}

static void test_inventory__proxy_jump(void **state)
{
	cmdb_inventory *inv =
		parse_ok("defaults: {proxy_jump: bastion, jump_channels: 50}\n"
			 "ssh_config: true\n"
			 "groups:\n"
			 "  dmz: {hosts: [web01], proxy_jump: 'bastion,inner'}\n"
			 "hosts:\n"
			 "  bastion: {address: 10.0.0.1, proxy_jump: 'ops@[2001:db8::1]:2200'}\n"
			 "  inner: {address: 10.0.0.2}\n"
			 "  web01: {address: 10.0.0.3}\n"
			 "  db01: {address: 10.0.0.4, proxy_jump: 'u@gw.example.com:22'}\n");
	cmdb_inventory_hop hop;

	(void)state;
	assert_int_equal(cmdb_inventory_jump_channels(inv), 50);
	assert_int_equal(cmdb_inventory_ssh_config(inv), 1);
	assert_string_equal(cmdb_inventory_find(inv, "web01")->proxy_jump, "bastion,inner");
	assert_string_equal(cmdb_inventory_find(inv, "db01")->proxy_jump, "u@gw.example.com:22");
	assert_string_equal(cmdb_inventory_find(inv, "inner")->proxy_jump, "bastion");
	assert_true(cmdb_inventory_find(inv, "db01")->set & CMDB_HOST_SET_JUMP);
	assert_false(cmdb_inventory_find(inv, "db01")->set & CMDB_HOST_SET_USER);
	assert_int_equal(cmdb_inventory_hop_parse(&hop, inv, " inner ", 7), 0);
	assert_ptr_equal(hop.host, cmdb_inventory_find(inv, "inner"));
	assert_int_equal(cmdb_inventory_hop_parse(&hop, inv, "ops@[2001:db8::1]:2200", 22), 0);
	assert_null(hop.host);
	assert_string_equal(hop.user, "ops");
	assert_string_equal(hop.address, "2001:db8::1");
	assert_int_equal(hop.port, 2200);
	assert_int_equal(cmdb_inventory_hop_parse(&hop, inv, "fe80::1", 7), 0);
	assert_string_equal(hop.address, "fe80::1");
	assert_int_equal(hop.port, 0);
	assert_int_equal(cmdb_inventory_hop_parse(&hop, inv, "h:0", 3), CMDB_EINVALID);
	assert_int_equal(
		cmdb_inventory_hop_parse(&hop, inv, "-oProxyCommand=x", 16), CMDB_EINVALID);
	assert_int_equal(cmdb_inventory_hop_parse(&hop, inv, "@h", 2), CMDB_EINVALID);
	cmdb_inventory_free(inv);
	rejects("hosts:\n  a: {address: x, proxy_jump: 'b'}\n  b: {address: y, proxy_jump: a}\n",
		"inventory.yaml:2:31: hosts.a.proxy_jump: jumps through a, which loops back");
	rejects("hosts:\n  a: {address: x, proxy_jump: '-oProxyCommand=sh'}\n",
		"hosts.a.proxy_jump: '-oProxyCommand=sh' is not an inventory host");
	rejects("hosts:\n  a: {address: x, proxy_jump: 'j:99999'}\n", "port must be an integer");
	rejects("hosts:\n  a: {address: x, proxy_jump: 'j,,k'}\n", "an empty jump host name");
	rejects("hosts:\n  a: {address: x, proxy_jump: 7}\n", "must be a list of jump hosts");
	rejects("defaults: {jump_channels: 0}\n",
		"defaults.jump_channels: must be an integer 1-256");
	rejects("ssh_config: yes please\n", "ssh_config: must be true or false");
	rejects("groups:\n  g: {hosts: [a], colour: red}\nhosts:\n  a: {address: x}\n",
		"groups.g.colour: unknown key");
	rejects("groups:\n  g: {hosts: [a], proxy_jump: x}\n  h: {hosts: [a], proxy_jump: y}\n"
		"hosts:\n  a: {address: q}\n",
		"gives a host another proxy_jump than its other group");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory__defaults_and_overrides),
		cmocka_unit_test(test_inventory__empty_and_template),
		cmocka_unit_test(test_inventory__rejections_name_the_line),
		cmocka_unit_test(test_inventory__become),
		cmocka_unit_test(test_inventory__load_file),
		cmocka_unit_test(test_inventory__limit),
		cmocka_unit_test(test_inventory__proxy_jump),
		cmocka_unit_test(test_inventory__alloc_failures_are_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
