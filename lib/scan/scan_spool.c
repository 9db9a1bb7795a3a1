/*
 * Hosts as they arrive from the pool (see scan_apply.h): what the merge needs of
 * every host at once (discovery endpoints, identity evidence) is taken right away,
 * and the bulky rest (items, files) waits in an unlinked temporary file as compact
 * JSON until the merge reads it back, one host at a time. The peak memory of a
 * scan is then the jobs in flight plus the changeset, whatever the estate's size.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "scan/scan_apply.h"

struct cmdb__scan_spool {
	int fd;
	uint64_t end; /* where the next host's record goes */
	pthread_mutex_t lock; /* end, the error and the scan's discovery registry */
	int rc; /* first error of an arriving host (0: none) */
	char *why;
	scan_ctx *s;
};

int cmdb__scan_spool_new(cmdb__scan_spool **out)
{
	const char *dir = getenv("TMPDIR");
	char *path = cmdb__sprintf("%s/gitcmdb-scan-XXXXXX", dir && *dir ? dir : "/tmp");
	cmdb__scan_spool *sp = cmdb__calloc(1, sizeof(*sp));

	*out = NULL;
	if (!path || !sp) {
		free(path);
		free(sp);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	sp->fd = mkstemp(path);
	if (sp->fd < 0) {
		int e = errno;

		free(sp);
		sp = NULL;
		cmdb__error(CMDB_ERROR, "%s: %s", path, strerror(e));
		free(path);
		return CMDB_ERROR;
	}
	unlink(path); /* gone with the process, however it ends */
	free(path);
	pthread_mutex_init(&sp->lock, NULL);
	*out = sp;
	return 0;
}

void cmdb__scan_spool_free(cmdb__scan_spool *sp)
{
	if (!sp)
		return;
	close(sp->fd);
	pthread_mutex_destroy(&sp->lock);
	free(sp->why);
	free(sp);
}

int cmdb__scan_spool_error(const cmdb__scan_spool *sp)
{
	if (!sp || sp->rc == 0)
		return 0;
	return cmdb__error(sp->rc, "%s", sp->why ? sp->why : "out of memory");
}

int cmdb__scan_register(scan_ctx *s, cmdb__scan_host *h)
{
	char *hid;
	int rc;

	if (h->arrived)
		return 0;
	if (!h->ident && !(h->ident = json_object()))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (!(hid = cmdb__sprintf("host/%s", h->host->name)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	rc = cmdb__net_add_host(s->net, h->host->name, h->items);
	if (rc == 0)
		rc = cmdb__scan_keep_identity(
			h->ident, h->host->name, json_object_get(h->items, hid));
	free(hid);
	h->arrived = rc == 0;
	return rc;
}

static int write_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CMDB_ERROR;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Write h's items and files to the spool and free them; on any failure they stay. */
static void spool_put(cmdb__scan_spool *sp, cmdb__scan_host *h)
{
	json_t *doc = json_pack("{sOsO}", "items", h->items ? h->items : json_null(), "files",
		h->files ? h->files : json_null());
	char *buf = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	size_t len = buf ? strlen(buf) : 0;
	uint64_t off;

	json_decref(doc);
	if (!buf)
		return;
	pthread_mutex_lock(&sp->lock);
	off = sp->end;
	sp->end += len;
	pthread_mutex_unlock(&sp->lock);
	if (write_all(sp->fd, buf, len, off) == 0) {
		h->spool_off = off;
		h->spool_len = len;
		h->spooled = 1;
		json_decref(h->items);
		json_decref(h->files);
		h->items = h->files = NULL;
	}
	free(buf);
}

void cmdb__scan_arrived(cmdb__scan_host *h, void *payload)
{
	scan_ctx *s = payload;
	cmdb__scan_spool *sp = s->spool;
	int rc;

	if (!sp)
		return;
	pthread_mutex_lock(&sp->lock);
	if ((rc = cmdb__scan_register(s, h)) < 0 && sp->rc == 0) {
		sp->rc = rc;
		sp->why = cmdb__strdup(cmdb_error_last());
	}
	pthread_mutex_unlock(&sp->lock);
	if (rc == 0)
		spool_put(sp, h);
	cmdb_error_clear();
}

int cmdb__scan_spool_get(cmdb__scan_spool *sp, cmdb__scan_host *h)
{
	char *buf;
	json_t *doc = NULL, *items, *files;
	json_error_t err;
	size_t got = 0;
	int rc = 0;

	if (!h->spooled)
		return 0;
	if (!(buf = cmdb__malloc(h->spool_len + 1)))
		return cmdb__error(CMDB_ERROR, "out of memory");
	while (got < h->spool_len) {
		ssize_t n =
			pread(sp->fd, buf + got, h->spool_len - got, (off_t)(h->spool_off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = cmdb__error(CMDB_ERROR, "cannot read the scan's spool back: %s",
				n < 0 ? strerror(errno) : "short file");
			goto done;
		}
		got += (size_t)n;
	}
	if (!(doc = json_loadb(buf, h->spool_len, JSON_ALLOW_NUL, &err))) {
		rc = cmdb__error(CMDB_ERROR, "the scan's spool is unreadable: %s", err.text);
		goto done;
	}
	items = json_object_get(doc, "items");
	files = json_object_get(doc, "files");
	h->items = json_is_null(items) ? NULL : json_incref(items);
	h->files = json_is_null(files) ? NULL : json_incref(files);
	h->spooled = 0;
done:
	json_decref(doc);
	free(buf);
	return rc;
}
