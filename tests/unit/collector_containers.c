/*
 * Unit tests of the containers collector (collectors/containers.c) and its items
 * (lib/collect/normalise_containers.c), on real `docker inspect` output
 * (tests/fixtures/collectors/containers, see PROVENANCE.tsv).
 */
#include "collect_testlib.h"

static json_t *containers_from(const char *fixture)
{
	sb b = {0};
	json_t *facts;

	block_fixture(&b, "docker-inspect", fixture);
	facts = parse_section("containers", &b);
	free(b.p);
	return facts;
}

static void test_collector_containers__real_inspect(void **state)
{
	json_t *facts = containers_from("containers/rhel-7.2__docker-inspect-container.txt");
	const json_t *c = json_object_get(json_object_get(facts, "containers"), "hehe2");

	(void)state;
	assert_int_equal(n_errors(facts), 0);
	assert_non_null(c);
	assert_str(c, "runtime", "docker");
	assert_str(c, "image", "rhel7_imagemagick");
	assert_str(
		c, "image_id", "882ab98aae5394aebe91fe6d8a4297fa0387c3cfd421b2d892bddf218ac373b2");
	assert_str(c, "state", "running");
	assert_str(c, "restart", "no");
	assert_str(c, "command/0", "/bin/bash");
	assert_int_equal(json_array_size(json_object_get(c, "ports")), 0);
	/* Nothing volatile: no id, no start time, no PID, no address. */
	assert_null(json_object_get(c, "Id"));
	assert_null(json_object_get(c, "id"));
	assert_null(json_object_get(c, "pid"));
	json_decref(facts);
}

static void test_collector_containers__published_port_and_mounts_become_items(void **state)
{
	json_t *facts = containers_from("containers/derived__docker-inspect-published.txt");
	json_t *items = NULL, *files = NULL, *web, *host;

	(void)state;
	assert_int_equal(n_errors(facts), 0);
	/* The host's docker-proxy listeners on 8080 belong to the container. */
	json_object_set_new(facts, "sockets",
		json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "listening", "proto", "tcp",
			"local", "0.0.0.0:8080", "proto", "tcp", "local", "[::]:8080", "proto",
			"tcp", "local", "0.0.0.0:22"));
	if (cmdb_collect_items(&items, &files, "d1", facts, NULL) != 0)
		fail_msg("%s", cmdb_error_last());
	web = json_object_get(items, "container/d1/web");
	assert_non_null(web);
	assert_non_null(json_object_get(items, "container/d1/hehe2"));
	assert_str(web, "type", "container");
	assert_str(web, "relations/runs_on/0", "host/d1");
	assert_str(web, "attributes/image", "nginx:1.25");
	assert_str(web, "attributes/restart", "always");
	assert_str(web, "attributes/command", "nginx -g daemon off;");
	assert_str(web, "attributes/ports/0", "0.0.0.0:8080->80/tcp");
	assert_str(web, "attributes/ports/1", "[::]:8080->80/tcp");
	assert_null(str_at(web, "attributes/ports/2")); /* 443/tcp is not published */
	assert_str(web, "attributes/mounts/0", "/srv/www:/usr/share/nginx/html");
	assert_str(web, "attributes/listen/0", "tcp:0.0.0.0:8080");
	assert_str(web, "attributes/listen/1", "tcp:[::]:8080");
	host = json_object_get(items, "host/d1");
	assert_str(host, "attributes/sockets/listening/0", "tcp:0.0.0.0:22");
	assert_null(str_at(host, "attributes/sockets/listening/1"));
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

/* A recreated container (new id, new start time, new PID) gives the same items. */
static void test_collector_containers__recreated_container_does_not_drift(void **state)
{
	json_t *a = containers_from("containers/derived__docker-inspect-published.txt");
	char *text = NULL, *p;
	size_t len;
	json_t *b, *ia = NULL, *ib = NULL, *fa = NULL, *fb = NULL;
	sb body = {0};

	(void)state;
	assert_true(asprintf(&p, "%s/collectors/containers/derived__docker-inspect-published.txt",
			    CMDB_FIXTURES) > 0);
	text = tu_read_file(p, &len);
	free(p);
	assert_non_null(text);
	while ((p = strstr(text, "97d7cd1a5d8f")))
		memcpy(p, "0123456789ab", 12);
	while ((p = strstr(text, "15096")))
		memcpy(p, "99999", 5);
	while ((p = strstr(text, "2016-06-23T05:37")))
		memcpy(p, "2026-12-03T04:00", 16);
	block_text(&body, "docker-inspect", text);
	b = parse_section("containers", &body);
	assert_int_equal(cmdb_collect_items(&ia, &fa, "d1", a, NULL), 0);
	assert_int_equal(cmdb_collect_items(&ib, &fb, "d1", b, NULL), 0);
	assert_true(json_equal(ia, ib));
	json_decref(ia);
	json_decref(ib);
	json_decref(fa);
	json_decref(fb);
	json_decref(a);
	json_decref(b);
	free(body.p);
	free(text);
}

/* Path-hostile names, broken JSON: a warning each, never an item. */
static void test_collector_containers__hostile_input(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "docker-inspect",
		"[{\"Name\": \"/../etc\"}, {\"Name\": \"/a/b\"}, {\"Name\": \"/ok\", \"State\": "
		"{\"Status\": \"exited\"}}]\n");
	block_text(&b, "podman-inspect", "[{\"Name\": \"x\", \n");
	facts = parse_section("containers", &b);
	assert_non_null(json_object_get(json_object_get(facts, "containers"), "ok"));
	assert_int_equal(json_object_size(json_object_get(facts, "containers")), 1);
	assert_int_equal(n_errors(facts), 3);
	json_decref(facts);
	free(b.p);
}

/* A runtime that did not answer gives no facts (the scan then removes nothing). */
static void test_collector_containers__failed_runtime_gives_no_facts(void **state)
{
	sb b = {0};
	json_t *facts;

	(void)state;
	block_text(&b, "docker-failed", "");
	facts = parse_section("containers", &b);
	assert_null(json_object_get(facts, "containers"));
	assert_int_equal(n_errors(facts), 1);
	json_decref(facts);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collector_containers__real_inspect),
		cmocka_unit_test(test_collector_containers__published_port_and_mounts_become_items),
		cmocka_unit_test(test_collector_containers__recreated_container_does_not_drift),
		cmocka_unit_test(test_collector_containers__hostile_input),
		cmocka_unit_test(test_collector_containers__failed_runtime_gives_no_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
