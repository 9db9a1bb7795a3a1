/* Whole-file reads with a cap (see util/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

/* Grow buf to hold want bytes + NUL; a secret's old buffer is wiped, not left to realloc. */
static int grow(
	char **buf, size_t *alloc, size_t used, size_t want, const char *shown, unsigned flags)
{
	char *g;

	if (!(flags & CMDB__FILE_SECRET))
		g = cmdb__realloc(*buf, want + 1);
	else if ((g = cmdb__malloc(want + 1)) && *buf) {
		memcpy(g, *buf, used);
		explicit_bzero(*buf, *alloc);
		free(*buf);
	}
	if (!g)
		return cmdb__error(
			CMDB_ERROR, "cannot read %s: out of memory for %zu bytes", shown, want + 1);
	*buf = g;
	*alloc = want + 1;
	return 0;
}

/*
 * Read fd to its end, at most cap bytes. The first buffer is hint + 2 bytes: one more
 * than the file's size shows whether it grew meanwhile (or is over the cap), one for
 * the NUL; a file that grew doubles it.
 */
static int read_fd(
	char **out, size_t *len, int fd, size_t hint, const char *shown, size_t cap, unsigned flags)
{
	char *buf = NULL;
	size_t got = 0, alloc = 0;
	int rc = 0;

	for (;;) {
		ssize_t n;

		if (got + 1 >= alloc) {
			size_t want = alloc ? alloc * 2 : (hint < cap ? hint : cap) + 1;

			if (want > cap + 1)
				want = cap + 1;
			if ((rc = grow(&buf, &alloc, got, want, shown, flags)) < 0)
				break;
		}
		n = read(fd, buf + got, alloc - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cmdb__error(CMDB_ERROR, "cannot read %s: %s", shown, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((got += (size_t)n) > cap) {
			rc = cmdb__error(CMDB_ETOOBIG, "%s: over the %zu-byte limit", shown, cap);
			break;
		}
	}
	if (rc < 0) {
		if (buf && (flags & CMDB__FILE_SECRET))
			explicit_bzero(buf, alloc);
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int cmdb__file_read_at(char **out, size_t *len, int dirfd, const char *path, const char *shown,
	size_t cap, unsigned flags)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, fd, rc;
	struct stat st;

	if (!shown)
		shown = path;
	if (flags & CMDB__FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. */
	if ((fd = openat(dirfd, path, oflags)) < 0) {
		if (errno == ELOOP && (flags & CMDB__FILE_NOFOLLOW))
			return cmdb__error(CMDB_EINVALID,
				"%s is a symbolic link: gitcmdb does not follow it", shown);
		return cmdb__error(errno == ENOENT ? CMDB_ENOTFOUND : CMDB_ERROR,
			"cannot read %s: %s", shown, strerror(errno));
	}
	if (fstat(fd, &st) < 0)
		rc = cmdb__error(CMDB_ERROR, "cannot read %s: %s", shown, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = cmdb__error(CMDB_EINVALID, "%s: not a regular file", shown);
	else if ((unsigned long long)st.st_size > cap)
		rc = cmdb__error(CMDB_ETOOBIG, "%s: %lld bytes is over the %zu-byte limit", shown,
			(long long)st.st_size, cap);
	else
		rc = read_fd(out, len, fd, (size_t)st.st_size, shown, cap, flags);
	close(fd);
	return rc;
}

int cmdb__file_read(char **out, size_t *len, const char *path, size_t cap, unsigned flags)
{
	return cmdb__file_read_at(out, len, AT_FDCWD, path, NULL, cap, flags);
}

int cmdb__file_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
