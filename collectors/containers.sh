# containers: docker or podman containers, one `inspect` of all of them per runtime.
# docker only when its socket is there (a CLI without a daemon costs a process for
# nothing); the parser keeps what is stable (no ids, no start times, no PIDs).
for rt in docker podman; do
	gitcmdb_has "$rt" || continue
	if [ "$rt" = docker ] && [ ! -S /var/run/docker.sock ] && [ ! -S /run/docker.sock ] &&
		[ -z "${DOCKER_HOST:-}" ]; then
		continue
	fi
	# A runtime that does not answer must not read as "every container removed".
	ids=$(gitcmdb_t "$rt" ps -aq --no-trunc) || { gitcmdb_blk "$rt-failed"; continue; }
	[ -n "$ids" ] || continue
	gitcmdb_blk "$rt-inspect"
	# shellcheck disable=SC2086 # ids are hex words
	gitcmdb_t "$rt" inspect $ids
done
