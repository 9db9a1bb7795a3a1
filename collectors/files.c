/*
 * files: blocks "%% file <status> <path>", status b64 or hex (the content
 * follows, encoded) or missing, unreadable, too-big. Decoded content goes into
 * the facts as a string of raw bytes; redaction happens in lib/collect/normalise_files.c
 * before anything is written. Files with NUL bytes are binary and skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

/* The largest file_max_bytes a setting may ask for. */
#define FILE_MAX (16u * 1024 * 1024)

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 (whitespace ignored, '=' ends it); CMDB_EINVALID on a bad byte. */
static int decode_b64(cmdb_buf *out, const char *s, size_t len)
{
	unsigned acc = 0;
	int bits = 0, err;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] == '=')
			break;
		if ((v = b64_value(s[i])) < 0)
			return cmdb__error(CMDB_EINVALID, "bad base64");
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			char c = (char)((acc >> (bits - 8)) & 0xFF);

			bits -= 8;
			if ((err = cmdb__buf_put(out, &c, 1)) < 0)
				return err;
		}
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* od -An -tx1 output: blank-separated two-digit hex bytes. */
static int decode_hex(cmdb_buf *out, const char *s, size_t len)
{
	int err;

	for (size_t i = 0; i < len;) {
		int hi, lo;
		char c;

		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		if (i + 1 >= len || (hi = hex_value(s[i])) < 0 || (lo = hex_value(s[i + 1])) < 0)
			return cmdb__error(CMDB_EINVALID, "bad hex dump");
		c = (char)(hi << 4 | lo);
		if ((err = cmdb__buf_put(out, &c, 1)) < 0)
			return err;
		i += 2;
	}
	return 0;
}

static int set_skipped(json_t *files, cmdb__tok path, const char *why)
{
	return cmdb__obj_set(files, path, json_pack("{s:s}", "skipped", why));
}

/* An absolute path without ".", ".." or empty components: what a capture list can hold. */
static int path_ok(cmdb__tok p)
{
	if (p.len == 0 || p.p[0] != '/' || p.p[p.len - 1] == '/')
		return 0;
	for (size_t i = 1; i <= p.len; i++) {
		size_t s = i;

		while (i < p.len && p.p[i] != '/')
			i++;
		cmdb__tok c = {p.p + s, i - s};
		if (c.len == 0 || cmdb__tok_eq(c, ".") || cmdb__tok_eq(c, ".."))
			return 0;
	}
	return 1;
}

static int one_file(json_t *files, const cmdb__block *b, json_t *errors)
{
	cmdb__tok f[3];
	cmdb_buf data = CMDB_BUF_INIT(FILE_MAX);
	size_t n = cmdb__split_char(f, 3, (cmdb__tok){b->label, b->label_len}, ' ');
	int err = 0, is_b64;

	if (n != 3 || !path_ok(f[2])) {
		cmdb__collect_warn(errors, "files",
			"file block without a status and a plain absolute path skipped");
		return 0;
	}
	if (!(is_b64 = cmdb__tok_eq(f[1], "b64")) && !cmdb__tok_eq(f[1], "hex")) {
		const char *why = cmdb__tok_eq(f[1], "missing") ? "missing"
			: cmdb__tok_eq(f[1], "too-big")         ? "too-big"
								: "unreadable";
		return set_skipped(files, f[2], why);
	}
	err = is_b64 ? decode_b64(&data, b->body, b->len) : decode_hex(&data, b->body, b->len);
	if (err == CMDB_ETOOBIG) {
		err = set_skipped(files, f[2], "too-big");
	} else if (err == CMDB_EINVALID) {
		cmdb__collect_warn(errors, "files", "%s: content not decodable; not captured",
			is_b64 ? "base64" : "hex");
		err = set_skipped(files, f[2], "undecodable");
	} else if (err == 0 && data.len && memchr(data.ptr, '\0', data.len)) {
		err = set_skipped(files, f[2], "binary");
	} else if (err == 0) {
		json_t *o = json_object();

		if (!o ||
			json_object_set_new(o, "content",
				json_stringn_nocheck(data.ptr ? data.ptr : "", data.len)) < 0 ||
			cmdb__set_int(o, "size", data.len) < 0) {
			json_decref(o);
			err = cmdb__oom();
		} else {
			err = cmdb__obj_set(files, f[2], o);
		}
	}
	cmdb__buf_dispose(&data);
	return err;
}

static int files_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *files = json_object();
	int err = 0;

	*out = NULL;
	if (!files)
		return cmdb__oom();
	for (size_t i = 0; i < sec->nblocks; i++) {
		const cmdb__block *b = &sec->blocks[i];

		if (b->label_len < 5 || memcmp(b->label, "file ", 5) != 0)
			continue;
		if ((err = one_file(files, b, errors)) < 0)
			goto done;
	}
	*out = files;
	files = NULL;
done:
	json_decref(files);
	return err;
}

const cmdb_collector cmdb__collector_files = {"files", "collectors/files.sh", files_parse, 0};
