/* The repository write lock: exclusion, bounded wait, the holder's pid, death of the holder. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gitcmdb/gitcmdb.h"

#include "store/lock.h"
#include "testutil.h"

static char *gitdir_of(const char *dir)
{
	char *g;

	if (asprintf(&g, "%s/", dir) < 0)
		abort();
	return g;
}

static void test_lock__exclusive_and_names_holder(void **state)
{
	char *dir = tu_tempdir("lock"), *g = gitdir_of(dir), *msg;
	cmdb__lock a = CMDB_LOCK_INIT, b = CMDB_LOCK_INIT;
	(void)state;

	assert_int_equal(cmdb__lock_acquire(&a, g, 0), 0);
	/* flock is per open file description: a second acquire conflicts even in-process. */
	assert_int_equal(cmdb__lock_acquire(&b, g, 0), CMDB_ELOCKED);
	assert_int_equal(b.fd, -1);
	if (asprintf(&msg, "pid %ld", (long)getpid()) < 0)
		abort();
	assert_non_null(strstr(cmdb_error_last(), msg));
	assert_int_equal(cmdb__lock_acquire(&b, g, 50), CMDB_ELOCKED);
	assert_non_null(strstr(cmdb_error_last(), "lock_timeout_ms"));
	cmdb__lock_release(&a);
	cmdb__lock_release(&a); /* idempotent */
	assert_int_equal(cmdb__lock_acquire(&b, g, 0), 0);
	cmdb__lock_release(&b);
	free(msg);
	free(g);
	tu_rmrf(dir);
	free(dir);
}

/* A holder killed with SIGKILL leaves a file but no lock. */
static void test_lock__dead_holder_does_not_block(void **state)
{
	char *dir = tu_tempdir("lock"), *g = gitdir_of(dir);
	cmdb__lock l = CMDB_LOCK_INIT;
	int pipefd[2], status;
	char c;
	pid_t pid;
	(void)state;

	assert_int_equal(pipe(pipefd), 0);
	if ((pid = fork()) == 0) {
		cmdb__lock mine = CMDB_LOCK_INIT;

		if (cmdb__lock_acquire(&mine, g, 0) < 0)
			_exit(1);
		if (write(pipefd[1], "L", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(cmdb__lock_acquire(&l, g, 0), CMDB_ELOCKED);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_int_equal(cmdb__lock_acquire(&l, g, 0), 0);
	cmdb__lock_release(&l);
	close(pipefd[0]);
	close(pipefd[1]);
	free(g);
	tu_rmrf(dir);
	free(dir);
}

/* A waiter gets the lock once the holder lets go (within its timeout). */
static void test_lock__waiter_gets_it_after_release(void **state)
{
	char *dir = tu_tempdir("lock"), *g = gitdir_of(dir);
	cmdb__lock l = CMDB_LOCK_INIT;
	int pipefd[2], status;
	char c;
	pid_t pid;
	(void)state;

	assert_int_equal(pipe(pipefd), 0);
	if ((pid = fork()) == 0) {
		cmdb__lock mine = CMDB_LOCK_INIT;

		if (cmdb__lock_acquire(&mine, g, 0) < 0 || write(pipefd[1], "L", 1) != 1)
			_exit(1);
		usleep(100 * 1000);
		cmdb__lock_release(&mine);
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(cmdb__lock_acquire(&l, g, 60000), 0);
	cmdb__lock_release(&l);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pipefd[0]);
	close(pipefd[1]);
	free(g);
	tu_rmrf(dir);
	free(dir);
}

static void test_lock__missing_gitdir_is_a_clear_error(void **state)
{
	cmdb__lock l = CMDB_LOCK_INIT;
	(void)state;

	assert_int_equal(cmdb__lock_acquire(&l, "/nonexistent/gitcmdb-test/", 0), CMDB_ERROR);
	assert_non_null(strstr(cmdb_error_last(), "/nonexistent/gitcmdb-test/gitcmdb"));
	assert_int_equal(l.fd, -1);
}

/* A link planted at write.lock (or at gitcmdb/) is refused: its target is never truncated. */
static void test_lock__refuses_links_and_keeps_their_target(void **state)
{
	char *dir = tu_tempdir("lock"), *g = gitdir_of(dir), *target, *text;
	cmdb__lock l = CMDB_LOCK_INIT;
	(void)state;

	if (asprintf(&target, "%s/precious", dir) < 0)
		abort();
	assert_int_equal(tu_write_file(target, "keep me\n", 8), 0);
	assert_int_equal(tu_sh(NULL, "mkdir '%s/gitcmdb' && ln -s '%s' '%s/gitcmdb/write.lock'",
				 dir, target, dir),
		0);
	assert_int_equal(cmdb__lock_acquire(&l, g, 0), CMDB_ERROR);
	assert_non_null(strstr(cmdb_error_last(), "write.lock is a symbolic link"));
	assert_int_equal(l.fd, -1);
	text = tu_read_file(target, NULL);
	assert_string_equal(text, "keep me\n");
	free(text);
	/* A second hard link would be truncated through the other name: refused too. */
	assert_int_equal(
		tu_sh(NULL, "rm '%s/gitcmdb/write.lock' && ln '%s' '%s/gitcmdb/write.lock'", dir,
			target, dir),
		0);
	assert_int_equal(cmdb__lock_acquire(&l, g, 0), CMDB_ERROR);
	assert_non_null(strstr(cmdb_error_last(), "hard link"));
	text = tu_read_file(target, NULL);
	assert_string_equal(text, "keep me\n");
	free(text);
	/* The directory itself as a link. */
	assert_int_equal(tu_sh(NULL,
				 "rm -r '%s/gitcmdb' && mkdir '%s/elsewhere' && "
				 "ln -s '%s/elsewhere' '%s/gitcmdb'",
				 dir, dir, dir, dir),
		0);
	assert_int_equal(cmdb__lock_acquire(&l, g, 0), CMDB_ERROR);
	assert_non_null(strstr(cmdb_error_last(), "gitcmdb is a symbolic link"));
	assert_int_equal(tu_sh(NULL, "test -z \"$(ls -A '%s/elsewhere')\"", dir), 0);
	free(target);
	free(g);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock__exclusive_and_names_holder),
		cmocka_unit_test(test_lock__dead_holder_does_not_block),
		cmocka_unit_test(test_lock__waiter_gets_it_after_release),
		cmocka_unit_test(test_lock__missing_gitdir_is_a_clear_error),
		cmocka_unit_test(test_lock__refuses_links_and_keeps_their_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
