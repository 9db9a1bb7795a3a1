/*
 * filesystems: /proc/mounts filtered to local block filesystem types (network
 * and pseudo filesystems never count), with sizes from the script's df pass: one
 * `df -P -k MOUNT...` (block "df-P"), or, from older scripts, "MOUNTPOINT KBYTES" lines
 * with the mount point escaped as in /proc/mounts (block "df").
 */
#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "util/alloc.h"
#include "util/error.h"

static const char *const local_types[] = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "vfat",
	"exfat", "ntfs", "ntfs3", "f2fs", "jfs", "reiserfs", "bcachefs", NULL};

static int is_local(cmdb__tok fstype)
{
	for (size_t i = 0; local_types[i]; i++)
		if (cmdb__tok_eq(fstype, local_types[i]))
			return 1;
	return 0;
}

/* Undo /proc/mounts octal escapes ("\040" is a space) into buf; returns the length. */
static size_t unescape(char *buf, size_t cap, cmdb__tok t)
{
	size_t n = 0;

	for (size_t i = 0; i < t.len && n < cap; i++) {
		if (t.p[i] == '\\' && i + 3 < t.len && t.p[i + 1] >= '0' && t.p[i + 1] <= '3' &&
			t.p[i + 2] >= '0' && t.p[i + 2] <= '7' && t.p[i + 3] >= '0' &&
			t.p[i + 3] <= '7') {
			buf[n++] = (char)(((t.p[i + 1] - '0') << 6) | ((t.p[i + 2] - '0') << 3) |
				(t.p[i + 3] - '0'));
			i += 3;
		} else {
			buf[n++] = t.p[i];
		}
	}
	return n;
}

static int parse_mounts(json_t *fs, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, t[6];
	char dev[1024], mnt[1024];
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 6, line);

		if (n == 0)
			continue;
		if (n < 4 || t[1].p[0] != '/') {
			(*bad)++;
			continue;
		}
		if (!is_local(t[2]))
			continue;
		size_t dl = unescape(dev, sizeof(dev), t[0]), ml = unescape(mnt, sizeof(mnt), t[1]);
		json_t *o = json_object();
		if (!o || cmdb__set_tok(o, "device", (cmdb__tok){dev, dl}) < 0 ||
			cmdb__set_tok(o, "fstype", t[2]) < 0) {
			json_decref(o);
			return cmdb__oom();
		}
		if ((err = cmdb__obj_set(fs, (cmdb__tok){mnt, ml}, o)) < 0)
			return err;
	}
	return 0;
}

/* Set size_mb of the mount whose (unescaped) mount point is mnt[0..len). */
static int set_size(json_t *fs, const char *mnt, size_t len, uint64_t kb)
{
	char *key = cmdb__sanitize(mnt, len);
	json_t *entry;
	int err = 0;

	if (!key)
		return cmdb__oom();
	if ((entry = json_object_get(fs, key)))
		err = cmdb__set_int(entry, "size_mb", kb / 1024);
	free(key);
	return err;
}

static int parse_df(json_t *fs, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, t[3];
	char mnt[1024];
	uint64_t kb;
	int err = 0;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 3, line);

		if (n == 0)
			continue;
		if (n != 2 || cmdb__tok_u64(&kb, t[1]) < 0) {
			(*bad)++;
			continue;
		}
		/* Look the mount up by its sanitised key, as parse_mounts stored it. */
		if ((err = set_size(fs, mnt, unescape(mnt, sizeof(mnt), t[0]), kb)) < 0)
			return err;
	}
	return 0;
}

/*
 * `df -P -k` rows: FILESYSTEM 1024-BLOCKS USED AVAILABLE CAPACITY MOUNTPOINT, the mount
 * point being the rest of the line (it may hold blanks); the header row is skipped.
 */
static int parse_df_posix(json_t *fs, const cmdb__block *b, int *bad)
{
	const char *pos = b->body, *end = b->body + b->len;
	cmdb__tok line, t[6];
	uint64_t kb;
	int err;

	while (cmdb__line_next(&line, &pos, end)) {
		size_t n = cmdb__split_ws(t, 6, line);

		if (n == 0 || cmdb__tok_eq(t[0], "Filesystem"))
			continue;
		if (n != 6 || cmdb__tok_u64(&kb, t[1]) < 0 || t[5].p[0] != '/') {
			(*bad)++;
			continue;
		}
		if ((err = set_size(fs, t[5].p, (size_t)(line.p + line.len - t[5].p), kb)) < 0)
			return err;
	}
	return 0;
}

static int filesystems_parse(json_t **out, const cmdb__section *sec, json_t *errors)
{
	json_t *fs = json_object();
	const cmdb__block *b;
	int err = 0, bad = 0;

	*out = NULL;
	if (!fs)
		return cmdb__oom();
	if (!(b = cmdb__block_find(sec, "mounts"))) {
		err = cmdb__error(CMDB_EINVALID, "no mount table in the section");
		goto done;
	}
	if ((err = parse_mounts(fs, b, &bad)) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "df-P")) && (err = parse_df_posix(fs, b, &bad)) < 0)
		goto done;
	if ((b = cmdb__block_find(sec, "df")) && (err = parse_df(fs, b, &bad)) < 0)
		goto done;
	if (bad)
		cmdb__collect_warn(
			errors, "filesystems", "%d unreadable mount or df line(s) skipped", bad);
	*out = fs;
	fs = NULL;
done:
	json_decref(fs);
	return err;
}

const cmdb_collector cmdb__collector_filesystems = {
	"filesystems", "collectors/filesystems.sh", filesystems_parse, 0};
