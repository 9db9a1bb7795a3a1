# Sourced by every integration test: a sandbox, assertions, and the binary under test.
# Environment from ctest: GITCMDB (the CLI), CMDB_SOURCE_DIR, CMDB_BUILD_DIR, PYTHON.
set -euo pipefail
: "${GITCMDB:?run through ctest (GITCMDB unset)}"
: "${PYTHON:=/usr/bin/python3}"
T=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-it-XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=t@example.invalid \
	GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=t@example.invalid
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global user.name tester
git config --global user.email t@example.invalid
CHECKS=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); }
# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() { [ "$1" = "$2" ] || fail "${3:-value}: expected [$2], got [$1]"; ok; }
# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() { case "$1" in *"$2"*) ok ;; *) fail "${3:-output} lacks [$2]: [$1]" ;; esac; }
# run_cli EXPECTED_EXIT ARGS... : runs gitcmdb, leaves stdout in $OUT, stderr in $ERR
run_cli() {
	local want=$1; shift
	local rc=0
	"$GITCMDB" "$@" >"$T/.out" 2>"$T/.err" || rc=$?
	OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
	[ "$rc" = "$want" ] || fail "gitcmdb $*: exit $rc, expected $want; stderr: $ERR; stdout: $OUT"
	ok
}
# run_cli_unprivileged EXPECTED_EXIT DIR ARGS...: run_cli on the repository DIR as a user
# file permissions apply to: as root (who reads everything) as nobody, on DIR handed over.
run_cli_unprivileged() {
	local want=$1 dir=$2; shift 2
	if [ "$(id -u)" != 0 ]; then run_cli "$want" -C "$dir" "$@"; return; fi
	chmod 755 "$T" && chown -R 65534:65534 "$dir"
	local rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$GITCMDB" -C "$dir" "$@" >"$T/.out" 2>"$T/.err" || rc=$?
	OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
	[ "$rc" = "$want" ] || fail "gitcmdb $* (as nobody): exit $rc, expected $want; stderr: $ERR; stdout: $OUT"
	ok
}
# repo_state DIR: a fingerprint of refs + objects + work tree, to prove nothing changed
repo_state() {
	(cd "$1" && { git for-each-ref 2>/dev/null; git count-objects -v 2>/dev/null;
		find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0r sha256sum; })
}
fsck_clean() {
	local out
	out=$(cd "$1" && git fsck --strict --no-progress 2>&1) || fail "git fsck --strict failed in $1: $out"
	ok
}
# put FILE < TEXT: write an item file by hand, creating its directory.
put() { mkdir -p "$(dirname "$1")"; cat >"$1"; }
# commit_at DATE MESSAGE: commit everything with author and committer dated DATE.
commit_at() {
	git add -A
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git commit -q --allow-empty -m "$2"
}
done_ok() { echo "ok: $CHECKS checks passed"; }
