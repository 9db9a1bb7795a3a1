/*
 * Captured files -> attrs.files {PATH: {sha256, size[, masked_sha256]}} and raw files
 * "file/H/PATH" -> redacted content. Redaction runs here, before anything can be
 * written; the digest and size are of the redacted bytes, so they are safe to keep.
 * masked_sha256 (only for a file with redactions) hashes the redacted text with each
 * fingerprint replaced by "<redacted>": when only sha256 changes, only secrets (or the
 * redaction key) changed, and the scan says so instead of calling it drift.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "gitcmdb/id.h"
#include "collectors.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "collect/normalise.h"
#include "collect/redact.h"

/* "file/" + enc(host) + "/" + enc(each component of path); NULL-safe errors. */
static int repo_path(char **out, const char *host, const char *path)
{
	cmdb_buf b = CMDB_BUF_INIT(4096);
	char *enc = NULL;
	int err;

	*out = NULL;
	if ((err = cmdb_id_encode_component(&enc, host, strlen(host))) < 0 ||
		(err = cmdb__buf_printf(&b, "file/%s", enc)) < 0)
		goto done;
	for (const char *p = path; *p;) {
		const char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);

		if (n) {
			cmdb_free(enc);
			enc = NULL;
			if ((err = cmdb_id_encode_component(&enc, p, n)) < 0 ||
				(err = cmdb__buf_printf(&b, "/%s", enc)) < 0)
				goto done;
		}
		p += n + (s ? 1 : 0);
	}
	if ((err = cmdb_path_validate(b.ptr ? b.ptr : "")) < 0)
		goto done;
	if (!(*out = cmdb__buf_detach(&b, NULL)))
		err = cmdb__oom();
done:
	cmdb_free(enc);
	cmdb__buf_dispose(&b);
	return err;
}

static json_t *sha256_hex(const char *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	static const char digits[] = "0123456789abcdef";

	SHA256((const unsigned char *)data, len, md);
	for (size_t i = 0; i < sizeof(md); i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[sizeof(hex) - 1] = '\0';
	return json_string(hex);
}

/* sha256 of text with every fingerprint masked; NULL (no error) when it has none. */
static int masked_sha256(json_t **out, const char *text, size_t len)
{
	cmdb_buf b = CMDB_BUF_INIT(len + 1);
	size_t at = 0, found = 0;
	int err = 0;

	*out = NULL;
	for (size_t i = 0; i < len && err == 0;) {
		size_t fp = text[i] == '<' ? cmdb__fingerprint_at(text + i, len - i) : 0;

		if (!fp) {
			i++;
			continue;
		}
		found++;
		if ((err = cmdb__buf_put(&b, text + at, i - at)) == 0)
			err = cmdb__buf_puts(&b, "<redacted>");
		i += fp;
		at = i;
	}
	if (err == 0 && found && (err = cmdb__buf_put(&b, text + at, len - at)) == 0 &&
		!(*out = sha256_hex(b.ptr, b.len)))
		err = cmdb__oom();
	cmdb__buf_dispose(&b);
	return err;
}

static int one_file(json_t *list, json_t *raw, const char *host, const char *path, const json_t *f,
	const cmdb_redactor *r)
{
	json_t *content = json_object_get(f, "content"), *entry = NULL, *masked = NULL;
	char *red = NULL, *rp = NULL;
	size_t red_len = 0;
	int err = 0;

	/* A path that cannot live in the tree (hostile or too long) is dropped, not fatal. */
	if (path[0] != '/' || repo_path(&rp, host, path) < 0)
		goto done;
	if (!json_is_string(content)) {
		const char *why = json_string_value(json_object_get(f, "skipped"));

		if (!(entry = json_pack("{s:s}", "skipped", why ? why : "not captured")) ||
			json_object_set_new(list, path, entry) < 0)
			err = cmdb__oom();
		goto done;
	}
	if ((err = cmdb_redact(&red, &red_len, r, json_string_value(content),
		     json_string_length(content))) < 0)
		goto done;
	if ((err = masked_sha256(&masked, red, red_len)) < 0)
		goto done;
	if (!(entry = json_pack("{s:o, s:I, s:o*}", "sha256", sha256_hex(red, red_len), "size",
		      (json_int_t)red_len, "masked_sha256", masked)) ||
		json_object_set_new(list, path, entry) < 0 ||
		json_object_set_new(raw, rp, json_stringn_nocheck(red, red_len)) < 0)
		err = cmdb__oom();
done:
	free(red);
	cmdb_free(rp);
	return err;
}

int cmdb__files_items(json_t *attrs, json_t *raw, const char *host, const json_t *files,
	const cmdb_redactor *redactor)
{
	json_t *list = NULL, *f;
	const char *path;
	int err = 0;

	if (json_object_size(files) == 0)
		return 0;
	if (!(list = json_object())) {
		err = cmdb__oom();
		goto done;
	}
	json_object_foreach((json_t *)files, path,
		f) if ((err = one_file(list, raw, host, path, f, redactor)) < 0) goto done;
	if (json_object_size(list) && json_object_set(attrs, "files", list) < 0)
		err = cmdb__oom();
done:
	json_decref(list);
	return err;
}
