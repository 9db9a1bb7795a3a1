#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

char *tu_tempdir(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&path, "%s/gitcmdb-%s-XXXXXX", tmp, tag) < 0)
		abort();
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		abort();
	}
	return path;
}

void tu_rmrf(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/", 5) == 0)
		tu_sh(NULL, "rm -rf '%s'", dir);
}

/*
 * git plumbing and commits in tests need an identity, and a fresh machine (CI)
 * has none: commands get one as if given with -c (GIT_CONFIG_COUNT), so a
 * command's own -c user.name=... or GIT_AUTHOR_NAME still wins.
 */
#define TEST_IDENTITY                                                                              \
	"[ -n \"${GIT_CONFIG_COUNT:-}\" ] || export GIT_CONFIG_COUNT=2 "                           \
	"GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0='gitcmdb test' "                            \
	"GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=test@example.invalid; "

int tu_sh(char **out, const char *fmt, ...)
{
	va_list ap;
	char *body, *cmd;
	FILE *p;
	char *buf = NULL;
	size_t len = 0, alloc = 0;
	int status;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&cmd, TEST_IDENTITY "%s", body) < 0)
		abort();
	free(body);
	if (!(p = popen(cmd, "r"))) {
		free(cmd);
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > alloc) {
			alloc = alloc ? alloc * 2 : 8192;
			if (!(buf = realloc(buf, alloc)))
				abort();
		}
		size_t n = fread(buf + len, 1, 4096, p);
		if (n == 0)
			break;
		len += n;
	}
	if (buf)
		buf[len] = '\0';
	status = pclose(p);
	free(cmd);
	if (out)
		*out = buf ? buf : strdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
		(buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int tu_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

unsigned tu_seed(void)
{
	static unsigned seed;
	static int known;

	if (!known) {
		const char *env = getenv("CMDB_SEED");

		seed = env && *env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
		known = 1;
		printf("CMDB_SEED=%u replays this run's random choices\n", seed);
	}
	return seed;
}

int tu_damage_table_root(const char *db, const char *table)
{
	/* pseudo-random bytes from tu_seed(), so a failure can be replayed */
	return tu_sh(NULL,
		       "sqlite3 '%s' 'PRAGMA journal_mode=DELETE' >/dev/null && "
		       "ps=$(sqlite3 '%s' 'PRAGMA page_size') && "
		       "pg=$(sqlite3 '%s' \"SELECT rootpage FROM sqlite_master WHERE name='%s'\") "
		       "&& "
		       "\"${PYTHON:-python3}\" -c 'import random, sys; "
		       "sys.stdout.buffer.write(random.Random(int(sys.argv[2])).randbytes("
		       "int(sys.argv[1])))' $ps %u | dd of='%s' bs=$ps seek=$((pg - 1)) "
		       "conv=notrunc status=none",
		       db, db, db, table, tu_seed(), db) == 0
		? 0
		: -1;
}
