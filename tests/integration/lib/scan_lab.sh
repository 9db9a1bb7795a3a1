# Sourced by the scan integration tests: start the SSH lab and a CMDB repository
# whose main holds the lab's inventory and known_hosts. Sets LAB, REPO.
[ "$(id -u)" = 0 ] || { echo "skip: the lab runs sshd as root"; exit 77; }
[ -x /usr/sbin/sshd ] || { echo "skip: no /usr/sbin/sshd"; exit 77; }
LAB="$T/lab"
REPO="$T/repo"
LAB_SH="$CMDB_SOURCE_DIR/tests/lab/lab.sh"
trap '"$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
# sshd reads authorized_keys as the lab user: the sandbox must be traversable.
chmod 755 "$T"
# The lab's forked helpers keep inherited fds open: never read its output through a pipe.
"$LAB_SH" start "$LAB" --watch $$ >"$T/lab.log" 2>&1 || { cat "$T/lab.log" >&2; fail "lab start"; }

# init_repo [--bare]: a fresh CMDB with the lab's inventory and host keys committed.
init_repo() {
	run_cli 0 init "$@" "$REPO"
	if [ "${1:-}" = --bare ]; then return; fi
	cp "$LAB/inventory.yaml" "$LAB/known_hosts" "$REPO/"
	(cd "$REPO" && git add inventory.yaml known_hosts && git commit -qm "lab inventory and host keys")
}

# yq FILE PYEXPR: evaluate a Python expression over the parsed YAML document `d`.
yq() { "$PYTHON" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# jq_ JSONTEXT PYEXPR: the same over a JSON document `d` given as text.
jq_() { "$PYTHON" -c 'import sys, json; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# scan EXIT ARGS...: SCAN_TIMEOUT is short where fault personas (hang, tarpit) would
# cost their whole deadline, long enough elsewhere for `self` on a busy machine.
scan() { run_cli "$1" -C "$REPO" scan --timeout "${SCAN_TIMEOUT:-60}" "${@:2}"; }
# refs_and_tree DIR: repo_state without the object count. The store writes objects
# before it decides (and may then refuse); unreferenced objects change nothing.
refs_and_tree() {
	(cd "$1" && { git for-each-ref; git ls-files -s; git status --porcelain;
		find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0r sha256sum; })
}
