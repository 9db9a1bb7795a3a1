/*
 * Facts -> items: item shapes, no volatile facts, map keys, services and their
 * sockets, hostile names kept inside the tree, redaction before output,
 * determinism, and clean failure when allocations fail.
 */
#include <openssl/sha.h>

#include "collect_testlib.h"
#include "gitcmdb/id.h"
#include "util/alloc.h"

static json_t *facts_of(const char *json_text)
{
	json_error_t e;
	json_t *f = json_loads(json_text, 0, &e);

	if (!f)
		fail_msg("bad test json: %s (line %d)", e.text, e.line);
	return f;
}

static void items_of(json_t **items, json_t **files, const char *host, const json_t *facts)
{
	*items = *files = NULL;
	if (cmdb_collect_items(items, files, host, facts, NULL) != 0)
		fail_msg("cmdb_collect_items: %s", cmdb_error_last());
}

static const char web01_facts[] =
	"{\"os\": {\"id\": \"debian\", \"version\": \"12\", \"kernel\": \"6.1.0-18-amd64\"},"
	" \"hardware\": {\"cpus\": 2, \"memory_mb\": 1987, \"machine_id\": "
	"\"4c4c4544004e4b1080374cc04f4e3732\","
	"   \"dmi_uuid\": \"9f1b3c2e-1d2a-4b5c-8d7e-0f1a2b3c4d5e\", \"virtualization\": \"kvm\"},"
	" \"network\": {\"interfaces\": {\"lo\": {\"mac\": \"00:00:00:00:00:00\", \"mtu\": 65536},"
	"   \"eth0\": {\"mac\": \"52:54:00:0a:4d:0b\", \"mtu\": 1500, \"addresses\": "
	"[\"10.77.0.11/24\"]}},"
	"   \"routes\": [\"default via 10.77.0.1 dev eth0\"], \"dns\": [\"10.77.0.2\"]},"
	" \"packages\": {\"managers\": [\"dpkg\"], \"list\": ["
	"   {\"name\": \"bash\", \"version\": \"5.2.15-2+b2\", \"arch\": \"amd64\"},"
	"   {\"name\": \"libc6\", \"version\": \"2.36-9+deb12u4\", \"arch\": \"amd64\"},"
	"   {\"name\": \"libc6\", \"version\": \"2.36-9+deb12u4\", \"arch\": \"i386\"},"
	"   {\"name\": \"no\", \"version\": \"1\"}]},"
	" \"services\": {\"manager\": \"systemd\", \"units\": {"
	"   \"nginx.service\": {\"state\": \"active\", \"enabled\": \"enabled\", \"exec\": "
	"\"/usr/sbin/nginx -g daemon on;\","
	"     \"main_pid\": 812, \"package\": \"nginx\", \"fragment\": "
	"\"/lib/systemd/system/nginx.service\"},"
	"   \"ssh.service\": {\"state\": \"active\", \"enabled\": \"enabled\", \"main_pid\": 555},"
	"   \"apt-daily.service\": {\"state\": \"inactive\", \"enabled\": \"static\"},"
	"   \"docker.service\": {\"state\": \"inactive\", \"enabled\": \"enabled\"}}},"
	" \"sockets\": {\"listening\": ["
	"     {\"proto\": \"tcp\", \"local\": \"0.0.0.0:80\", \"process\": \"nginx\", \"pid\": "
	"812},"
	"     {\"proto\": \"tcp\", \"local\": \"[::]:80\", \"process\": \"nginx\", \"pid\": 813},"
	"     {\"proto\": \"tcp\", \"local\": \"0.0.0.0:22\", \"process\": \"sshd\", \"pid\": 901},"
	"     {\"proto\": \"udp\", \"local\": \"0.0.0.0:68\", \"process\": \"dhclient\", \"pid\": "
	"444},"
	"     {\"proto\": \"tcp\", \"local\": \"127.0.0.1:41237\", \"process\": \"python3\", "
	"\"pid\": 4000},"
	"     {\"proto\": \"tcp\", \"local\": \"[::1]:45001\", \"process\": \"node\", \"pid\": "
	"4001}],"
	"   \"established\": ["
	"     {\"proto\": \"tcp\", \"local\": \"10.77.0.11:43512\", \"peer\": \"10.77.0.12:8080\", "
	"\"process\": \"nginx\", \"pid\": 813},"
	"     {\"proto\": \"tcp\", \"local\": \"10.77.0.11:43514\", \"peer\": \"10.77.0.12:8080\", "
	"\"process\": \"nginx\", \"pid\": 813},"
	"     {\"proto\": \"tcp\", \"local\": \"10.77.0.11:22\", \"peer\": \"10.77.0.1:50122\", "
	"\"process\": \"sshd\", \"pid\": 902},"
	"     {\"proto\": \"tcp\", \"local\": \"10.77.0.11:40000\", \"peer\": \"10.77.0.9:443\", "
	"\"process\": \"curl\", \"pid\": 999},"
	"     {\"proto\": \"tcp\", \"local\": \"127.0.0.1:40002\", \"peer\": \"127.0.0.1:41237\", "
	"\"process\": \"curl\", \"pid\": 998}],"
	"   \"cgroups\": {\"813\": \"nginx.service\", \"901\": \"ssh.service\", \"902\": "
	"\"ssh.service\"}},"
	" \"users\": {\"users\": {\"root\": {\"uid\": 0, \"gid\": 0, \"home\": \"/root\", "
	"\"shell\": \"/bin/bash\", \"groups\": [\"root\"]}},"
	"   \"groups\": {\"root\": {\"gid\": 0}}},"
	" \"files\": {\"/etc/app.conf\": {\"size\": 40, \"content\": \"user = app\\ndb_password = "
	"hunter2\\nport = 1\\n\"},"
	"   \"/etc/crontab\": {\"skipped\": \"missing\"}},"
	" \"errors\": [{\"section\": \"os\", \"message\": \"x\"}]}";

static void test_collect_items__host_item_shape(void **state)
{
	json_t *facts = facts_of(web01_facts), *items, *files, *host, *attrs;

	(void)state;
	items_of(&items, &files, "web01", facts);
	host = json_object_get(items, "host/web01");
	assert_non_null(host);
	assert_str(host, "type", "host");
	assert_str(host, "name", "web01");
	assert_str(host, "source", "scan");
	attrs = json_object_get(host, "attributes");
	assert_str(attrs, "os/version", "12");
	assert_true(json_is_string(json_object_get(json_object_get(attrs, "os"), "version")));
	assert_int_equal(int_at(attrs, "hardware/cpus"), 2);
	assert_str(attrs, "network/interfaces/eth0/addresses/0", "10.77.0.11/24");
	assert_str(attrs, "network/routes/0", "default via 10.77.0.1 dev eth0");
	/* Identity evidence lives in one place; the loopback MAC is no evidence. */
	assert_str(attrs, "identity/machine_id", "4c4c4544004e4b1080374cc04f4e3732");
	assert_str(attrs, "identity/dmi_uuid", "9f1b3c2e-1d2a-4b5c-8d7e-0f1a2b3c4d5e");
	assert_str(attrs, "identity/macs/0", "52:54:00:0a:4d:0b");
	assert_null(str_at(attrs, "identity/macs/1"));
	assert_null(json_object_get(json_object_get(attrs, "hardware"), "machine_id"));
	assert_int_equal(int_at(attrs, "users/root/uid"), 0);
	assert_null(json_object_get(attrs, "errors"));
	assert_null(json_object_get(host, "annotations")); /* human-owned: never produced */
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

static void test_collect_items__packages_keyed_by_name_and_arch(void **state)
{
	json_t *facts = facts_of(web01_facts), *items, *files, *pk;

	(void)state;
	items_of(&items, &files, "web01", facts);
	pk = json_object_get(
		json_object_get(json_object_get(items, "host/web01"), "attributes"), "packages");
	assert_int_equal(json_object_size(pk), 4);
	assert_str(json_object_get(pk, "bash"), "version", "5.2.15-2+b2");
	assert_str(json_object_get(pk, "libc6:amd64"), "arch", "amd64");
	assert_str(json_object_get(pk, "libc6:i386"), "arch", "i386");
	assert_null(json_object_get(pk, "libc6"));
	/* A package called "no" at version "1" stays a string key and a string value. */
	assert_true(json_is_string(json_object_get(json_object_get(pk, "no"), "version")));
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

static void test_collect_items__services_own_their_sockets(void **state)
{
	json_t *facts = facts_of(web01_facts), *items, *files, *nginx, *ssh, *host;

	(void)state;
	items_of(&items, &files, "web01", facts);
	nginx = json_object_get(items, "service/web01/nginx");
	ssh = json_object_get(items, "service/web01/ssh");
	assert_non_null(nginx);
	assert_non_null(ssh);
	assert_non_null(json_object_get(items, "service/web01/docker")); /* enabled, not running */
	assert_null(json_object_get(items, "service/web01/apt-daily")); /* static and dead: noise */
	assert_str(nginx, "type", "service");
	assert_str(nginx, "name", "nginx");
	assert_str(nginx, "attributes/unit", "nginx.service");
	assert_str(nginx, "attributes/package", "nginx");
	assert_str(nginx, "relations/runs_on/0", "host/web01");
	/* Sorted, de-duplicated; [::]:80 found its owner through the cgroup map. */
	assert_str(nginx, "attributes/listen/0", "tcp:0.0.0.0:80");
	assert_str(nginx, "attributes/listen/1", "tcp:[::]:80");
	assert_str(nginx, "attributes/connects/0", "tcp:10.77.0.12:8080");
	assert_null(str_at(nginx, "attributes/connects/1"));
	assert_str(ssh, "attributes/listen/0", "tcp:0.0.0.0:22");
	assert_null(
		json_object_get(json_object_get(ssh, "attributes"), "connects")); /* inbound only */
	host = json_object_get(json_object_get(items, "host/web01"), "attributes");
	/* Unowned loopback listeners on ephemeral ports come and go: not recorded. */
	assert_str(host, "sockets/listening/0", "udp:0.0.0.0:68");
	assert_null(str_at(host, "sockets/listening/1"));
	assert_str(host, "sockets/established/0", "tcp:10.77.0.9:443");
	assert_null(str_at(host, "sockets/established/1"));
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

/*
 * Walk every value of the items: no volatile key, no PID as a number, no
 * ephemeral port or PID inside a string. Digests and fingerprints are random
 * (the redaction key is ephemeral) and may hold any digits, so they are skipped.
 * Returns what it found (a static string), or NULL.
 */
static const char *volatile_in(const json_t *v, const char *key)
{
	static const char *const keys[] = {"pid", "main_pid", "fragment", "cgroups", NULL};
	static const json_int_t pids[] = {812, 813, 555, 901, 902, 444, 4000, 4001, 999, 998};
	static const char *const texts[] = {"812", "813", "43512", "50122", NULL};
	const char *k, *found = NULL;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, m)
		{
			for (i = 0; keys[i]; i++)
				if (strcmp(k, keys[i]) == 0)
					return keys[i];
			if ((found = volatile_in(m, k)))
				return found;
		}
		return NULL;
	case JSON_ARRAY:
		json_array_foreach(
			(json_t *)v, i, m) if ((found = volatile_in(m, key))) return found;
		return NULL;
	case JSON_INTEGER:
		for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
			if (json_integer_value(v) == pids[i])
				return "a PID";
		return NULL;
	case JSON_STRING:
		if ((key && strlen(key) >= 6 && strcmp(key + strlen(key) - 6, "sha256") == 0) ||
			strstr(json_string_value(v), "<redacted hmac-sha256:"))
			return NULL;
		for (i = 0; texts[i]; i++)
			if (strstr(json_string_value(v), texts[i]))
				return texts[i];
		return NULL;
	default: return NULL;
	}
}

static void test_collect_items__volatile_facts_never_written(void **state)
{
	static const char *const planted[] = {
		"{\"service/web01/nginx\": {\"attributes\": {\"main_pid\": 812}}}",
		"{\"host/web01\": {\"attributes\": {\"x\": [1, 813]}}}",
		"{\"host/web01\": {\"attributes\": {\"sockets\": {\"established\": "
		"[\"tcp:10.77.0.11:43512\"]}}}}",
		"{\"service/web01/ssh\": {\"attributes\": {\"listen\": "
		"[\"tcp:10.77.0.1:50122\"]}}}",
	};
	json_t *facts = facts_of(web01_facts), *items, *files;
	const char *found;

	(void)state;
	items_of(&items, &files, "web01", facts);
	if ((found = volatile_in(items, NULL)))
		fail_msg("volatile fact written: %s", found);
	/* The check finds each kind of volatile fact, and never a digest's digits. */
	for (size_t i = 0; i < sizeof(planted) / sizeof(planted[0]); i++) {
		json_t *bad = facts_of(planted[i]);

		assert_non_null(volatile_in(bad, NULL));
		json_decref(bad);
	}
	json_decref(items);
	json_decref(files);
	json_decref(facts);
	items = facts_of("{\"h\": {\"sha256\": \"812812\", \"masked_sha256\": \"43512\", \"exec\": "
			 "\"x <redacted hmac-sha256:812>\"}}");
	assert_null(volatile_in(items, NULL));
	json_decref(items);
}

static void test_collect_items__files_redacted_before_output(void **state)
{
	json_t *facts = facts_of(web01_facts), *items, *files, *entry;
	const char *content;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[65];

	(void)state;
	items_of(&items, &files, "web01", facts);
	content = json_string_value(json_object_get(files, "file/web01/etc/app.conf"));
	assert_non_null(content);
	assert_null(strstr(content, "hunter2"));
	assert_non_null(strstr(content, "user = app\n<redacted hmac-sha256:"));
	assert_non_null(strstr(content, ">\nport = 1\n"));
	entry = json_object_get(
		json_object_get(json_object_get(json_object_get(items, "host/web01"), "attributes"),
			"files"),
		"/etc/app.conf");
	SHA256((const unsigned char *)content, strlen(content), md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_str(entry, "sha256", hex);
	assert_int_equal(
		json_integer_value(json_object_get(entry, "size")), (json_int_t)strlen(content));
	entry = json_object_get(
		json_object_get(json_object_get(json_object_get(items, "host/web01"), "attributes"),
			"files"),
		"/etc/crontab");
	assert_str(entry, "skipped", "missing");
	assert_null(json_object_get(files, "file/web01/etc/crontab"));
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

/* Values from command lines reach items only redacted; a secret-free value is untouched. */
static void test_collect_items__command_lines_redacted(void **state)
{
	json_t *facts = facts_of(
		"{\"services\": {\"units\": {\"app.service\": {\"state\": \"active\", \"exec\": "
		"\"/usr/bin/app --db-password=hunter2 --token zzq --port 80\"},"
		" \"web.service\": {\"state\": \"active\", \"exec\": \"/usr/sbin/nginx -g daemon "
		"on;\"}}},"
		" \"filesystems\": {\"/mnt/dav\": {\"device\": "
		"\"https://u:hunter2@dav.lab.example/x\", "
		"\"fstype\": \"davfs\"}, \"/\": {\"device\": \"/dev/vda1\", \"fstype\": \"ext4\"}},"
		" \"files\": {\"/etc/a.conf\": {\"content\": \"x = 1\\npassword = hunter2\\n\"},"
		"   \"/etc/b.conf\": {\"content\": \"x = 1\\n\"}}}");
	json_t *items, *files, *host, *fs;
	const char *exec;
	char *dump;

	(void)state;
	items_of(&items, &files, "h", facts);
	dump = json_dumps(items, 0);
	assert_null(strstr(dump, "hunter2"));
	assert_null(strstr(dump, "zzq"));
	free(dump);
	exec = str_at(json_object_get(items, "service/h/app"), "attributes/exec");
	assert_non_null(exec);
	assert_true(strncmp(exec, "/usr/bin/app --db-password=<redacted hmac-sha256:", 49) == 0);
	assert_non_null(strstr(exec, "> --token <redacted hmac-sha256:"));
	assert_non_null(strstr(exec, "> --port 80"));
	assert_str(json_object_get(items, "service/h/web"), "attributes/exec",
		"/usr/sbin/nginx -g daemon on;");
	host = json_object_get(json_object_get(items, "host/h"), "attributes");
	fs = json_object_get(host, "filesystems");
	assert_non_null(strstr(str_at(json_object_get(fs, "/mnt/dav"), "device"),
		"https://u:<redacted hmac-sha256:"));
	assert_str(json_object_get(fs, "/"), "device", "/dev/vda1");
	/* masked_sha256 only where something was redacted. */
	assert_non_null(json_object_get(
		json_object_get(json_object_get(host, "files"), "/etc/a.conf"), "masked_sha256"));
	assert_null(json_object_get(
		json_object_get(json_object_get(host, "files"), "/etc/b.conf"), "masked_sha256"));
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

static void test_collect_items__hostile_names_stay_inside_the_tree(void **state)
{
	json_t *facts = facts_of("{\"services\": {\"units\": {"
				 " \"../../etc/passwd.service\": {\"state\": \"active\"},"
				 " \"\\u001b[31mred\\u001b[0m.service\": {\"state\": \"active\"},"
				 " \"a\\nb.service\": {\"state\": \"failed\"},"
				 " \".git.service\": {\"state\": \"active\"},"
				 " \"..\": {\"state\": \"active\"},"
				 " \".service\": {\"state\": \"active\"}}},"
				 " \"files\": {\"/etc/../../../root/x\": {\"content\": \"a\\n\"},"
				 "  \"/etc/\\u001b[0m\\nevil\": {\"content\": \"b\\n\"},"
				 "  \"/.git/config\": {\"content\": \"c\\n\"},"
				 "  \"relative/path\": {\"content\": \"d\\n\"}}}");
	json_t *items, *files, *v;
	const char *id;

	(void)state;
	items_of(&items, &files, "evil", facts);
	assert_int_equal(json_object_size(items), 7); /* host + six services */
	json_object_foreach(items, id, v)
	{
		if (cmdb_id_validate(id) != 0)
			fail_msg("invalid id '%s': %s", id, cmdb_error_last());
		assert_true(strncmp(id, "service/evil/", 13) == 0 || strcmp(id, "host/evil") == 0);
		assert_null(strstr(id, "/../"));
		assert_null(strchr(id, '\n'));
		assert_null(strchr(id, '\x1b'));
	}
	{
		const char *names[2] = {"evil", "../../etc/passwd"};
		char *want = NULL;

		assert_int_equal(cmdb_id_build(&want, "service", names, 2), 0);
		assert_non_null(strstr(want, "%2F"));
		assert_non_null(json_object_get(items, want));
		cmdb_free(want);
	}
	assert_int_equal(json_object_size(files), 3); /* the relative path is dropped */
	json_object_foreach(files, id, v)
	{
		if (cmdb_path_validate(id) != 0)
			fail_msg("invalid path '%s': %s", id, cmdb_error_last());
		assert_true(strncmp(id, "file/evil/", 10) == 0);
		assert_null(strstr(id, "/../"));
		assert_null(strstr(id, "/.git/"));
	}
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

static void test_collect_items__deterministic(void **state)
{
	json_t *facts = facts_of(web01_facts), *a, *af, *b, *bf;
	cmdb_redactor *r = NULL;
	char *da, *db;

	(void)state;
	assert_int_equal(cmdb_redactor_new_ephemeral(&r, NULL), 0);
	assert_int_equal(cmdb_collect_items(&a, &af, "web01", facts, r), 0);
	assert_int_equal(cmdb_collect_items(&b, &bf, "web01", facts, r), 0);
	da = json_dumps(a, JSON_SORT_KEYS);
	db = json_dumps(b, JSON_SORT_KEYS);
	assert_string_equal(da, db);
	assert_true(json_equal(af, bf));
	free(da);
	free(db);
	json_decref(a);
	json_decref(af);
	json_decref(b);
	json_decref(bf);
	cmdb_redactor_free(r);
	json_decref(facts);
}

static void test_collect_items__bad_arguments(void **state)
{
	json_t *facts = facts_of("{}"), *items = (json_t *)0x1, *files = (json_t *)0x1;

	(void)state;
	assert_int_equal(cmdb_collect_items(&items, &files, "", facts, NULL), CMDB_EINVALID);
	assert_null(items);
	assert_null(files);
	assert_int_equal(cmdb_collect_items(&items, &files, "web01", NULL, NULL), CMDB_EINVALID);
	assert_int_equal(cmdb_collect_items(&items, &files, "web01", facts, NULL), 0);
	assert_int_equal(json_object_size(items), 1);
	json_decref(items);
	json_decref(files);
	json_decref(facts);
}

/*
 * Every failing allocation gives an error and no half result (LSan checks the
 * leaks). jansson allocates through the same seam here, so its failures count too.
 */
static void test_collect_items__allocation_failures_are_clean(void **state)
{
	json_t *facts = facts_of(web01_facts);
	int failures = 0, successes_in_a_row = 0;

	(void)state;
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 20000 && successes_in_a_row < 50; n++) {
		json_t *items = (json_t *)0x1, *files = (json_t *)0x1;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = cmdb_collect_items(&items, &files, "web01", facts, NULL);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			successes_in_a_row++;
			json_decref(items);
			json_decref(files);
			continue;
		}
		successes_in_a_row = 0;
		failures++;
		assert_null(items);
		assert_null(files);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(failures > 100);
	json_decref(facts);
}

/* The same for parsing a whole persona output. */
static void test_collect_items__parse_allocation_failures_are_clean(void **state)
{
	char *path, *data;
	size_t len;
	int failures = 0, successes_in_a_row = 0;

	(void)state;
	assert_true(asprintf(&path, "%s/tests/lab/personas/evil.out", CMDB_SOURCE_DIR) > 0);
	assert_non_null(data = tu_read_file(path, &len));
	json_set_alloc_funcs(cmdb__malloc, free);
	for (long n = 1; n < 20000 && successes_in_a_row < 50; n++) {
		json_t *facts = (json_t *)0x1;
		int rc;

		cmdb__alloc_fail_at(n);
		rc = cmdb_collect_parse(&facts, data, len, NULL);
		cmdb__alloc_fail_at(0);
		if (rc == 0) {
			/* A failure inside a parser may only ever cost that section, never crash.
			 */
			successes_in_a_row++;
			json_decref(facts);
			continue;
		}
		successes_in_a_row = 0;
		failures++;
		assert_null(facts);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(failures > 100);
	free(data);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_items__host_item_shape),
		cmocka_unit_test(test_collect_items__packages_keyed_by_name_and_arch),
		cmocka_unit_test(test_collect_items__services_own_their_sockets),
		cmocka_unit_test(test_collect_items__volatile_facts_never_written),
		cmocka_unit_test(test_collect_items__files_redacted_before_output),
		cmocka_unit_test(test_collect_items__command_lines_redacted),
		cmocka_unit_test(test_collect_items__hostile_names_stay_inside_the_tree),
		cmocka_unit_test(test_collect_items__deterministic),
		cmocka_unit_test(test_collect_items__bad_arguments),
		cmocka_unit_test(test_collect_items__allocation_failures_are_clean),
		cmocka_unit_test(test_collect_items__parse_allocation_failures_are_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
