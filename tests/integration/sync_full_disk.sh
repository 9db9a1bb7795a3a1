#!/usr/bin/env bash
# A disk that fills up during a scan (issue 7 item 1, issue 8 §4), on a small tmpfs
# mounted in a private mount namespace:
# - full before anything is written: the scan fails, main does not move;
# - room for the objects but not for the work tree: the scan is committed, says so
#   (warning: main moved, run gitcmdb status), exits 0; gitcmdb commit and status
#   then refuse clearly while the disk is full, and status finishes the update once
#   there is room: every file of main in the work tree, git status clean.
if [ "${CMDB_IN_MOUNT_NS:-}" != 1 ] && [ "$(id -u)" = 0 ]; then
	CMDB_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/lab_copies.sh"
SMALL="$T/small"
cleanup_extra() { umount "$SMALL"; }
mkdir -p "$SMALL"
export GITCMDB_NO_FSYNC=1

# Sizes from a scan of the same hosts on the real disk.
init_copies "$T/ref"
"$GITCMDB" -C "$T/ref" scan --limit "$COPIES" --timeout 60 >/dev/null 2>&1 || fail "reference scan"
PACK=$(du -sB1 "$T/ref/.git/objects/pack" | cut -f1)
TREE=$(cd "$T/ref" && git ls-files | wc -l)
echo "reference scan: pack $PACK bytes, $TREE files in the work tree"

mount -t tmpfs -o size=32m tmpfs "$SMALL" || fail "cannot mount a tmpfs (root in a mount namespace)"
R="$SMALL/r"
avail() { df -B1 --output=avail "$SMALL" | tail -1 | tr -d ' '; }
# fill_to BYTES: leave about BYTES free.
fill_to() {
	rm -f "$SMALL/filler"
	local n=$(($(avail) - $1))
	[ "$n" -gt 0 ] && head -c "$n" /dev/zero >"$SMALL/filler" 2>/dev/null || true
}

# --- 1. full before the scan writes anything: nothing committed, exit 1 ----------
init_copies "$R"
before=$(git -C "$R" rev-parse main)
fill_to 0
run_cli 1 -C "$R" scan --limit "$COPIES" --timeout 60
assert_contains "$ERR" "No space left on device"
assert_eq "$(git -C "$R" rev-parse main)" "$before" "main did not move"
assert_eq "$(git -C "$R" --no-optional-locks status --porcelain)" "" "work tree untouched"

# --- 2. room for the objects, not for the work tree: committed, warning, exit 0 --
rm -f "$SMALL/filler"
fill_to $((PACK + 512 * 1024))
run_cli 0 -C "$R" scan --limit "$COPIES" --timeout 60
assert_contains "$ERR" "warning: the scan is committed (main is now "
assert_contains "$ERR" "No space left on device"
assert_contains "$ERR" "run 'gitcmdb status'"
assert_contains "$OUT" "committed "
after=$(git -C "$R" rev-parse main)
[ "$after" != "$before" ] || fail "main did not move"
ok
[ -e "$R/.git/gitcmdb/sync-pending" ] || fail "no pending sync recorded"
ok
assert_eq "$(git -C "$R" ls-tree -r --name-only main | wc -l)" "$(git -C "$T/ref" ls-tree -r --name-only main | wc -l)" "the scan landed whole"
echo "full disk during the sync: $(echo "$ERR" | grep -m1 "scan is committed")"

# While the disk is full, writers refuse instead of taking the lag for a person's edit.
mkdir -p "$R/application" 2>/dev/null && printf 'type: application\nname: shop\nsource: manual\n' >"$R/application/shop.yaml" 2>/dev/null || true
run_cli 1 -C "$R" commit -m "add shop"
assert_contains "$ERR" "behind main"
echo "gitcmdb commit while the disk is full: $ERR"
assert_eq "$(git -C "$R" rev-parse main)" "$after" "a refused commit does not move main"
run_cli 1 -C "$R" status
assert_contains "$ERR" "behind main"

# --- 3. room again: status finishes the update; nothing lost, git status clean ---
rm -f "$SMALL/filler"
run_cli 0 -C "$R" status
assert_contains "$ERR" "finished an interrupted work-tree update"
assert_contains "$OUT" "application/shop.yaml"
[ ! -e "$R/.git/gitcmdb/sync-pending" ] || fail "journal still pending"
ok
rm -rf "$R/application"
assert_eq "$(git -C "$R" status --porcelain)" "" "git status after recovery"
assert_eq "$(cd "$R" && git ls-files | wc -l)" "$TREE" "every file of main is in the work tree"
run_cli 0 -C "$R" scan --limit "$COPIES" --timeout 60
assert_eq "$(git -C "$R" status --porcelain)" "" "the next scan syncs normally"
fsck_clean "$R"
umount "$SMALL"
cleanup_extra() { :; }
done_ok
