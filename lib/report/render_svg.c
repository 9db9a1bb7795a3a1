/*
 * Graphviz dot → inline SVG for the HTML report. dot runs on a temporary file with
 * its output captured (capped); comments, the XML prologue and the DOCTYPE are cut,
 * and an SVG holding anything that could run or fetch (script, foreignObject, href,
 * event handlers, url(), javascript:) is refused: the caller then draws a plain list.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/render_svg.h"
#include "util/file.h"

#define SVG_CAP (8u << 20)

static int run_dot(cmdb_buf *out, const char *dot, const char *file)
{
	int fds[2], status = 0, rc = 0;
	char chunk[8192];
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return cmdb__error(CMDB_ERROR, "cannot run %s: pipe failed", dot);
	if ((pid = fork()) < 0) {
		close(fds[0]), close(fds[1]);
		return cmdb__error(CMDB_ERROR, "cannot run %s: fork failed", dot);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 0), dup2(null, 2);
		close(fds[0]);
		execl(dot, "dot", "-Tsvg", file, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0)
			continue; /* EINTR */
		if (rc == 0)
			rc = cmdb__buf_put(out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		;
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = cmdb__error(CMDB_ERROR, "%s failed", dot);
	return rc;
}

static const char *ci_find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = hay; *p; p++)
		if (!strncasecmp(p, needle, n))
			return p;
	return NULL;
}

/* The <svg>…</svg> of raw without comments; NULL when it holds anything unsafe. */
static char *clean_svg(const char *raw)
{
	static const char *const bad[] = {"<script", "<foreignobject", "href",
		"javascript:", "url(", "<iframe", "<![cdata", " on", NULL};
	const char *s = strstr(raw, "<svg"), *e;
	cmdb_buf b;
	char *out;

	if (!s)
		return NULL;
	cmdb__buf_init(&b, 0);
	while (*s) {
		const char *c = strstr(s, "<!--");

		if (!c) {
			cmdb__buf_puts(&b, s);
			break;
		}
		cmdb__buf_put(&b, s, (size_t)(c - s));
		if (!(e = strstr(c + 4, "-->")))
			break;
		s = e + 3;
	}
	if (!(out = cmdb__buf_detach(&b, NULL)))
		return NULL;
	for (const char *const *p = bad; *p; p++) {
		/* " on" + letters + "=": an event handler attribute */
		const char *hit = ci_find(out, *p);

		while (hit && !strcmp(*p, " on")) {
			const char *q = hit + 3;

			while (isalpha((unsigned char)*q))
				q++;
			if (q > hit + 3 && *q == '=')
				break;
			hit = ci_find(q, *p);
		}
		if (hit) {
			free(out);
			return NULL;
		}
	}
	return out;
}

int cmdb__report_svg(char **out, const char *dot, const char *graph)
{
	char tmpl[] = "/tmp/gitcmdb-report-XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char *path = NULL, *raw = NULL;
	cmdb_buf b;
	int fd = -1, rc;

	*out = NULL;
	cmdb__buf_init(&b, SVG_CAP);
	path = tmp && *tmp ? cmdb__sprintf("%s/gitcmdb-report-XXXXXX", tmp) : cmdb__strdup(tmpl);
	if (!path)
		return OOM();
	if ((fd = mkstemp(path)) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot create a temporary file for %s", dot);
		goto done;
	}
	if (cmdb__file_write_all(fd, graph, strlen(graph)) < 0) {
		rc = cmdb__error(CMDB_ERROR, "cannot write the graph for %s", dot);
		goto done;
	}
	close(fd), fd = -1;
	if ((rc = run_dot(&b, dot, path)) < 0)
		goto done;
	if (!(raw = cmdb__buf_detach(&b, NULL))) {
		rc = OOM();
		goto done;
	}
	*out = clean_svg(raw);
	rc = *out ? 0 : cmdb__error(CMDB_EINVALID, "%s drew an SVG with active content", dot);
done:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(path);
	free(raw);
	cmdb__buf_dispose(&b);
	return rc;
}
