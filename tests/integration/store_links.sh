#!/usr/bin/env bash
# Links planted in a repository (issue 7 item 7): a symbolic link at write.lock
# or standing in for a directory of the work tree is refused with a clear error,
# and nothing outside the repository is written, truncated or read.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo
cd "$REPO"
OUTSIDE="$T/outside"
mkdir -p "$OUTSIDE"
outside_state() { (cd "$OUTSIDE" && find . -print0 | sort -z | xargs -0r ls -ld --time-style=+%s.%N; find . -type f -print0 | sort -z | xargs -0r sha256sum); }

# --- a scan would create service/web01/ inside a linked directory --------------
ln -s "$OUTSIDE" service
before=$(git rev-parse main)
state=$(outside_state)
scan 1 --limit web01
assert_contains "$ERR" "service is a symbolic link, not a directory"
assert_contains "$ERR" "nothing was committed"
assert_eq "$(git rev-parse main)" "$before" "refused scan: main unchanged"
assert_eq "$(outside_state)" "$state" "nothing written outside"
rm service

# --- a scan would rewrite host/web01.yaml through a linked host/ ---------------
scan 0 --limit web01
cp -a host/. "$OUTSIDE/" # the same bytes as main: a path-based check would call it clean
rm -r host && ln -s "$OUTSIDE" host
cp "$CMDB_SOURCE_DIR/tests/lab/personas/web01-drift.out" "$LAB/personas/web01.out"
before=$(git rev-parse main)
state=$(outside_state)
scan 1 --limit web01
assert_contains "$ERR" "host is a symbolic link, not a directory"
assert_eq "$(git rev-parse main)" "$before" "refused scan: main unchanged"
assert_eq "$(outside_state)" "$state" "nothing written outside"
# What a person changed is not read through it either (it would commit outside bytes).
run_cli 1 commit -m "through the link"
assert_contains "$ERR" "host is a symbolic link"
run_cli 1 status
assert_contains "$ERR" "host is a symbolic link"
assert_eq "$(outside_state)" "$state" "nothing written outside"
rm host && git checkout -q -- host
cp "$CMDB_SOURCE_DIR/tests/lab/personas/web01.out" "$LAB/personas/web01.out"

# --- write.lock as a link: refused, its target never truncated ------------------
echo "precious" >"$OUTSIDE/target"
rm -f .git/gitcmdb/write.lock
ln -s "$OUTSIDE/target" .git/gitcmdb/write.lock
mkdir -p application
printf 'type: application\nname: shop\nsource: manual\n' >application/shop.yaml
run_cli 1 commit -m "shop"
assert_contains "$ERR" "write.lock is a symbolic link"
assert_eq "$(cat "$OUTSIDE/target")" "precious" "the link's target is untouched"
scan 1 --limit web01
assert_contains "$ERR" "write.lock is a symbolic link"
assert_eq "$(cat "$OUTSIDE/target")" "precious" "the link's target is untouched"
rm .git/gitcmdb/write.lock
run_cli 0 commit -m "shop"
assert_eq "$(git status --porcelain)" "" "clean once the link is gone"
fsck_clean "$REPO"
done_ok
