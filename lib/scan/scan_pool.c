/*
 * The scan's worker pool: N threads take the next host from a shared counter,
 * run the collector script over SSH (one exec per host), and parse the output
 * into items right there, so parsing runs in parallel with the network. Each
 * host's result lives in its own slot: threads share only the counter and the
 * progress numbers. The pool itself (cmdb__scan_pool_each) runs any per-host job:
 * hostkeys enrolment fetches keys on it too.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "gitcmdb/id.h"
#include "gitcmdb/ssh.h"
#include "gitcmdb/yaml.h"
#include "scan/scan.h"

#define DONE_MARK "@@gitcmdb-done@@"
#define DEFAULT_TIMEOUT_S 120
/* A dead address fails this fast whatever the host's deadline. */
#define CONNECT_MAX_MS 10000
/* The collector script reads itself from stdin, so no shell quoting is ever involved. */
#define REMOTE_COMMAND "LC_ALL=C sh -s"
/*
 * become: sudo. `sudo -n` never prompts: where it would need a password (or is not
 * allowed), the same script runs as the user, told by GITCMDB_BECOME=refused so it
 * prints the note that becomes the host's warning (in the report and the scan commit).
 */
#define REMOTE_COMMAND_SUDO                                                                        \
	"sh -c 'if sudo -n true >/dev/null 2>&1 </dev/null; then exec sudo -n env LC_ALL=C sh "    \
	"-s; "                                                                                     \
	"fi; exec env GITCMDB_BECOME=refused LC_ALL=C sh -s'"

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void cmdb__scan_host_dispose(cmdb__scan_host *h)
{
	if (!h)
		return;
	free(h->error);
	free(h->target);
	h->target = NULL;
	json_decref(h->items);
	json_decref(h->files);
	json_decref(h->warnings);
	json_decref(h->missing);
	json_decref(h->ident);
	h->error = NULL;
	h->items = h->files = h->warnings = h->missing = h->ident = NULL;
}

static void host_fail(cmdb__scan_host *h, int code, const char *status, const char *msg)
{
	h->code = code ? code : CMDB_ERROR;
	h->status = status ? status : cmdb__scan_status_name(h->code);
	free(h->error);
	h->error = cmdb__strdup(msg && *msg ? msg : "failed");
	json_decref(h->items);
	json_decref(h->files);
	h->items = h->files = NULL;
}

/* Append prefix + arg to the host's warnings, control bytes shown as '?' (they reach terminals). */
static int warn(cmdb__scan_host *h, const char *prefix, const char *arg)
{
	char *s = cmdb__sprintf("%s%s", prefix, arg);

	for (char *p = s; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';

	if (!s || json_array_append_new(h->warnings, json_string(s)) < 0) {
		free(s);
		return cmdb__error(CMDB_ERROR, "out of memory");
	}
	free(s);
	return 0;
}

/* 1 when id is this host's own item: host/H itself, service/H/<one component> or
 * container/H/<one component>. */
static int owned_id(const char *id, const char *host)
{
	size_t hl = strlen(host);

	if (cmdb_id_validate(id) < 0)
		return 0;
	if (strncmp(id, "host/", 5) == 0)
		return strcmp(id + 5, host) == 0;
	for (size_t k = 0; k < 2; k++) {
		const char *kind = k ? "container/" : "service/";
		size_t n = strlen(kind);

		if (strncmp(id, kind, n) == 0)
			return strncmp(id + n, host, hl) == 0 && id[n + hl] == '/' &&
				!strchr(id + n + 1 + hl, '/') && id[n + 1 + hl];
	}
	return 0;
}

static int owned_file(const char *path, const char *host)
{
	size_t hl = strlen(host);

	return cmdb_path_validate(path) == 0 && strncmp(path, "file/", 5) == 0 &&
		strncmp(path + 5, host, hl) == 0 && path[5 + hl] == '/';
}

/* Drop whatever a hostile or broken host produced outside its own part of the tree. */
static int keep_owned(cmdb__scan_host *h)
{
	const char *key;
	json_t *v;
	void *tmp;
	int rc = 0;

	json_object_foreach_safe(h->items, tmp, key, v)
	{
		if (owned_id(key, h->host->name) && json_is_object(v))
			continue;
		if (rc == 0)
			rc = warn(h, "dropped item outside this host: ", key);
		json_object_del(h->items, key);
	}
	json_object_foreach_safe(h->files, tmp, key, v)
	{
		if (owned_file(key, h->host->name) && json_is_string(v))
			continue;
		if (rc == 0)
			rc = warn(h, "dropped file outside this host: ", key);
		json_object_del(h->files, key);
	}
	return rc;
}

/* The host key is identity evidence too: a reinstalled machine gets a new one. */
static int record_hostkey(cmdb__scan_host *h)
{
	char *id = cmdb__sprintf("host/%s", h->host->name);
	json_t *item = id ? json_object_get(h->items, id) : NULL;
	json_t *attrs = json_object_get(item, "attributes"), *ident;
	int rc = 0;

	free(id);
	if (!json_is_object(attrs) || !h->hostkey[0])
		return 0;
	if (!json_is_object(ident = json_object_get(attrs, "identity"))) {
		if (json_object_set_new(attrs, "identity", ident = json_object()) < 0 || !ident)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	if (json_object_set_new(ident, "ssh_hostkey", json_string(h->hostkey)) < 0)
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	return rc;
}

/*
 * Each section that reported an error becomes a warning; a section that is
 * missing altogether is remembered so the merge keeps the old facts it would have
 * given (a timed-out packages command must not read as "every package removed").
 */
static int section_warnings(cmdb__scan_host *h, const json_t *facts)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(facts, "errors"), i, e)
	{
		const char *sec = json_string_value(json_object_get(e, "section"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		char *s = cmdb__sprintf("section %s: %s", sec ? sec : "?", msg ? msg : "failed");
		int rc = s ? warn(h, "", s) : cmdb__error(CMDB_ERROR, "out of memory");

		free(s);
		if (rc < 0)
			return rc;
		if (sec && !json_object_get(facts, sec) &&
			json_object_set_new(h->missing, sec, json_true()) < 0)
			return cmdb__error(CMDB_ERROR, "out of memory");
	}
	return 0;
}

/*
 * Each item must fit the item file limit as YAML. Checked here, in the host's own
 * thread and deadline, so an oversized host fails alone and says which limit it hit
 * (the merge would otherwise fail later on a generic buffer cap). Merging only adds
 * to an item, so an item over the limit now would be over it then too.
 */
static int check_item_sizes(cmdb__scan_host *h)
{
	const char *id;
	json_t *item;

	json_object_foreach(h->items, id, item)
	{
		char *yaml = NULL, *msg;
		size_t len = 0;
		int rc = cmdb_yaml_emit(&yaml, &len, item, CMDB_YAML_ITEM);

		free(yaml);
		if (rc == 0)
			continue;
		if (rc != CMDB_ETOOBIG)
			return rc;
		cmdb_error_clear();
		if (!(msg = cmdb__sprintf("item %s is larger than the %u-byte limit of an item "
					  "file (as YAML); the host sent too much to record",
			      id, CMDB_YAML_MAX_BYTES)))
			return cmdb__error(CMDB_ERROR, "out of memory");
		host_fail(h, CMDB_ETOOBIG, NULL, msg);
		free(msg);
		return 0;
	}
	return 0;
}

static int has_done_mark(const char *out, size_t len)
{
	size_t ml = strlen(DONE_MARK), from = len > 256 ? len - 256 : 0;

	/* Only the tail: the mark ends the output (trailing newlines and exit noise aside). */
	for (size_t i = from; i + ml <= len; i++)
		if (out[i] == '@' && memcmp(out + i, DONE_MARK, ml) == 0)
			return 1;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Parsing and normalising count in the host's deadline: 1 (host failed) once it has passed. */
static int late(cmdb__scan_host *h, const char *stage)
{
	char *msg;
	uint64_t now = now_ms();

	if (!h->deadline_ms || now < h->deadline_ms)
		return 0;
	msg = cmdb__sprintf("the host's deadline passed %s (%.1f s over)", stage,
		(double)(now - h->deadline_ms) / 1000.0);
	host_fail(h, CMDB_ETIMEOUT, NULL, msg ? msg : "timed out");
	free(msg);
	return 1;
}

int cmdb__scan_host_parse(cmdb__scan_host *h, const char *out, size_t len, const json_t *settings,
	const cmdb_redactor *redactor)
{
	json_t *facts = NULL;
	int rc;

	if ((!h->warnings && !(h->warnings = json_array())) ||
		(!h->missing && !(h->missing = json_object())))
		return cmdb__error(CMDB_ERROR, "out of memory");
	if (late(h, "before its output could be parsed"))
		return 0;
	if (!has_done_mark(out, len)) {
		host_fail(h, CMDB_EINVALID, "incomplete",
			"incomplete output: the collector script did not finish (connection cut or "
			"not a gitcmdb collector)");
		return 0;
	}
	if ((rc = cmdb_collect_parse_until(&facts, out, len, settings, h->deadline_ms)) < 0) {
		/* Over the facts limit or the deadline: "toobig" or "timeout", as the message says.
		 */
		host_fail(h, rc, rc == CMDB_ETOOBIG || rc == CMDB_ETIMEOUT ? NULL : "error",
			cmdb_error_last());
		rc = 0;
		goto done;
	}
	/* Not one section: this is not a collector's output, whatever its last line says. */
	if (json_object_size(facts) - (json_object_get(facts, "errors") ? 1 : 0) == 0) {
		host_fail(h, CMDB_EINVALID, "incomplete",
			"incomplete output: no collector section in it (not a gitcmdb collector?)");
		goto done;
	}
	if (late(h, "after its output was parsed"))
		goto done;
	if ((rc = cmdb_collect_items(&h->items, &h->files, h->host->name, facts, redactor)) < 0) {
		host_fail(h, rc, "error", cmdb_error_last());
		rc = 0;
		goto done;
	}
	if ((rc = section_warnings(h, facts)) < 0 || (rc = keep_owned(h)) < 0 ||
		(rc = record_hostkey(h)) < 0)
		goto done;
	h->code = 0;
	h->status = "ok";
	if ((rc = check_item_sizes(h)) == 0 && h->code == 0)
		late(h, "while its items were made");
done:
	json_decref(facts);
	return rc;
}

static int host_deadline_ms(const cmdb__scan_pool_opts *o)
{
	return (o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S) * 1000;
}

/* One deadline for the whole host: every SSH phase ends by it (and parsing is checked). */
void cmdb__scan_base_target(cmdb_ssh_target *t, const cmdb__scan_pool_opts *o)
{
	int deadline = host_deadline_ms(o);

	memset(t, 0, sizeof(*t));
	t->hostkeys = o->hostkeys;
	t->known_hosts = o->known_hosts_name;
	t->timeout_ms = deadline;
	t->connect_timeout_ms = deadline < CONNECT_MAX_MS ? deadline : CONNECT_MAX_MS;
	t->auth_timeout_ms = deadline;
	t->command_timeout_ms = deadline;
}

static int target_for(cmdb_ssh_target *t, const cmdb_host *host, const cmdb__scan_pool_opts *o)
{
	if (o->route)
		return cmdb__route_target(t, o->route, host);
	cmdb__scan_base_target(t, o);
	t->address = host->address;
	t->port = host->port > 0 ? host->port : 22;
	t->user = host->user;
	t->identity_file = host->identity_file;
	t->passphrase_env = host->passphrase_env;
	return 0;
}

static void scan_one(cmdb__scan_host *h, const cmdb__scan_pool_opts *o)
{
	cmdb_ssh_target t;
	cmdb_ssh_result res;
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	h->deadline_ms = now_ms() + (uint64_t)host_deadline_ms(o);
	memset(&res, 0, sizeof(res));
	cmdb_error_clear();
	if ((rc = target_for(&t, h->host, o)) == 0 && !(h->target = cmdb__route_describe(&t)))
		rc = cmdb__error(CMDB_ERROR, "out of memory");
	if (rc == 0)
		rc = cmdb_ssh_exec(&res, &t,
			h->host->become && strcmp(h->host->become, "sudo") == 0
				? REMOTE_COMMAND_SUDO
				: REMOTE_COMMAND,
			o->script, strlen(o->script));
	if (rc < 0) {
		host_fail(h, rc, NULL, cmdb_error_last());
	} else {
		memcpy(h->hostkey, res.hostkey_sha256, sizeof(h->hostkey));
		h->hostkey[sizeof(h->hostkey) - 1] = '\0';
		if (cmdb__scan_host_parse(
			    h, res.out ? res.out : "", res.out_len, o->settings, o->redactor) < 0)
			host_fail(h, CMDB_ERROR, "error", cmdb_error_last());
	}
	cmdb_ssh_result_dispose(&res);
	h->ms = seconds_since(&t0) * 1000.0;
}

/* The shared counter of cmdb__scan_pool_each. */
typedef struct {
	size_t n, next;
	cmdb__scan_job_fn fn;
	void *payload;
	pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		p->fn(i, p->payload);
	}
}

int cmdb__scan_pool_each(size_t n, int jobs, cmdb__scan_job_fn fn, void *payload)
{
	pool p = {n, 0, fn, payload, PTHREAD_MUTEX_INITIALIZER};
	pthread_t *threads = NULL;
	size_t nthreads = (size_t)(jobs > 0 ? jobs : 1), started = 0;

	if (n == 0)
		return 0;
	if (nthreads > n)
		nthreads = n;
	if (!(threads = cmdb__calloc(nthreads, sizeof(*threads))))
		return cmdb__error(CMDB_ERROR, "out of memory");
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, &p) != 0)
			break;
	/* With fewer threads than asked the work is slower, not wrong; with none we do it here. */
	if (started == 0)
		worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	pthread_mutex_destroy(&p.lock);
	return 0;
}

/* The scan's own state around the pool: what each host reports as it finishes. */
typedef struct {
	cmdb__scan_host *hosts;
	size_t n, done, failed;
	const cmdb__scan_pool_opts *o;
	pthread_mutex_t lock;
	struct timespec start;
} scan_pool;

static void scan_job(size_t i, void *payload)
{
	scan_pool *p = payload;
	cmdb__scan_host *h = &p->hosts[i];

	scan_one(h, p->o);
	/* Handed over now, so a host's parsed facts never wait for the whole estate. */
	if (h->code == 0 && p->o->arrived)
		p->o->arrived(h, p->o->arrived_payload);
	pthread_mutex_lock(&p->lock);
	p->done++;
	p->failed += h->code != 0;
	if (p->o->progress) {
		cmdb_scan_progress pr = {
			p->done, p->n, p->failed, seconds_since(&p->start), h->host->name};

		p->o->progress(&pr, p->o->payload);
	}
	pthread_mutex_unlock(&p->lock);
}

int cmdb__scan_pool_run(cmdb__scan_host *hosts, size_t n, const cmdb__scan_pool_opts *o)
{
	scan_pool p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.hosts = hosts;
	p.n = n;
	p.o = o;
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	if (pthread_mutex_init(&p.lock, NULL) != 0)
		return cmdb__error(CMDB_ERROR, "cannot create the scan's mutex");
	rc = cmdb__scan_pool_each(n, o->jobs > 0 ? o->jobs : 32, scan_job, &p);
	pthread_mutex_destroy(&p.lock);
	return rc;
}
