/*
 * Fuzz target for the redactor, which reads file content and command lines from
 * hosts: any bytes, as a file and as a command line, must redact without crashing
 * or looping, the same way twice, and the output must be the input with some
 * parts replaced by fingerprints: the redactor never invents or reorders text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gitcmdb/collect.h"
#include "collect/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cmdb_redactor *redactor;

static const char *search(const char *hay, size_t hn, const char *needle, size_t nn)
{
	if (nn == 0)
		return hay;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(hay + i, needle, nn) == 0)
			return hay + i;
	return NULL;
}

/* 1 when out is in with some substrings replaced by fingerprints (a glob match). */
static int is_in_with_fingerprints(const char *out, size_t on, const char *in, size_t in_n)
{
	size_t o = 0, seg = 0, i = 0;
	int first = 1;

	for (;;) {
		size_t fp = o < on ? cmdb__fingerprint_at(out + o, on - o) : 0;

		if (o < on && !fp) {
			o++;
			continue;
		}
		/* out[seg, o) is a literal segment. */
		if (first) {
			if (o - seg > in_n || memcmp(out + seg, in, o - seg) != 0)
				return 0;
			i = o - seg;
		} else if (o >= on) {
			if (o - seg > in_n - i ||
				memcmp(out + seg, in + in_n - (o - seg), o - seg) != 0)
				return 0;
			i = in_n;
		} else {
			const char *at = search(in + i, in_n - i, out + seg, o - seg);

			if (!at)
				return 0;
			i = (size_t)(at - in) + (o - seg);
		}
		if (o >= on)
			return first ? i == in_n : 1;
		first = 0;
		o += fp;
		seg = o;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *a = NULL, *b = NULL;
	size_t an = 0, bn = 0;

	if (!redactor && cmdb_redactor_new_ephemeral(&redactor, NULL) != 0)
		abort();
	if (cmdb_redact(&a, &an, redactor, in, size) == 0) {
		if (cmdb_redact(&b, &bn, redactor, in, size) != 0 || an != bn ||
			memcmp(a, b, an) != 0 || !is_in_with_fingerprints(a, an, in, size))
			abort();
	}
	free(a);
	free(b);
	a = b = NULL;
	if (cmdb_redact_command(&a, redactor, in, size) == 0) {
		an = strlen(a);
		if (cmdb_redact_command(&b, redactor, in, size) != 0 || strcmp(a, b) != 0 ||
			(!memchr(in, 0, size) && !is_in_with_fingerprints(a, an, in, size)))
			abort();
	}
	if (cmdb__redact_only_fingerprints_differ(in, size, in, size))
		abort();
	free(a);
	free(b);
	return 0;
}
