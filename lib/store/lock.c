#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/lock.h"

/* Poll interval while waiting: short enough that a queue of writers drains fast. */
#define LOCK_POLL_NS (5 * 1000 * 1000L)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_error(const char *path, int err)
{
	if (err == EROFS || err == EACCES || err == EPERM)
		return cmdb__error(CMDB_ERROR,
			"cannot open %s: %s: the repository is read-only here, so nothing was "
			"written; run as its owner or make it writable",
			path, strerror(err));
	return cmdb__error(CMDB_ERROR, "cannot open %s: %s", path, strerror(err));
}

/* The pid the holder wrote, or 0 if it has not written it yet. */
static long read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return -1;
	return 0;
}

/*
 * The lock file is truncated and written while held: refuse anything but our own
 * plain file, so a link planted at gitcmdb/ or write.lock cannot make us truncate
 * its target (O_NOFOLLOW on both, and no second hard link).
 */
static int check_lock_file(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cmdb__error(CMDB_ERROR, "cannot open %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return cmdb__error(CMDB_ERROR,
			"%s is not a plain file (%s): refusing to use it as the write lock; "
			"remove it and try again",
			path, S_ISREG(st.st_mode) ? "it has another hard link" : "wrong type");
	return 0;
}

static int link_error(const char *path, int err)
{
	if (err == ELOOP || err == ENOTDIR)
		return cmdb__error(CMDB_ERROR,
			"%s is a symbolic link (or not what it should be): refusing to follow "
			"it, nothing was written; remove it and try again",
			path);
	return open_error(path, err);
}

static int open_lock_file(int *out, const char *gitdir)
{
	char *dir = cmdb__sprintf("%sgitcmdb", gitdir);
	char *path = cmdb__sprintf("%sgitcmdb/write.lock", gitdir);
	int dfd = -1, fd = -1, rc = 0;

	if (!dir || !path) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		rc = open_error(dir, errno);
		goto done;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = link_error(dir, errno);
		goto done;
	}
	if ((fd = openat(dfd, "write.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		rc = link_error(path, errno);
		goto done;
	}
	if ((rc = check_lock_file(fd, path)) < 0)
		goto done;
	*out = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(path);
	return rc;
}

int cmdb__lock_acquire(cmdb__lock *lock, const char *gitdir, int timeout_ms)
{
	struct timespec pause = {0, LOCK_POLL_NS};
	long deadline;
	int fd = -1, rc = 0;

	if (timeout_ms < 0)
		timeout_ms = CMDB_LOCK_DEFAULT_TIMEOUT_MS;
	if ((rc = open_lock_file(&fd, gitdir)) < 0)
		goto done;
	deadline = now_ms() + timeout_ms;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = cmdb__error(CMDB_ERROR, "cannot lock %sgitcmdb/write.lock: %s", gitdir,
				strerror(errno));
			goto done;
		}
		if (now_ms() >= deadline) {
			long pid = read_holder(fd);
			char who[32] = "pid unknown";

			if (pid > 0)
				snprintf(who, sizeof(who), "pid %ld", pid);
			rc = cmdb__error(CMDB_ELOCKED,
				"repository %s is locked by another writer (%s) and stayed locked "
				"for %d ms: wait for it to finish, or raise lock_timeout_ms",
				gitdir, who, timeout_ms);
			goto done;
		}
		nanosleep(&pause, NULL);
	}
	/* Best effort: the pid is only for the message another writer prints. */
	(void)write_pid(fd);
	lock->fd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	return rc;
}

void cmdb__lock_release(cmdb__lock *lock)
{
	if (lock->fd < 0)
		return;
	/* Clear the pid while still holding the lock, so no stale pid is ever shown. */
	(void)ftruncate(lock->fd, 0);
	close(lock->fd);
	lock->fd = -1;
}

void cmdb__lock_remove_stale(const char *path)
{
	struct stat st;
	struct timespec now;
	long age_ms;

	if (lstat(path, &st) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	age_ms = (long)(now.tv_sec - st.st_mtim.tv_sec) * 1000 +
		(now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	if (age_ms > CMDB_STALE_LOCK_MS)
		unlink(path);
}
