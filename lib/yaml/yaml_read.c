/*
 * YAML reader: libyaml events -> jansson value tree, without recursion (an explicit
 * stack bounded by CMDB_YAML_MAX_DEPTH), so hostile input cannot blow the C stack.
 * Every rejection names "name:line:column" (1-based).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/file.h"
#include "gitcmdb/yaml.h"
#include "yaml/yaml_scalar.h"

typedef struct {
	json_t *node; /* the collection being filled (borrowed; its parent owns it) */
	char *key; /* mapping: the pending key, NULL while a key is expected */
	size_t key_len;
	size_t path_len; /* length of node's JSON pointer in reader.path */
} frame;

typedef struct {
	const char *name;
	json_t *root;
	json_t *marks; /* NULL unless the caller wants them */
	frame stack[CMDB_YAML_MAX_DEPTH];
	int depth;
	int documents;
	cmdb_buf path; /* JSON pointer of the node being added */
} reader;

static int fail_at(reader *r, yaml_mark_t m, const char *what)
{
	return cmdb__error(
		CMDB_EINVALID, "%s:%zu:%zu: %s", r->name, m.line + 1, m.column + 1, what);
}

static int oom(void)
{
	return cmdb__error(CMDB_ERROR, "out of memory while reading YAML");
}

/* Reader (encoding) errors carry only a byte offset: turn it into line:column. */
static void offset_to_mark(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, c = 1;

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int parser_error(reader *r, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *hint;
	size_t line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return oom();
	if (p->error == YAML_READER_ERROR) {
		offset_to_mark(buf, len, p->problem_offset, &line, &col);
		if (strstr(p->problem, "control characters"))
			return cmdb__error(CMDB_EINVALID,
				"%s:%zu:%zu: %s (byte 0x%02x; write it as a \\x%02x escape in a "
				"double-quoted string)",
				r->name, line, col, p->problem, (unsigned)p->problem_value & 0xFF,
				(unsigned)p->problem_value & 0xFF);
		return cmdb__error(CMDB_EINVALID, "%s:%zu:%zu: invalid UTF-8: %s", r->name, line,
			col, p->problem);
	}
	/* Tabs are the commonest cause of "cannot start any token": say so. */
	hint = p->problem_mark.index < len && buf[p->problem_mark.index] == '\t'
		? "; indent with spaces, YAML does not allow tabs there"
		: "";
	if (p->context)
		return cmdb__error(CMDB_EINVALID, "%s:%zu:%zu: %s (%s started at line %zu:%zu)%s",
			r->name, p->problem_mark.line + 1, p->problem_mark.column + 1,
			p->problem ? p->problem : "syntax error", p->context,
			p->context_mark.line + 1, p->context_mark.column + 1, hint);
	return cmdb__error(CMDB_EINVALID, "%s:%zu:%zu: %s%s", r->name, p->problem_mark.line + 1,
		p->problem_mark.column + 1, p->problem ? p->problem : "syntax error", hint);
}

/* JSON pointer escaping (RFC 6901): '~' -> "~0", '/' -> "~1". */
static int path_push_key(cmdb_buf *b, const char *key, size_t len)
{
	int err = cmdb__buf_put(b, "/", 1);

	for (size_t i = 0; !err && i < len; i++) {
		if (key[i] == '~')
			err = cmdb__buf_put(b, "~0", 2);
		else if (key[i] == '/')
			err = cmdb__buf_put(b, "~1", 2);
		else
			err = cmdb__buf_put(b, key + i, 1);
	}
	return err;
}

static void path_truncate(cmdb_buf *b, size_t len)
{
	b->len = len;
	if (b->ptr)
		b->ptr[len] = '\0';
}

/*
 * Attach value (a new reference, always consumed) at the current position and
 * record its mark. *pushed_path is left as the value's pointer length.
 */
static int attach(reader *r, json_t *value, yaml_mark_t m, size_t *value_path)
{
	frame *top = r->depth ? &r->stack[r->depth - 1] : NULL;
	int err = 0;

	if (top) {
		path_truncate(&r->path, top->path_len);
		if (json_is_array(top->node))
			err = cmdb__buf_printf(&r->path, "/%zu", json_array_size(top->node));
		else
			err = path_push_key(&r->path, top->key, top->key_len);
		if (err)
			goto done;
	}
	if (r->marks &&
		json_object_set_new(r->marks, r->path.ptr ? r->path.ptr : "",
			json_pack("[ii]", (int)m.line + 1, (int)m.column + 1)) < 0) {
		err = oom();
		goto done;
	}
	*value_path = r->path.len;
	if (!top) {
		r->root = value;
		return 0;
	}
	if (json_is_array(top->node)) {
		err = json_array_append_new(top->node, value) < 0 ? oom() : 0;
	} else {
		err = json_object_setn_new(top->node, top->key, top->key_len, value) < 0 ? oom()
											 : 0;
		cmdb_free(top->key);
		top->key = NULL;
	}
	return err;
done:
	json_decref(value);
	return err;
}

static int check_node(reader *r, const yaml_event_t *ev, const char *anchor, const char *tag)
{
	if (anchor)
		return fail_at(r, ev->start_mark,
			"anchors are not supported (write the value out in full)");
	if (tag)
		return fail_at(r, ev->start_mark, "tags are not supported (remove the '!' tag)");
	return 0;
}

static int on_key(reader *r, frame *top, const yaml_event_t *ev)
{
	const char *k = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char msg[160];

	if (memchr(k, '\0', n))
		return fail_at(r, ev->start_mark, "mapping key contains a NUL character");
	if (json_object_getn(top->node, k, n)) {
		snprintf(msg, sizeof(msg), "duplicate key '%.*s%s'", n > 60 ? 60 : (int)n, k,
			n > 60 ? "..." : "");
		return fail_at(r, ev->start_mark, msg);
	}
	if (!(top->key = cmdb__strndup(k, n)))
		return oom();
	top->key_len = n;
	return 0;
}

static int on_scalar(reader *r, const yaml_event_t *ev)
{
	frame *top = r->depth ? &r->stack[r->depth - 1] : NULL;
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	json_t *v = NULL;
	size_t ignored;
	int err;

	if ((err = check_node(r, ev, (const char *)ev->data.scalar.anchor,
		     (const char *)ev->data.scalar.tag)) < 0)
		return err;
	if (top && json_is_object(top->node) && !top->key)
		return on_key(r, top, ev);
	if (memchr(s, '\0', n))
		return fail_at(r, ev->start_mark,
			"string contains a NUL character (\\0), which gitcmdb does not store");
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (cmdb__yaml_type_plain(&v, s, n) < 0)
			return oom();
	} else if (!(v = json_stringn(s, n))) {
		return oom();
	}
	err = attach(r, v, ev->start_mark, &ignored);
	return err;
}

static int on_collection_start(reader *r, const yaml_event_t *ev, int is_map)
{
	frame *top = r->depth ? &r->stack[r->depth - 1] : NULL;
	json_t *v;
	size_t vpath;
	int err;

	if (is_map)
		err = check_node(r, ev, (const char *)ev->data.mapping_start.anchor,
			(const char *)ev->data.mapping_start.tag);
	else
		err = check_node(r, ev, (const char *)ev->data.sequence_start.anchor,
			(const char *)ev->data.sequence_start.tag);
	if (err < 0)
		return err;
	if (top && json_is_object(top->node) && !top->key)
		return fail_at(r, ev->start_mark, "mapping keys must be scalars");
	if (r->depth >= CMDB_YAML_MAX_DEPTH)
		return fail_at(r, ev->start_mark, "nesting deeper than 64 levels");
	if (!(v = is_map ? json_object() : json_array()))
		return oom();
	if ((err = attach(r, v, ev->start_mark, &vpath)) < 0)
		return err;
	r->stack[r->depth].node = v;
	r->stack[r->depth].key = NULL;
	r->stack[r->depth].path_len = vpath;
	r->depth++;
	return 0;
}

/* One event; *finished set at STREAM-END. */
static int on_event(reader *r, const yaml_event_t *ev, int *finished)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (r->documents++)
			return fail_at(r, ev->start_mark,
				"more than one YAML document (one file holds one document)");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(r, ev->start_mark,
			"aliases are not supported (write the value out in full)");
	case YAML_SCALAR_EVENT: return on_scalar(r, ev);
	case YAML_SEQUENCE_START_EVENT: return on_collection_start(r, ev, 0);
	case YAML_MAPPING_START_EVENT: return on_collection_start(r, ev, 1);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: r->depth--; return 0;
	case YAML_STREAM_END_EVENT: *finished = 1; return 0;
	default: return 0;
	}
}

/*
 * In a flow collection libyaml takes every '?' as the explicit-key indicator, even
 * when text follows it ("{ ?foo: bar }" becomes {foo: bar}, "[?x]" becomes
 * [{x: null}]), where YAML reads the plain scalar "?foo". Rather than silently
 * change the value, refuse it. An explicit key token is the one-byte '?' itself
 * (implicit keys are zero-width), so the byte after it tells the two apart.
 */
static int check_key_indicators(reader *r, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_token_t tok;
	int err = 0, end = 0;

	if (!memchr(buf, '?', len))
		return 0;
	if (!yaml_parser_initialize(&parser))
		return oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!err && !end) {
		size_t at;

		if (!yaml_parser_scan(&parser, &tok))
			break; /* the event parse below reports syntax errors with context */
		at = tok.end_mark.index;
		end = tok.type == YAML_STREAM_END_TOKEN;
		if (tok.type == YAML_KEY_TOKEN && at == tok.start_mark.index + 1 &&
			buf[at - 1] == '?' && at < len && !strchr(" \t\r\n", buf[at]))
			err = fail_at(r, tok.start_mark,
				"'?' followed directly by text in a flow collection: libyaml "
				"would read it as a key marker and drop the '?'; quote the "
				"string (\"?...\") or write '? key' with a space");
		yaml_token_delete(&tok);
	}
	yaml_parser_delete(&parser);
	return err;
}

static int parse(json_t **out, json_t **marks, const char *buf, size_t len, const char *name)
{
	reader r;
	yaml_parser_t parser;
	yaml_event_t ev;
	int finished = 0, err = 0;

	memset(&r, 0, sizeof(r));
	r.name = name ? name : "<input>";
	cmdb__buf_init(&r.path, 0);
	if (len > CMDB_YAML_MAX_BYTES)
		return cmdb__error(CMDB_ETOOBIG, "%s: %zu bytes is over the %u-byte YAML limit",
			r.name, len, CMDB_YAML_MAX_BYTES);
	/* A UTF-8 byte-order mark is accepted (editors on Windows write one); libyaml
	 * only skips it when it detects the encoding itself, and we force UTF-8 so that
	 * UTF-16/32 input is refused. Positions then count from after the mark. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if ((err = check_key_indicators(&r, buf, len)) < 0)
		return err;
	if (!yaml_parser_initialize(&parser))
		return oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (marks && !(r.marks = json_object())) {
		err = oom();
		goto done;
	}
	while (!finished) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err = parser_error(&r, &parser, buf, len);
			goto done;
		}
		err = on_event(&r, &ev, &finished);
		yaml_event_delete(&ev);
		if (err < 0)
			goto done;
	}
	/* An empty file (or one holding only comments) is a null document. */
	if (!r.root) {
		r.root = json_null();
		if (r.marks && json_object_set_new(r.marks, "", json_pack("[ii]", 1, 1)) < 0) {
			err = oom();
			goto done;
		}
	}
	*out = r.root;
	r.root = NULL;
	if (marks) {
		*marks = r.marks;
		r.marks = NULL;
	}
done:
	for (int i = 0; i < r.depth; i++)
		cmdb_free(r.stack[i].key);
	json_decref(r.root);
	json_decref(r.marks);
	cmdb__buf_dispose(&r.path);
	yaml_parser_delete(&parser);
	return err;
}

int cmdb_yaml_parse(json_t **out, const char *buf, size_t len, const char *name)
{
	return parse(out, NULL, buf, len, name);
}

int cmdb_yaml_parse_marked(
	json_t **out, json_t **marks, const char *buf, size_t len, const char *name)
{
	return parse(out, marks, buf, len, name);
}

int cmdb_yaml_parse_file(json_t **out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	if ((err = cmdb__file_read(&buf, &len, path, CMDB_YAML_MAX_BYTES, 0)) < 0)
		return err;
	err = parse(out, NULL, buf, len, path);
	free(buf);
	return err;
}
