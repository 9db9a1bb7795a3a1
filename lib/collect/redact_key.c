/*
 * The redaction key: 32 random bytes kept outside the repository, so the
 * repository shows that a secret changed without letting anyone test guesses.
 *
 * Which file: the caller's key_file, else $GITCMDB_REDACTION_KEY, else the
 * redaction.key_file setting, else $XDG_CONFIG_HOME/gitcmdb/redaction.key, else
 * ~/.config/gitcmdb/redaction.key. A missing file is created (and the redactor
 * says so: every fingerprint made with an older key changes). Anything but a
 * regular file is refused before it is read: a FIFO would block the scan forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util/alloc.h"
#include "util/error.h"
#include "collectors.h"
#include "collect/redact.h"

#define KEY_LEN 32
#define KEY_MIN 16
#define KEY_ENV "GITCMDB_REDACTION_KEY"

/* The default key file: $XDG_CONFIG_HOME/gitcmdb/redaction.key or ~/.config/gitcmdb/... */
static int default_key_path(char **out, char **dir)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		*dir = cmdb__sprintf("%s/gitcmdb", xdg);
	else if (home && home[0] == '/')
		*dir = cmdb__sprintf("%s/.config/gitcmdb", home);
	else
		return cmdb__error(CMDB_ENOTFOUND,
			"redaction key: neither XDG_CONFIG_HOME nor HOME is set, so there is no "
			"default key file; set " KEY_ENV " to the key file's path, or "
			"redaction.key_file in gitcmdb.yaml");
	if (!*dir || !(*out = cmdb__sprintf("%s/redaction.key", *dir))) {
		free(*dir);
		*dir = NULL;
		return cmdb__oom();
	}
	return 0;
}

/* mkdir -p of dir with 0700 for what we create. */
static int make_dirs(const char *dir)
{
	char *p = cmdb__strdup(dir);
	int err = 0;

	if (!p)
		return cmdb__oom();
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			err = cmdb__error(CMDB_ERROR, "redaction key: cannot create %s: %s", p,
				strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return err;
}

/*
 * Write a fresh random key to path atomically (temp file + link). *created is 1
 * when this call made the file, 0 when another process won the race.
 */
static int create_key(const char *path, int *created)
{
	unsigned char key[KEY_LEN];
	char *tmp = cmdb__sprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = -1, err = 0;

	*created = 0;
	if (!tmp)
		return cmdb__oom();
	if (RAND_bytes(key, sizeof(key)) != 1) {
		err = cmdb__error(CMDB_ERROR, "redaction key: no random bytes available");
		goto done;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
		write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0) {
		err = cmdb__error(
			CMDB_ERROR, "redaction key: cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (link(tmp, path) == 0)
		*created = 1;
	else if (errno != EEXIST)
		err = cmdb__error(
			CMDB_ERROR, "redaction key: cannot create %s: %s", path, strerror(errno));
done:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	OPENSSL_cleanse(key, sizeof(key));
	free(tmp);
	return err;
}

static int read_key(cmdb_redactor *r, const char *path)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, err = 0;

	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return cmdb__error(errno == ENOENT ? CMDB_ENOTFOUND : CMDB_ERROR,
			"redaction key %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = cmdb__error(CMDB_EINVALID,
			"redaction key %s: not a regular file (a FIFO, device or directory is "
			"refused); point it at a regular file",
			path);
		goto done;
	}
	if (st.st_mode & 077) {
		err = cmdb__error(CMDB_EINVALID,
			"redaction key %s: readable by others; run chmod 600 %s", path, path);
		goto done;
	}
	while (got < sizeof(r->key) && (n = read(fd, r->key + got, sizeof(r->key) - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cmdb__error(
				CMDB_ERROR, "redaction key %s: %s", path, strerror(errno));
			goto done;
		}
		got += (size_t)n;
	}
	if (got < KEY_MIN) {
		err = cmdb__error(CMDB_EINVALID,
			"redaction key %s: shorter than %d bytes; delete it to get a new one (old "
			"redactions will all show as changed)",
			path, KEY_MIN);
		goto done;
	}
	r->key_len = got;
done:
	close(fd);
	return err;
}

/* A short public name for the key: the first 8 bytes of HMAC(key, a fixed label). */
static int set_key_id(cmdb_redactor *r)
{
	static const char label[] = "gitcmdb redaction key id";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha256(), r->key, (int)r->key_len, (const unsigned char *)label,
		    sizeof(label) - 1, md, &mdlen))
		return cmdb__error(CMDB_ERROR, "redaction: HMAC failed");
	for (int i = 0; i < 8; i++)
		snprintf(r->key_id + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int cmdb__redactor_random_key(cmdb_redactor *r)
{
	if (RAND_bytes(r->key, KEY_LEN) != 1)
		return cmdb__error(CMDB_ERROR, "redaction key: no random bytes available");
	r->key_len = KEY_LEN;
	return set_key_id(r);
}

int cmdb__redactor_load_key(cmdb_redactor *r, const char *key_file, const char *setting)
{
	const char *env = getenv(KEY_ENV);
	char *path = NULL, *dir = NULL;
	int err;

	if (!key_file && env && *env)
		key_file = env;
	if (!key_file)
		key_file = setting;
	if (key_file) {
		if (!(path = cmdb__strdup(key_file)))
			return cmdb__oom();
	} else if ((err = default_key_path(&path, &dir)) < 0) {
		return err;
	}
	if ((err = read_key(r, path)) == CMDB_ENOTFOUND) {
		cmdb_error_clear();
		if ((!dir || (err = make_dirs(dir)) == 0) &&
			(err = create_key(path, &r->key_created)) == 0)
			err = read_key(r, path);
	}
	if (err == 0)
		err = set_key_id(r);
	if (err == 0) {
		r->key_path = path;
		path = NULL;
	}
	free(path);
	free(dir);
	return err;
}

const char *cmdb_redactor_key_path(const cmdb_redactor *r)
{
	return r ? r->key_path : NULL;
}

int cmdb_redactor_key_created(const cmdb_redactor *r)
{
	return r ? r->key_created : 0;
}

const char *cmdb_redactor_key_id(const cmdb_redactor *r)
{
	return r ? r->key_id : NULL;
}
