# show / history on a hand-built history whose answers are stated here:
# commit 1 creates web01 with openssl 3.0.11, 2 adds db01, 3 upgrades web01 to
# 3.0.13 (Change: CHG-0042), 4 deletes db01, 5 changes only web01's owner.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R=$T/r
git init -q -b main "$R"
mkdir -p "$R/host" "$R/change"
web() {
	cat >"$R/host/web01.yaml" <<Y
type: host
name: web01
attributes:
  packages:
    openssl: {version: $1, arch: amd64}
annotations:
  owner: $2
relations:
  member_of: [group/web]
Y
}
commit() { (cd "$R" && git add -A && GIT_COMMITTER_DATE="2026-01-0$1T10:00:00Z" GIT_AUTHOR_DATE="2026-01-0$1T10:00:00Z" \
	git commit -q -m "$2"); }
web 3.0.11 team-web; commit 1 "scan: web01"
printf 'type: host\nname: db01\n' >"$R/host/db01.yaml"; commit 2 "scan: db01"
git -C "$R" tag -a 2026-Q1 -m "baseline" HEAD
web 3.0.13 team-web; commit 3 "$(printf 'patch openssl\n\nChange: CHG-0042')"
C3=$(git -C "$R" rev-parse HEAD)
git -C "$R" rm -q host/db01.yaml; commit 4 "retire db01"
printf 'type: change\nname: CHG-0042\nrelations:\n  affects: [host/web01]\n' >"$R/change/CHG-0042.yaml"
web 3.0.13 team-ops; commit 5 "new owner"
C1=$(git -C "$R" rev-parse main~4)

# --- show: now, between commits 1 and 3, at a revision, at a baseline
run_cli 0 -C "$R" show host/web01
assert_contains "$OUT" "version: 3.0.13" "show now"
assert_contains "$OUT" "owner: team-ops" "show now owner"
run_cli 0 -C "$R" show host/web01 --at 2026-01-02T12:00:00Z
assert_contains "$OUT" "version: 3.0.11" "show between 1 and 3"
assert_contains "$OUT" "# host/web01 from commit $C1 (2026-01-01T10:00:00Z, tester): scan: web01" "show names its commit"
run_cli 0 -C "$R" show host/web01 --at 2026-01-03T11:00:00+01:00
assert_contains "$OUT" "version: 3.0.13" "offset: 10:00Z is commit 3"
run_cli 0 -C "$R" show host/web01 --at 2026-Q1
assert_contains "$OUT" "version: 3.0.11" "show at baseline"
# the YAML part is canonical: re-parsing it gives the document git holds at commit 1
"$PYTHON" -c 'import sys,yaml; d=yaml.safe_load(sys.stdin); assert d["attributes"]["packages"]["openssl"]["version"]=="3.0.11", d' <<<"$OUT"
ok

# --- a deleted item: absent at HEAD, shown at commit 3
run_cli 1 -C "$R" show host/db01
assert_contains "$ERR" "host/db01 did not exist at HEAD: it was deleted in commit" "deleted item"
run_cli 0 -C "$R" show host/db01 --at "$C3"
assert_contains "$OUT" "name: db01" "deleted item at commit 3"
run_cli 0 -C "$R" show host/db01 --at main~2 --json
assert_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["item"]["name"], d["commit"]["summary"], d["seq"])' <<<"$OUT")" "db01 scan: db01 3" "show --json"
run_cli 1 -C "$R" show host/db01 --at 2026-01-01T12:00:00Z
assert_contains "$ERR" "did not exist yet at 2026-01-01T12:00:00Z: it was created later" "before creation"

# --- history: exactly the upgrade, old -> new, with its change id
run_cli 0 -C "$R" history host/web01
assert_eq "$(grep -c '→' <<<"$OUT")" "2" "two field changes in all (upgrade, owner)"
assert_contains "$OUT" "    attributes.packages.openssl.version: 3.0.11 → 3.0.13" "upgrade line"
assert_contains "$OUT" "    annotations.owner: team-web → team-ops" "owner line"
assert_contains "$OUT" "    Change: CHG-0042" "change trailer"
assert_contains "$OUT" "change record: change/CHG-0042" "change record affects"
assert_eq "$(grep -c '^2026-' <<<"$OUT")" "3" "three versions: created, upgraded, new owner"
run_cli 0 -C "$R" history host/web01 --path attributes.packages.openssl.version --json
assert_eq "$("$PYTHON" -c '
import json,sys
d=json.load(sys.stdin)
for v in d["versions"]:
    print(v["kind"], v["commit"][:7], ",".join("%s:%s>%s" % (c["op"], c["old"], c["new"]) for c in v["changes"]), ",".join(v["change_ids"]))
' <<<"$OUT")" "$(printf 'created %s added:None>3.0.11 \nmodified %s changed:3.0.11>3.0.13 CHG-0042' "${C1:0:7}" "${C3:0:7}")" "history --path --json"
run_cli 0 -C "$R" history host/web01 --path annotations
assert_eq "$(grep -c '^2026-' <<<"$OUT")" "2" "--path annotations: creation and owner change only"
run_cli 0 -C "$R" history host/web01 --path attributes.kernel
assert_eq "$(grep -c '^2026-' <<<"$OUT")" "0" "--path with no changes prints no versions"
assert_contains "$ERR" "no recorded changes at or under 'attributes.kernel'" "--path with no changes"
run_cli 0 -C "$R" history host/db01
assert_contains "$OUT" "retire db01" "deletion listed"
assert_contains "$OUT" "  deleted  " "deletion kind"

# --- automatic refresh, and --no-refresh
web 3.0.15 team-ops; commit 6 "patch again"
run_cli 0 -C "$R" show host/web01 --no-refresh
assert_contains "$OUT" "version: 3.0.13" "--no-refresh shows the indexed state"
run_cli 0 -C "$R" show host/web01
assert_contains "$OUT" "version: 3.0.15" "show catches up"

# --- a bare clone: the index lives in <bare>/gitcmdb/index.db
git clone -q --bare "$R" "$T/bare.git"
run_cli 0 -C "$T/bare.git" show host/web01 --at 2026-Q1
assert_contains "$OUT" "version: 3.0.11" "show in a bare repository"
[ -f "$T/bare.git/gitcmdb/index.db" ] || fail "no index in the bare repository's git dir"
ok

# --- bad input: unknown id, malformed WHEN, before the first commit, usage
SUM=$(repo_state "$R")
run_cli 1 -C "$R" show host/web1
assert_contains "$ERR" "unknown item 'host/web1' (did you mean host/web01" "did you mean"
run_cli 1 -C "$R" history host/web01x
assert_contains "$ERR" "did you mean host/web01" "history did you mean"
run_cli 2 -C "$R" show host/web01 --at 2026-13-01
assert_contains "$ERR" "malformed date '2026-13-01'" "malformed date"
run_cli 2 -C "$R" show host/web01 --at no-such-thing
assert_contains "$ERR" "is not a date" "unknown WHEN"
run_cli 1 -C "$R" show host/web01 --at 2025-12-31
assert_contains "$ERR" "before the first commit (2026-01-01T10:00:00Z)" "before first commit"
run_cli 2 -C "$R" show
run_cli 2 -C "$R" show a b
run_cli 2 -C "$R" history host/web01 --path ""
run_cli 2 -C "$R" history
run_cli 1 -C "$T/nowhere" show host/web01
assert_eq "$(repo_state "$R")" "$SUM" "bad input changed nothing in the repository"
fsck_clean "$R"
done_ok
