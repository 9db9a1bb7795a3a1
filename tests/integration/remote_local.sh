# Remotes through local paths and file:// URLs: pull (fast-forward, re-applied commits,
# a conflict, uncommitted edits), commit --push, remote.push_after_scan, a bare clone
# kept current by pull, gc (also while scans commit) and its automatic run.
source "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
main_of() { git -C "$1" rev-parse main; }
item() { printf 'type: application\nname: %s\nsource: manual\n%s' "$1" "${2:-}"; }

git init -q --bare "$T/central.git"
run_cli 0 init "$T/a"
run_cli 0 -C "$T/a" remote add origin "file://$T/central.git"
run_cli 1 -C "$T/a" pull
assert_contains "$ERR" "has no refs/heads/main yet: push first" "pull of an empty remote"
run_cli 0 -C "$T/a" push
assert_contains "$OUT" "push origin: pushed" "first push"
assert_eq "$(main_of "$T/central.git")" "$(main_of "$T/a")" "first push"
# pushing again sends nothing and says so (text and --json)
run_cli 0 -C "$T/a" push
assert_eq "$OUT" "push origin: up to date at $(git -C "$T/a" rev-parse --short=12 main)" "second push"
run_cli 0 -C "$T/a" push --json
assert_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["up_to_date"], d["reapplied"])' <<<"$OUT")" \
	"up-to-date True 0" "second push, --json"
git clone -q "$T/central.git" "$T/b"
run_cli 0 -C "$T/b" remote list
assert_eq "$OUT" "origin	$T/central.git" "a git clone's remote"

# fast-forward pull; the work tree follows
mkdir -p "$T/a/application"
item x >"$T/a/application/x.yaml"
run_cli 0 -C "$T/a" commit -m "x" --push
run_cli 0 -C "$T/a" change new --summary "add z" --affects application/x \
	--window 2026-01-01T00:00Z/2099-01-01T00:00Z --status approved --approved-by alice
chg=${OUT%%$'\n'*}
run_cli 0 -C "$T/a" push
# a lock left by a gitcmdb killed mid-fetch does not block the next one
mkdir -p "$T/b/.git/refs/remotes/origin"
touch -d '-10 sec' "$T/b/.git/refs/remotes/origin/main.lock"
run_cli 0 -C "$T/b" pull
assert_contains "$OUT" "fast-forward" "pull"
[ ! -e "$T/b/.git/refs/remotes/origin/main.lock" ] || fail "stale tracking-ref lock left"
assert_eq "$(git -C "$T/b" rev-parse origin/main)" "$(main_of "$T/a")" "tracking ref updated past a stale lock"
assert_eq "$(cat "$T/b/application/x.yaml")" "$(item x)" "work tree after pull"
assert_eq "$(git -C "$T/b" status --porcelain)" "" "clean after pull"

# both sides moved: b's commit is re-applied on a's, message and author kept
item y >"$T/a/application/y.yaml"
run_cli 0 -C "$T/a" commit -m "y" --push
item z >"$T/b/application/z.yaml"
GIT_AUTHOR_NAME=bee run_cli 0 -C "$T/b" commit -m "z by b" --change "$chg"
old_b=$(main_of "$T/b")
run_cli 0 -C "$T/b" push --json
assert_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["up_to_date"], d["reapplied"])' <<<"$OUT")" \
	"pushed False 1" "re-applied push"
assert_eq "$(git -C "$T/central.git" log -1 --format='%an|%s|%(trailers:key=Change,valueonly)' main)" "bee|z by b|$chg" \
	"message, author and trailer kept"
assert_eq "$(git -C "$T/central.git" rev-parse main~1)" "$(main_of "$T/a")" "on the remote's tip"
git -C "$T/central.git" merge-base --is-ancestor "$old_b" main 2>/dev/null && fail "the old commit is not on the remote" || ok
assert_eq "$(ls "$T/b/application")" "$(printf 'x.yaml\ny.yaml\nz.yaml')" "b's work tree has a's file"

# the same lines changed on both sides: refused, local commit kept
item x 'annotations:\n  owner: a\n' >"$T/a/application/x.yaml"
printf 'type: application\nname: x\nsource: manual\nannotations:\n  owner: a\n' >"$T/a/application/x.yaml"
run_cli 0 -C "$T/a" commit -m "owner a"
printf 'type: application\nname: x\nsource: manual\nannotations:\n  owner: b\n' >"$T/b/application/x.yaml"
run_cli 0 -C "$T/b" commit -m "owner b" --push
before=$(main_of "$T/a")
run_cli 1 -C "$T/a" push
assert_contains "$ERR" "application/x.yaml: local commit" "conflict named"
assert_contains "$ERR" "do not merge" "conflict named"
assert_eq "$(main_of "$T/a")" "$before" "local commit kept"
git -C "$T/a" reset -q --hard main~1

# uncommitted edits the pull would overwrite refuse it; nothing moves
printf 'type: application\nname: x\nsource: manual\nannotations:\n  note: mine\n' >"$T/a/application/x.yaml"
before=$(main_of "$T/a")
run_cli 1 -C "$T/a" pull
assert_contains "$ERR" "application/x.yaml" "the file with uncommitted edits"
assert_eq "$(main_of "$T/a")" "$before" "no move over uncommitted edits"
assert_contains "$(cat "$T/a/application/x.yaml")" "note: mine" "the edit kept"
git -C "$T/a" checkout -q -- application/x.yaml
# an edit elsewhere does not stop it, and stays
printf 'type: application\nname: y\nsource: manual\nannotations:\n  note: mine\n' >"$T/a/application/y.yaml"
run_cli 0 -C "$T/a" pull
assert_eq "$(main_of "$T/a")" "$(main_of "$T/central.git")" "pull beside an edit"
assert_contains "$(cat "$T/a/application/y.yaml")" "note: mine" "the other edit kept"
git -C "$T/a" checkout -q -- application/y.yaml

# a bare clone (the indexer next to the git server) kept current by pull
git clone -q --mirror "$T/central.git" "$T/mirror.git"
item w >"$T/b/application/w.yaml"
run_cli 0 -C "$T/b" commit -m "w" --push
run_cli 0 -C "$T/mirror.git" pull
assert_eq "$(main_of "$T/mirror.git")" "$(main_of "$T/central.git")" "mirror current"
run_cli 0 -C "$T/mirror.git" show application/w
assert_contains "$OUT" "name: w" "query on the bare clone"
run_cli 0 -C "$T/mirror.git" index
fsck_clean "$T/mirror.git"

# remote.push_after_scan: a scan (of no host: nothing changes) pushes by itself
run_cli 0 -C "$T/a" pull
sed -i 's/push_after_scan: false/push_after_scan: origin/' "$T/a/gitcmdb.yaml"
run_cli 0 -C "$T/a" commit -m "push every scan" --push
assert_contains "$(git -C "$T/central.git" show main:gitcmdb.yaml)" "push_after_scan: origin" "setting pushed"

# errors: no such remote, no default
run_cli 1 -C "$T/a" push nosuch
assert_contains "$ERR" "no remote 'nosuch'" "unknown remote"
run_cli 0 -C "$T/a" remote add second "$T/central.git"
run_cli 0 -C "$T/a" remote remove origin
run_cli 0 -C "$T/a" remote add third "$T/central.git"
run_cli 1 -C "$T/a" push
assert_contains "$ERR" "none is 'origin': name the remote" "ambiguous default"
run_cli 1 -C "$T/a" hostkeys enroll --remote second
assert_contains "$ERR" "is not an SSH URL" "enroll of a local remote"

# gc: packs, keeps everything reachable, fsck clean; libgit2 and git both
loose_before=$(git -C "$T/a" count-objects -v | awk '/^count:/ {print $2}')
[ "$loose_before" -gt 0 ] || fail "no loose objects to pack"
run_cli 0 -C "$T/a" gc --json
assert_eq "$(git -C "$T/a" count-objects -v | awk '/^count:/ {print $2}')" 0 "no loose objects after gc"
fsck_clean "$T/a"
item v >"$T/a/application/v.yaml"
run_cli 0 -C "$T/a" commit -m v
run_cli 0 -C "$T/a" gc --libgit2
assert_contains "$OUT" "gc (libgit2)" "libgit2 gc"
fsck_clean "$T/a"
assert_eq "$(git -C "$T/a" cat-file -p main:application/v.yaml)" "$(item v)" "content after libgit2 gc"

# automatic: maintenance.auto_pack: 1 packs after the next commit
sed -i 's/auto_pack: 5000/auto_pack: 1/' "$T/a/gitcmdb.yaml"
run_cli 0 -C "$T/a" commit -m "pack often"
assert_eq "$(git -C "$T/a" count-objects -v | awk '/^count:/ {print $2}')" 0 "auto-pack ran"

# gc while commits land: nothing reachable is lost
sed -i 's/auto_pack: 1/auto_pack: 5000/' "$T/a/gitcmdb.yaml"
run_cli 0 -C "$T/a" commit -m "pack rarely"
( for i in $(seq 30); do item "c$i" >"$T/a/application/c$i.yaml"; "$GITCMDB" -C "$T/a" commit -m "c$i" >/dev/null 2>&1 || echo "commit $i failed" >>"$T/gcrace.fail"; done ) &
writer=$!
for i in 1 2 3 4 5; do "$GITCMDB" -C "$T/a" gc >/dev/null 2>>"$T/gc.err" || echo "gc failed: $(cat "$T/gc.err")" >>"$T/gcrace.fail"; done
wait "$writer"
[ ! -e "$T/gcrace.fail" ] || fail "$(cat "$T/gcrace.fail")"
fsck_clean "$T/a"
assert_eq "$(git -C "$T/a" ls-tree --name-only main application/ | grep -c '/c[0-9]')" 30 "every commit during gc kept"
done_ok
