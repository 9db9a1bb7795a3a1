#!/usr/bin/env bash
# gitcmdb audit on a hand-built history at fixed dates, with the findings stated: exit 0 and
# "no findings" on a clean range, exit 1 with the explained finding, the JSON contract,
# usage errors, incident show's ranked drifts (--lookback) and change show's authorised
# drifts, and a commit made with `gitcmdb commit --change` authorised by its trailer.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"

host() { # host NAME KERNEL
	put "host/$1.yaml" <<EOF
type: host
name: $1
source: manual
attributes:
  os: {id: debian, kernel: $2}
EOF
}
change() { # change ID STATUS START END AFFECTS
	put "change/$1.yaml" <<EOF
type: change
name: $1
attributes:
  summary: kernel update
  type: normal
  status: $2
  approved_by: alice
  window: {start: "$3", end: "$4"}
relations:
  affects: [$5]
EOF
}

put gitcmdb.yaml <<'EOF'
changes:
  grace_minutes: 30
EOF
host web01 6.1.0-1
change CHG-0001 approved 2026-03-02T10:00:00Z 2026-03-02T12:00:00Z host/web01
commit_at 2026-03-01T09:00:00Z "estate"
host web01 6.1.0-2
commit_at 2026-03-02T11:00:00Z "kernel in CHG-0001's window"

# the drift at 11:00 is authorised by CHG-0001: nothing to report
run_cli 0 audit --since 2026-03-01T12:00:00Z --until 2026-03-02T11:30:00Z
assert_eq "$OUT" "no findings" "clean range"

host web01 6.1.0-3
commit_at 2026-03-02T13:00:00Z "kernel again, after the window"
sha=$(git rev-parse HEAD)

# 13:00 is 30 min past window + grace: exit 1, the finding explained
run_cli 1 audit --since 2026-03-01T12:00:00Z --until 2026-03-02T13:30:00Z
assert_eq "$OUT" "2026-03-02T13:00:00Z  unauthorised_drift  host/web01  ${sha:0:12}  host/web01 modified (attributes.os.kernel) with no change authorising it; nearest: CHG-0001 outside its window 2026-03-02T10:00:00Z..2026-03-02T12:00:00Z (grace 30 min) by 30 min (after it closed)
1 finding" "unauthorised drift"

# the JSON contract
run_cli 1 audit --since 2026-03-01T12:00:00Z --until 2026-03-02T13:30:00Z --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin); f=r["findings"][0]
print(sorted(f), f["kind"], f["item"], f["commit"], f["time"], f["paths"],
      f["candidates"][0]["change"], r["counts"]["unauthorised_drift"], r["counts"]["total"],
      sorted(r["counts"]))')" \
	"['candidates', 'commit', 'drift', 'explanation', 'item', 'kind', 'paths', 'time'] unauthorised_drift host/web01 $sha 2026-03-02T13:00:00Z ['attributes.os.kernel'] CHG-0001 1 1 ['change_without_drift', 'dangling_relation', 'duplicate_identity', 'emergency_change', 'schema_violation', 'stale_scan', 'total', 'unauthorised_drift']" \
	"json contract"

# what changed before an incident broke: the unauthorised drift an hour before first,
# then the authorised one; --lookback narrows it
run_cli 0 incident new --summary "web01 down" --affects host/web01 \
	--opened 2026-03-02T14:00:00Z --severity high
inc=${OUT%%$'\n'*}
s11=$(git rev-parse "$sha~1") s09=$(git rev-parse "$sha~2")
run_cli 0 incident show "$inc"
assert_contains "$OUT" "drifts in the 3d before it opened (most likely cause first):
  2026-03-02T13:00:00Z host/web01                     ${sha:0:12} modified unauthorised: attributes.os.kernel
  2026-03-02T11:00:00Z host/web01                     ${s11:0:12} modified authorised by CHG-0001 (window): attributes.os.kernel
  2026-03-01T09:00:00Z host/web01                     ${s09:0:12} created  unauthorised: attributes.os" "incident show"
run_cli 0 incident show "$inc" --lookback 2h
assert_contains "$OUT" "drifts in the 2h before it opened (most likely cause first):
  2026-03-02T13:00:00Z host/web01                     ${sha:0:12} modified unauthorised: attributes.os.kernel" "lookback"
case "$OUT" in *CHG-0001*) fail "lookback 2h leaves 11:00 out: $OUT" ;; *) ok ;; esac
run_cli 0 incident show "$inc" --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin)
print(r["id"], r["lookback"], [(d["rank"], d["commit"][:7], d["status"], d["change"]) for d in r["drifts"]],
      [i["id"] for i in r["impact"]["items"]])')" \
	"$inc 259200 [(1, '${sha:0:7}', 'unauthorised', None), (2, '${s11:0:7}', 'authorised', 'CHG-0001'), (3, '${s09:0:7}', 'unauthorised', None)] ['host/web01']" \
	"incident show --json"
run_cli 2 incident show "$inc" --lookback 2x
assert_contains "$ERR" "bad value '2x' for --lookback" "bad lookback"
# and what a change authorised
run_cli 0 change show CHG-0001
assert_contains "$OUT" "drifts:
  2026-03-02T11:00:00Z host/web01                     ${s11:0:12} modified authorised by CHG-0001 (window): attributes.os.kernel" "change show"
run_cli 0 change show CHG-0001 --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin)
print([(d["commit"][:7], d["authorised_by"], d["how"]) for d in r["drifts"]], [i["id"] for i in r["impact"]["items"]])')" \
	"[('${s11:0:7}', 'CHG-0001', 'window')] ['host/web01']" "change show --json"

# usage: a malformed WHEN, a range that ends before it starts, an operand
run_cli 2 audit --since 2026-13-45
run_cli 2 audit --since 2026-03-03 --until 2026-03-02
assert_contains "$ERR" "is not before"
run_cli 2 audit host/web01

# a hand commit naming an approved change in its trailer is authorised, whatever the time
change CHG-0002 approved 2026-03-10T10:00:00Z 2026-03-10T11:00:00Z host/web01
run_cli 0 commit -m "CHG-0002 recorded"
base=$(git rev-parse HEAD)
host web01 6.1.0-4
run_cli 0 commit -m "kernel by hand" --change CHG-0002
assert_contains "$(git log -1 --format=%B)" "Change: CHG-0002" "trailer"
run_cli 0 audit --since "$base"
assert_eq "$OUT" "no findings" "trailer authorises"
# ... and one naming a change that is not there is a finding saying so
host web01 6.1.0-5
commit_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "kernel by hand

Change: CHG-0099"
run_cli 1 audit --since "$base"
assert_contains "$OUT" "CHG-0099 named by the commit's Change: trailer, but there is no change record change/CHG-0099"
fsck_clean "$R"
done_ok
