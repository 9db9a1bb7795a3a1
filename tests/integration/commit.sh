#!/usr/bin/env bash
# gitcmdb commit: a person's edits validated and committed as written; every bad
# input gives a clear error and leaves the repository exactly as it was.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
# Undo test-made immutability before the sandbox is removed.
trap 'chattr -R -i "$T" 2>/dev/null; chown -R root "$T" 2>/dev/null; rm -rf "$T"' EXIT
run_cli 0 init "$R"
cd "$R"

# The approved change the trailer below names must be on main first.
mkdir -p group change
printf 'type: group\nname: web\nsource: manual\n' >group/web.yaml
cat >change/CHG-0042.yaml <<'Y'
type: change
name: CHG-0042
source: manual
attributes:
  approved_by: alice
  status: approved
  summary: webshop item
  window: {end: "2026-11-28T23:00:00Z", start: "2026-11-28T22:00:00Z"}
relations:
  affects: [group/web]
Y
run_cli 0 commit -m "records: group web, CHG-0042"

# A hand-written item with comments: committed byte for byte, with the Change trailer.
mkdir -p application
cat >application/webshop.yaml <<'Y'
# Owned by the web team; see the wiki.
type: application
name: webshop
source: manual
attributes:
  owner: team-web   # kept as written
Y
run_cli 0 commit -m "application: webshop" --change CHG-0042
assert_contains "$OUT" "committed "
assert_eq "$(git show main:application/webshop.yaml)" "$(cat application/webshop.yaml)" "bytes as written"
assert_eq "$(git log -1 --format='%(trailers:key=Change,valueonly)' | head -1)" "CHG-0042" "trailer"
assert_eq "$(git log -1 --format=%an)" tester "author from the environment"
assert_eq "$(git status --porcelain)" "" "clean after commit"
fsck_clean "$R"

# Nothing changed: exit 0, no commit.
head=$(git rev-parse main)
run_cli 0 commit -m "again"
assert_contains "$ERR" "nothing to commit"
assert_eq "$(git rev-parse main)" "$head" "no empty commit"

# An invalid item: findings with file:line:col, exit 1, nothing committed (the valid edit neither).
printf 'type: application\nname: other\nsource: manual\nattributes:\n  colour: red\n' >application/bad.yaml
sed -i 's/team-web /team-shop/' application/webshop.yaml
before=$(repo_state "$R")
run_cli 1 commit -m "bad"
assert_contains "$OUT" "application/bad.yaml:2:7: name 'other' does not match"
assert_contains "$OUT" "application/bad.yaml:5:11: attributes.colour: unknown field"
assert_contains "$ERR" "nothing was committed"
assert_eq "$(repo_state "$R")" "$before" "invalid item: nothing changed"
run_cli 1 commit -m "bad" --json
assert_eq "$(echo "$OUT" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 "json findings"

# A stray non-item file under a type directory is reported, not silently committed.
rm application/bad.yaml
echo "todo" >application/notes.txt
before=$(repo_state "$R")
run_cli 1 commit -m "stray"
assert_contains "$OUT" "application/notes.txt"
assert_eq "$(repo_state "$R")" "$before" "stray: nothing changed"
rm application/notes.txt

# A YAML error in the inventory is a finding too.
printf 'hosts: {web01: {address: [}\n' >inventory.yaml
run_cli 1 commit -m "inventory"
assert_contains "$OUT" "inventory.yaml"
git checkout -q -- inventory.yaml

# Valid edit + deletion + unmanaged file, in one commit; --json result.
mkdir -p business_service
printf 'type: business_service\nname: shop\nsource: manual\n' >business_service/shop.yaml
echo "notes" >README.md
run_cli 0 commit -m "shop" --json
assert_contains "$ERR" "not committed (gitcmdb does not manage it): README.md"
"$PYTHON" - "$OUT" <<'PY' || fail "commit --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["changed"] is True and len(r["commit"]) == 40
assert sorted((f["path"], f["status"]) for f in r["files"]) == [
    ("application/webshop.yaml", "modified"), ("business_service/shop.yaml", "added")]
PY
ok
rm application/webshop.yaml
run_cli 0 commit -m "drop webshop"
assert_eq "$(git ls-tree -r --name-only main application)" "" "deleted"
assert_eq "$(git status --porcelain)" "?? README.md" "only the unmanaged file left"
assert_eq "$(git rev-list --merges main)" "" "linear"
fsck_clean "$R"
rm README.md

# Usage errors.
run_cli 2 commit
assert_contains "$ERR" "needs a message"
run_cli 2 commit -m x --change 42
assert_contains "$ERR" "not a change id"
run_cli 2 commit -m x --change CHG-12a
# record ids have at least 4 zero-padded digits (cmdb_record_id_valid)
run_cli 2 commit -m x --change CHG-42
assert_eq "$ERR" "gitcmdb: commit: 'CHG-42' is not a change id: give CHG- and at least 4 digits, e.g. CHG-0042"
run_cli 2 commit -m x --change INC-0042
assert_contains "$ERR" "is not a change id"
run_cli 2 commit -m x --bogus
assert_contains "$ERR" "unknown option '--bogus'"
run_cli 2 commit -m x extra
run_cli 0 commit --help
assert_contains "$OUT" "usage: gitcmdb commit -m MSG"

# Missing repository; a path that is a file; a bare repository.
run_cli 1 -C "$T/nope" commit -m x
assert_contains "$ERR" "no such directory"
assert_contains "$ERR" "gitcmdb init"
echo x >"$T/plain"
run_cli 1 -C "$T/plain" commit -m x
assert_contains "$ERR" "is a file"
mkdir "$T/nogit"
run_cli 1 -C "$T/nogit" commit -m x
assert_contains "$ERR" "no CMDB repository"
run_cli 0 init --bare "$T/b.git"
run_cli 1 -C "$T/b.git" commit -m x
assert_contains "$ERR" "no work tree"

# A locked repository: the holder's pid is named, nothing changes.
printf 'type: business_service\nname: pay\nsource: manual\n' >business_service/pay.yaml
before=$(repo_state "$R")
mkdir -p .git/gitcmdb
( exec 9>>.git/gitcmdb/write.lock; flock 9; echo "$BASHPID" >.git/gitcmdb/write.lock; echo locked >"$T/held"; sleep 30 ) &
holder=$!
while [ ! -e "$T/held" ]; do sleep 0.05; done
GITCMDB_LOCK_TIMEOUT_MS=200 run_cli 1 commit -m pay
assert_contains "$ERR" "locked by another writer (pid $holder)"
assert_eq "$(repo_state "$R")" "$before" "locked: nothing changed"
kill "$holder"; wait "$holder" 2>/dev/null || true
run_cli 0 commit -m pay
assert_eq "$(git show main:business_service/pay.yaml | head -1)" "type: business_service" "committed after release"

# A repository owned by another user (libgit2 refuses to trust it).
printf 'type: business_service\nname: ops\nsource: manual\n' >business_service/ops.yaml
before=$(repo_state "$R")
chown -R nobody "$R"
run_cli 1 commit -m ops
assert_contains "$ERR" "owned by another user"
assert_contains "$ERR" "safe.directory"
chown -R root "$R"
assert_eq "$(repo_state "$R")" "$before" "other owner: nothing changed"

# A read-only repository (immutable files stop root too); skipped where chattr is unsupported.
if chattr -R +i "$R" 2>/dev/null; then
	run_cli 1 commit -m ops
	assert_contains "$ERR" "read-only"
	assert_contains "$ERR" "nothing was"
	chattr -R -i "$R"
	assert_eq "$(repo_state "$R")" "$before" "read-only: nothing changed"
	# Only the object store read-only: caught before any object is written.
	chattr +i .git/objects
	run_cli 1 commit -m ops
	assert_contains "$ERR" "is read-only (${R}/.git/objects"
	chattr -i .git/objects
	assert_eq "$(repo_state "$R")" "$before" "read-only objects: nothing changed"
	run_cli 0 commit -m ops
else
	echo "note: chattr +i unsupported here; read-only case skipped" >&2
fi
fsck_clean "$R"

# An unreadable file: commit names it and the reason (it said "gitcmdb: no error").
U="$T/unreadable"
run_cli 0 init "$U"
mkdir -p "$U/business_service"
printf 'type: business_service\nname: pay\nsource: manual\n' >"$U/business_service/pay.yaml"
chmod 000 "$U/business_service/pay.yaml"
head=$(git -C "$U" rev-parse main)
run_cli_unprivileged 1 "$U" commit -m "add pay"
assert_eq "$ERR" "gitcmdb: cannot read $U/business_service/pay.yaml: Permission denied: nothing was committed" "unreadable file"
assert_eq "$(git -c safe.directory="*" -C "$U" rev-parse main)" "$head" "unreadable file: nothing committed"

# A symbolic link where a managed file would be is a finding: never read (it would commit
# what is outside the work tree), nothing committed, whatever else changed. Files are read
# once: what was validated is what is committed. A file over the YAML limit is a finding
# too (known_hosts used to be cut at the limit and committed short).
L="$T/links"
run_cli 0 init "$L"
cd "$L"
printf 'secret: outside\n' >"$T/outside.yaml"
mkdir -p host
ln -s "$T/outside.yaml" host/linked.yaml
mkdir -p schemas
ln -s "$T/outside.yaml" schemas/host.yaml
printf 'type: host\nname: ok\nsource: manual\n' >host/ok.yaml
head=$(git rev-parse main)
run_cli 1 commit -m "links"
assert_eq "$OUT" "host/linked.yaml: a symbolic link: gitcmdb never follows links in the work tree; put the file itself there
schemas/host.yaml: a symbolic link: gitcmdb never follows links in the work tree; put the file itself there" "links are findings"
assert_contains "$ERR" "2 finding(s): nothing was committed"
assert_eq "$(git rev-parse main)" "$head" "links: nothing committed"
rm host/linked.yaml schemas/host.yaml
head -c 16777217 /dev/zero | tr '\0' '#' >known_hosts
run_cli 1 commit -m "big"
assert_eq "$OUT" "known_hosts: $L/known_hosts: 16777217 bytes is over the 16777216-byte limit" "an oversized file is a finding"
assert_eq "$(git rev-parse main)" "$head" "oversized: nothing committed"
rm known_hosts
run_cli 0 commit -m "ok"
assert_eq "$(git show main:host/ok.yaml | head -1)" "type: host"
fsck_clean "$L"
done_ok
