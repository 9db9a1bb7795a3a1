/* Dependency discovery from established connections (lib/scan/discover.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "json_assert.h"

#include "scan/scan.h"

static void test_scan_discover__parse_endpoint(void **state)
{
	static const struct {
		const char *in, *addr;
		int port;
	} ok[] = {
		{"tcp:10.0.0.1:80", "10.0.0.1", 80},
		{"tcp:[::1]:22", "::1", 22},
		{"tcp:*:80", "*", 80},
		{"tcp:0.0.0.0:5432", "*", 5432},
		{"tcp:[::]:443", "*", 443},
		{"tcp:[::ffff:10.0.0.5]:8080", "10.0.0.5", 8080},
		{"tcp:[fe80::1%eth0]:22", "fe80::1", 22},
		{"10.0.0.1:41000->10.0.0.2:5432", "10.0.0.2", 5432},
		{"tcp6:[2001:db8::1]:443", "2001:db8::1", 443},
		{"10.0.0.9:*", "10.0.0.9", 0},
	};
	static const char *const bad[] = {
		"", "tcp:x", "tcp:1.2.3.4:99999", "tcp:1.2.3.4:", "tcp:1.2.3.4:8o"};
	char addr[64];
	int port;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cmdb__net_parse_endpoint(addr, sizeof(addr), &port, ok[i].in), 0);
		assert_string_equal(addr, ok[i].addr);
		assert_int_equal(port, ok[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			cmdb__net_parse_endpoint(addr, sizeof(addr), &port, bad[i]), CMDB_EINVALID);
	/* Too long for the buffer is an error, not a truncation. */
	assert_int_equal(
		cmdb__net_parse_endpoint(addr, 4, &port, "tcp:10.0.0.1:80"), CMDB_EINVALID);
}

/* A host with one address and optional host-level sockets, plus its services. */
static json_t *host(const char *name, const char *addr, const char *sockets, const char *services)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
		"{\"host/%s\":{\"type\":\"host\",\"attributes\":{\"network\":{\"interfaces\":{"
		"\"lo\":{\"addresses\":[\"127.0.0.1/8\"]},\"eth0\":{\"addresses\":[\"%s/"
		"24\"]}}}%s%s}}%s%s}",
		name, addr, sockets ? ",\"sockets\":" : "", sockets ? sockets : "",
		services ? "," : "", services ? services : "");
	return tu_json(buf);
}

typedef struct {
	cmdb__net *net;
	json_t *web, *app, *db;
} lab;

static int setup(void **state)
{
	lab *l = calloc(1, sizeof(*l));

	l->web = host("web01", "10.77.0.11", "{\"established\":[\"tcp:10.77.0.13:5432\"]}",
		"\"service/web01/nginx\":{\"type\":\"service\",\"attributes\":{"
		"\"listen\":[\"tcp:0.0.0.0:80\"],\"connects\":[\"tcp:10.77.0.12:8080\","
		"\"tcp:127.0.0.1:6379\",\"tcp:10.77.0.99:443\"]}},"
		"\"service/web01/redis\":{\"type\":\"service\",\"attributes\":{"
		"\"listen\":[\"tcp:127.0.0.1:6379\"]}}");
	l->app = host("app01", "10.77.0.12", NULL,
		"\"service/app01/app\":{\"type\":\"service\",\"attributes\":{"
		"\"listen\":[\"tcp:[::]:8080\"],\"connects\":[\"tcp:[::ffff:10.77.0.13]:5432\"]}}");
	l->db = host("db01", "10.77.0.13",
		"{\"listening\":[\"tcp:0.0.0.0:22\"],\"established\":["
		"\"10.77.0.13:5432->10.77.0.12:41000\",\"10.77.0.13:22->10.77.0.11:50000\"]}",
		"\"service/db01/postgresql\":{\"type\":\"service\",\"attributes\":{"
		"\"listen\":[\"tcp:10.77.0.13:5432\",\"tcp:127.0.0.1:5432\"]}}");
	assert_int_equal(cmdb__net_new(&l->net), 0);
	assert_int_equal(cmdb__net_add_host(l->net, "web01", l->web), 0);
	assert_int_equal(cmdb__net_add_host(l->net, "app01", l->app), 0);
	assert_int_equal(cmdb__net_add_host(l->net, "db01", l->db), 0);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	lab *l = *state;

	cmdb__net_free(l->net);
	json_decref(l->web);
	json_decref(l->app);
	json_decref(l->db);
	free(l);
	return 0;
}

static void test_scan_discover__chain(void **state)
{
	lab *l = *state;
	json_t *out = NULL;

	assert_int_equal(cmdb__net_resolve(&out, l->net, "web01", l->web), 0);
	/* nginx -> app (by address), nginx -> its own redis (loopback); 10.77.0.99 is nobody's. */
	tu_assert_json(out,
		"{\"service/web01/nginx\":[\"service/app01/app\",\"service/web01/redis\"],"
		"\"host/web01\":[\"service/db01/postgresql\"]}");
	json_decref(out);
	assert_int_equal(cmdb__net_resolve(&out, l->net, "app01", l->app), 0);
	tu_assert_json(out, "{\"service/app01/app\":[\"service/db01/postgresql\"]}");
	json_decref(out);
}

static void test_scan_discover__server_side_draws_no_edge(void **state)
{
	lab *l = *state;
	json_t *out = NULL;

	assert_int_equal(cmdb__net_resolve(&out, l->net, "db01", l->db), 0);
	tu_assert_json(out, "{}");
	json_decref(out);
}

static void test_scan_discover__ambiguous_address_ignored(void **state)
{
	json_t *a = host("a", "172.17.0.1", NULL, NULL), *b = host("b", "172.17.0.1", NULL, NULL);
	json_t *c = host("c", "10.1.1.1", "{\"established\":[\"tcp:172.17.0.1:80\"]}", NULL);
	cmdb__net *net = NULL;
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__net_new(&net), 0);
	assert_int_equal(cmdb__net_add_host(net, "a", a), 0);
	assert_int_equal(cmdb__net_add_host(net, "b", b), 0);
	assert_int_equal(cmdb__net_add_host(net, "c", c), 0);
	assert_int_equal(cmdb__net_resolve(&out, net, "c", c), 0);
	tu_assert_json(out, "{}");
	json_decref(out);
	cmdb__net_free(net);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* A connection to a published port resolves to the container publishing it. */
static void test_scan_discover__published_port_gives_container(void **state)
{
	json_t *d = host("d1", "10.1.1.5", "{\"listening\":[\"tcp:0.0.0.0:22\"]}",
		"\"container/d1/web\":{\"type\":\"container\",\"attributes\":{"
		"\"listen\":[\"tcp:0.0.0.0:8080\",\"tcp:[::]:8080\"]}}");
	json_t *c = host("c", "10.1.1.3", NULL,
		"\"service/c/app\":{\"type\":\"service\",\"attributes\":{"
		"\"connects\":[\"tcp:10.1.1.5:8080\"]}}");
	cmdb__net *net = NULL;
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__net_new(&net), 0);
	assert_int_equal(cmdb__net_add_host(net, "d1", d), 0);
	assert_int_equal(cmdb__net_add_host(net, "c", c), 0);
	assert_int_equal(cmdb__net_resolve(&out, net, "c", c), 0);
	tu_assert_json(out, "{\"service/c/app\":[\"container/d1/web\"]}");
	json_decref(out);
	cmdb__net_free(net);
	json_decref(c);
	json_decref(d);
}

static void test_scan_discover__unknown_listener_gives_host(void **state)
{
	json_t *a = host("a", "10.1.1.1", NULL, NULL);
	json_t *c = host("c", "10.1.1.3",
		"{\"established\":[\"10.1.1.3:40000->10.1.1.1:9999\","
		"{\"local\":\"10.1.1.3:40001\",\"remote\":\"10.1.1.1:9998\"},\"tcp:10.1.1.1:9997\"]"
		"}",
		NULL);
	cmdb__net *net = NULL;
	json_t *out = NULL;

	(void)state;
	assert_int_equal(cmdb__net_new(&net), 0);
	assert_int_equal(cmdb__net_add_host(net, "a", a), 0);
	assert_int_equal(cmdb__net_add_host(net, "c", c), 0);
	assert_int_equal(cmdb__net_resolve(&out, net, "c", c), 0);
	/* Outgoing (local port not a listener, or no local side: outbound by contract)
	 * to a host with no known listener: host level. */
	tu_assert_json(out, "{\"host/c\":[\"host/a\"]}");
	json_decref(out);
	cmdb__net_free(net);
	json_decref(a);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_discover__parse_endpoint),
		cmocka_unit_test_setup_teardown(test_scan_discover__chain, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_discover__server_side_draws_no_edge, setup, teardown),
		cmocka_unit_test(test_scan_discover__ambiguous_address_ignored),
		cmocka_unit_test(test_scan_discover__published_port_gives_container),
		cmocka_unit_test(test_scan_discover__unknown_listener_gives_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
