/*
 * Repository upkeep: libgit2 writes every object loose, so a year of scans leaves
 * millions of files. gc packs them: `git gc` when git is installed (it prunes only
 * unreachable objects older than the grace period, and new loose objects a running
 * writer just made are younger than that), else libgit2's packbuilder over every object
 * reachable from a ref, after which loose objects now in the pack are removed and
 * unreachable ones older than the grace period are pruned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "store/repo.h"
#include "remote/remote_int.h"

extern char **environ;

typedef struct {
	size_t loose, packs;
	unsigned long long bytes;
} usage;

static void count_dir(usage *u, const char *dir, int packs)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%.38s", dir, e->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		u->bytes += (unsigned long long)st.st_size;
		if (packs)
			u->packs += strstr(e->d_name, ".pack") != NULL;
		else
			u->loose++;
	}
	closedir(d);
}

static void measure(usage *u, const char *gitdir)
{
	char dir[4096];

	memset(u, 0, sizeof(*u));
	for (int i = 0; i < 256; i++) {
		snprintf(dir, sizeof(dir), "%sobjects/%02x", gitdir, i);
		count_dir(u, dir, 0);
	}
	snprintf(dir, sizeof(dir), "%sobjects/pack", gitdir);
	count_dir(u, dir, 1);
}

int cmdb_repo_loose_count(size_t *out, cmdb_repo *repo)
{
	usage u;

	measure(&u, cmdb_repo_gitdir(repo));
	*out = u.loose;
	return 0;
}

static int have_git(void)
{
	const char *path = getenv("PATH");
	char *copy = path ? cmdb__strdup(path) : NULL, *save = NULL;
	int found = 0;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
		d = strtok_r(NULL, ":", &save)) {
		char *p = cmdb__sprintf("%s/git", d);

		found = p && access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* The last line git wrote to its stderr (kept in <gitdir>/gitcmdb/gc.err) into out. */
static void last_line(char *out, size_t size, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	*out = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (*line && *line != '\n')
			snprintf(out, size, "%s", line);
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static int run_git_gc(cmdb_repo *repo, int days)
{
	char prune[64], why[512], *gitdir = cmdb__strdup(cmdb_repo_gitdir(repo));
	char *errpath = cmdb__sprintf("%sgitcmdb/gc.err", cmdb_repo_gitdir(repo));
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, err, rc = 0;

	if (!gitdir || !errpath) {
		rc = cmdb__error(CMDB_ERROR, "out of memory");
		goto done;
	}
	snprintf(prune, sizeof(prune), "--prune=%d.days.ago", days);
	*strrchr(errpath, '/') = '\0';
	(void)mkdir(errpath, 0755); /* a plain git clone may not have it yet */
	errpath[strlen(errpath)] = '/';
	{
		/* the reflog of main's moves is audit evidence: never expired here */
		char *argv[] = {"git", "--git-dir", gitdir, "-c", "gc.autoDetach=false", "-c",
			"gc.reflogExpire=never", "gc", "--quiet", prune, NULL};

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(
			&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (err != 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot run git gc: %s", strerror(err));
		goto done;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		last_line(why, sizeof(why), errpath);
		rc = cmdb__error(CMDB_ERROR, "git gc failed (exit %d) in %s: %s",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, cmdb_repo_gitdir(repo),
			*why ? why : "run 'git gc' there to see why");
	}
done:
	if (errpath)
		unlink(errpath);
	free(errpath);
	free(gitdir);
	return rc;
}

/* Every object reachable from any ref, into one new pack. */
static int pack_reachable(git_repository *git)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	int err;

	if ((err = git_packbuilder_new(&pb, git)) < 0 || (err = git_revwalk_new(&walk, git)) < 0 ||
		(err = git_revwalk_push_glob(walk, "refs/*")) < 0 ||
		(err = git_packbuilder_insert_walk(pb, walk)) < 0 ||
		(err = git_packbuilder_write(pb, NULL, 0, NULL, NULL)) < 0)
		err = cmdb__error_git(CMDB_ERROR, err, "cannot write the pack");
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return err < 0 ? err : 0;
}

/* Remove loose objects the packs hold, and unreachable ones older than days. */
static int drop_loose(git_repository *git, const char *gitdir, int days)
{
	git_odb *packs = NULL;
	git_odb_backend *be = NULL;
	char dir[4096], path[4200], hex[GIT_OID_HEXSZ + 1];
	time_t limit = time(NULL) - (time_t)days * 86400;
	int err;

	snprintf(dir, sizeof(dir), "%sobjects", gitdir);
	if ((err = git_odb_new(&packs)) < 0 || (err = git_odb_backend_pack(&be, dir)) < 0 ||
		(err = git_odb_add_backend(packs, be, 1)) < 0) {
		git_odb_free(packs);
		return cmdb__error_git(CMDB_ERROR, err, "cannot read the packs");
	}
	(void)git;
	for (int i = 0; i < 256; i++) {
		DIR *d;
		struct dirent *e;

		snprintf(dir, sizeof(dir), "%sobjects/%02x", gitdir, i);
		if (!(d = opendir(dir)))
			continue;
		while ((e = readdir(d))) {
			git_oid id;
			struct stat st;

			if (strlen(e->d_name) != GIT_OID_HEXSZ - 2)
				continue;
			snprintf(hex, sizeof(hex), "%02x%.38s", i, e->d_name);
			snprintf(path, sizeof(path), "%s/%.38s", dir, e->d_name);
			if (git_oid_fromstr(&id, hex) < 0 || lstat(path, &st) < 0)
				continue;
			/* In a pack: a copy; not in one: unreachable (or younger than the walk). */
			if (git_odb_exists(packs, &id) || st.st_mtime < limit)
				unlink(path);
		}
		closedir(d);
		rmdir(dir);
	}
	git_odb_free(packs);
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int cmdb_repo_gc(json_t **report, cmdb_repo *repo, const cmdb_gc_opts *opts)
{
	static const cmdb_gc_opts defaults = CMDB_GC_OPTS_INIT;
	const char *gitdir = cmdb_repo_gitdir(repo);
	int days, use_git, rc;
	usage before, after;
	struct timespec t0;

	*report = NULL;
	opts = opts ? opts : &defaults;
	days = opts->prune_days >= 0 ? opts->prune_days : 14;
	use_git = opts->use_git && have_git();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	measure(&before, gitdir);
	if (use_git)
		rc = run_git_gc(repo, days);
	else if ((rc = pack_reachable(cmdb__repo_git(repo))) == 0)
		rc = drop_loose(cmdb__repo_git(repo), gitdir, days);
	if (rc < 0)
		return rc;
	measure(&after, gitdir);
	*report = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "method",
		use_git ? "git" : "libgit2", "loose_before", (json_int_t)before.loose,
		"loose_after", (json_int_t)after.loose, "packs_after", (json_int_t)after.packs,
		"bytes_before", (json_int_t)before.bytes, "bytes_after", (json_int_t)after.bytes,
		"ms", (json_int_t)ms_since(&t0));
	return *report ? 0 : cmdb__error(CMDB_ERROR, "out of memory");
}
