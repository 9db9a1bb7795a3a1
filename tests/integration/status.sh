#!/usr/bin/env bash
# gitcmdb status, and every command that reads the work tree after a writer was
# killed between moving main and updating the work tree (made here with git
# plumbing, deterministically; tests/integration/sync_kill.sh kills real scans).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
jq_() { "$PYTHON" -c 'import sys, json; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
run_cli 0 init "$R"
cd "$R"

# A writer "killed" after moving main: main gains host/a..c and changes gitcmdb.yaml;
# the work tree, the git index and the journal are as that writer left them.
killed_writer() {
	local old new
	old=$(git rev-parse main)
	new=$(export GIT_INDEX_FILE="$T/idx" && git read-tree main &&
		for h in a b c; do
			b=$(printf 'type: host\nname: %s\nsource: scan\n' $h | git hash-object -w --stdin)
			git update-index --add --cacheinfo "100644,$b,host/$h.yaml"
		done &&
		s=$( (git show main:gitcmdb.yaml; echo '# changed by the killed writer') | git hash-object -w --stdin) &&
		git update-index --cacheinfo "100644,$s,gitcmdb.yaml" &&
		git commit-tree "$(git write-tree)" -p main -m "killed scan")
	git update-ref refs/heads/main "$new"
	printf '%s %s\n' "$old" "$new" >.git/gitcmdb/sync-pending
	rm -f "$T/idx"
}

# --- plain status: what a person changed, managed or not -----------------------
run_cli 0 status
assert_contains "$OUT" "on main $(git rev-parse --short=12 main)"
assert_contains "$OUT" "nothing changed: the work tree matches main"
mkdir -p application
printf 'type: application\nname: shop\nsource: manual\n' >application/shop.yaml
echo notes >README.md
run_cli 0 status
assert_contains "$OUT" "added     application/shop.yaml"
assert_contains "$OUT" "added     README.md   (not gitcmdb's: commit leaves it alone)"
run_cli 0 status --json
"$PYTHON" - "$OUT" "$(git rev-parse main)" <<'PY' || fail "status --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["main"] == sys.argv[2] and r["finished_update"] is False, r
assert r["changes"] == [
    {"path": "README.md", "status": "added", "managed": False},
    {"path": "application/shop.yaml", "status": "added", "managed": True}], r
PY
ok
rm README.md

# --- a killed writer's lag is never a person's change ---------------------------
killed_writer
assert_contains "$(git status --porcelain)" "D  host/a.yaml" "plain git sees the lag as staged deletions"
run_cli 0 status --json
assert_contains "$ERR" "finished an interrupted work-tree update"
assert_eq "$(jq_ "$OUT" 'd["finished_update"], [c["path"] for c in d["changes"]]')" "(True, ['application/shop.yaml'])"
assert_eq "$(git status --porcelain)" "?? application/" "after gitcmdb status, git sees only the person's file"
[ ! -e .git/gitcmdb/sync-pending ] || fail "journal left"
ok
# ... so plain git commits only that.
git add -A && git commit -qm "shop (plain git)"
assert_eq "$(git ls-tree -r --name-only main | tr '\n' ' ')" \
	"application/shop.yaml gitcmdb.yaml host/a.yaml host/b.yaml host/c.yaml inventory.yaml " "nothing deleted"
assert_contains "$(git show main:gitcmdb.yaml)" "changed by the killed writer"

# gitcmdb commit finishes the update itself before it looks.
killed_writer
printf 'type: application\nname: web\nsource: manual\n' >application/web.yaml
run_cli 0 commit -m "web" --json
assert_eq "$(jq_ "$OUT" '[f["path"] for f in d["files"]]')" "['application/web.yaml']"
assert_eq "$(git status --porcelain)" "" "clean after commit"
assert_eq "$(git ls-tree -r --name-only main host | wc -l)" 3 "the killed writer's hosts are kept"

# So does fmt (a lagging file would be formatted, then committed, as an edit).
killed_writer
run_cli 0 fmt
assert_eq "$(git status --porcelain)" "" "fmt finished the update and found nothing to format"

# --- usage and errors ----------------------------------------------------------
run_cli 2 status --bogus
assert_contains "$ERR" "unknown option '--bogus'"
run_cli 2 status extra
run_cli 0 help status
assert_contains "$OUT" "git commit -a"
run_cli 0 init --bare "$T/bare"
run_cli 1 -C "$T/bare" status
assert_contains "$ERR" "needs a work tree"
fsck_clean "$R"
done_ok
