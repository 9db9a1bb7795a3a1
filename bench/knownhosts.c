/*
 * Host-key checking cost per host with a big known_hosts (5,000 lines by default; argv[1]
 * changes it), plain and hashed ("|1|salt|hash", as ssh-keygen -H writes).
 *
 *   re-read: what every exec of a scan paid when it read and parsed a temporary copy of the
 *            file, then checked the key (cmdb_knownhosts_load + check);
 *   shared:  what it pays now: the check alone, on the table the scan parsed once.
 *
 * CPU time per host (a busy machine skews it less), the host looked up being the last one
 * recorded (the worst case for a linear scan). Prints figures; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gitcmdb/gitcmdb.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void b64(char *out, const unsigned char *in, int len)
{
	EVP_EncodeBlock((unsigned char *)out, in, len);
}

/* An ssh-ed25519 key blob (wire format) made from i. */
static void key_blob(unsigned char blob[51], int i)
{
	static const unsigned char head[] = {
		0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32};

	memcpy(blob, head, sizeof(head));
	for (int k = 0; k < 32; k++)
		blob[sizeof(head) + k] = (unsigned char)(i * 31 + k * 7);
}

/* known_hosts text of n hosts "[10.a.b.c]:22"; hashed names when hashed. */
static char *make_file(int n, int hashed, size_t *len)
{
	char *text = malloc((size_t)n * 256 + 1), name[64], field[160], key[128];
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		unsigned char blob[51], salt[20], md[20];
		unsigned int mdlen = 0;

		snprintf(name, sizeof(name), "[10.%d.%d.%d]:2222", i >> 16 & 255, i >> 8 & 255,
			i & 255);
		if (hashed) {
			char s64[32], h64[32];

			for (int k = 0; k < 20; k++)
				salt[k] = (unsigned char)(i + k);
			HMAC(EVP_sha1(), salt, 20, (const unsigned char *)name, strlen(name), md,
				&mdlen);
			b64(s64, salt, 20);
			b64(h64, md, 20);
			snprintf(field, sizeof(field), "|1|%s|%s", s64, h64);
		} else {
			snprintf(field, sizeof(field), "%s", name);
		}
		key_blob(blob, i);
		b64(key, blob, sizeof(blob));
		off += (size_t)sprintf(text + off, "%s ssh-ed25519 %s\n", field, key);
	}
	*len = off;
	return text;
}

static void run(int n, int hashed)
{
	char path[] = "/tmp/gitcmdb-bench-kh-XXXXXX", host[64];
	size_t len;
	char *text = make_file(n, hashed, &len);
	unsigned char blob[51];
	cmdb_knownhosts *shared = NULL;
	int fd = mkstemp(path), rounds = 0, bad = 0;
	double t0, reread, per_check;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("bench/knownhosts: temp file");
		exit(1);
	}
	close(fd);
	snprintf(host, sizeof(host), "[10.%d.%d.%d]:2222", (n - 1) >> 16 & 255, (n - 1) >> 8 & 255,
		(n - 1) & 255);
	key_blob(blob, n - 1);
	t0 = now();
	do {
		cmdb_knownhosts *kh = NULL;

		if (cmdb_knownhosts_load(&kh, path) < 0)
			bad++;
		bad += cmdb_knownhosts_check(kh, host, blob, sizeof(blob)) != CMDB_KH_MATCH;
		cmdb_knownhosts_free(kh);
		rounds++;
	} while (now() - t0 < 1.0);
	reread = (now() - t0) / rounds;
	if (cmdb_knownhosts_parse(&shared, text, len, "known_hosts") < 0)
		bad++;
	rounds = 0;
	t0 = now();
	do {
		bad += cmdb_knownhosts_check(shared, host, blob, sizeof(blob)) != CMDB_KH_MATCH;
		rounds++;
	} while (now() - t0 < 1.0);
	per_check = (now() - t0) / rounds;
	printf("%-7s %6d lines  %8.3f ms/host re-read   %8.3f ms/host shared   %6.0fx%s\n",
		hashed ? "hashed" : "plain", n, reread * 1e3, per_check * 1e3, reread / per_check,
		bad ? "  (CHECK FAILED)" : "");
	cmdb_knownhosts_free(shared);
	unlink(path);
	free(text);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;

	if (n < 1 || cmdb_init() < 0)
		return 1;
	printf("known_hosts check per host, CPU time (bench/knownhosts)\n");
	run(n, 0);
	run(n, 1);
	cmdb_shutdown();
	return 0;
}
