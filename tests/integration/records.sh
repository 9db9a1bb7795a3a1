#!/usr/bin/env bash
# Change, incident and problem records: each action one validated commit whose message
# says what happened; every bad input a clear error naming record and field, exit 1
# (2 for usage), and the history exactly as it was.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
run_cli 0 init "$R"
cd "$R"
mkdir -p host group
printf 'type: host\nname: web01\n' >host/web01.yaml
printf 'type: host\nname: db01\n' >host/db01.yaml
printf 'type: group\nname: web\nsource: manual\n' >group/web.yaml
run_cli 0 commit -m "estate"
log1() { git log -1 --format=%s main; }
commits() { git rev-list --count main; }
# refused ARGS...: exit 1, the message in $ERR, history and work tree untouched
refused() {
	local before
	before=$(repo_state "$R")
	run_cli 1 "$@"
	assert_eq "$(repo_state "$R")" "$before" "refused ($*): nothing changed"
	assert_contains "$ERR" "gitcmdb: "
}

# ---- change new: the id on stdout's first line, one commit, the file as documented.
n=$(commits)
run_cli 0 change new --summary "patch openssl" --affects host/web01,host/db01 \
	--window 2026-11-28T22:00Z/2026-11-28T23:30+01:00 --risk high
assert_eq "$(echo "$OUT" | head -1)" "CHG-0001" "first id"
assert_eq "$(commits)" "$((n + 1))" "one commit"
assert_eq "$(log1)" "change CHG-0001: new, requested: patch openssl" "message"
assert_eq "$(git log -1 --format=%an main)" "tester" "author is the person"
assert_eq "$(git show main:change/CHG-0001.yaml)" 'type: change
name: CHG-0001
source: manual
attributes:
  requested_by: tester
  risk: high
  status: requested
  summary: patch openssl
  type: normal
  window:
    end: "2026-11-28T22:30:00Z"
    start: "2026-11-28T22:00:00Z"
relations:
  affects:
    - host/db01
    - host/web01' "record file (times in UTC, affects sorted)"
assert_eq "$(git status --porcelain)" "" "work tree follows main"
run_cli 0 validate
run_cli 0 change new --summary "web tuning" --affects group/web --window 2026-11-29/2026-11-30 \
	--type standard --status approved --approved-by bob --json
"$PYTHON" - "$OUT" <<'PY' || fail "change new --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["id"] == "CHG-0002" and len(r["commit"]) == 40, r
PY
ok
assert_eq "$(log1)" "change CHG-0002: new, approved: web tuning" "approved at once"
assert_contains "$(git show main:change/CHG-0002.yaml)" "approved_by: bob"
assert_contains "$(git show main:change/CHG-0002.yaml)" "approved_at: "

# ---- bad input: named record and field, exit 1, nothing committed.
refused change new --summary x --affects host/web01,host/nope --window 2026-11-28T22:00Z/2026-11-28T23:00Z
assert_eq "$ERR" "gitcmdb: new change: relations.affects: no item 'host/nope' on main: check the id (gitcmdb find): nothing was committed"
refused change new --summary x --affects host/web01 --window 2026-11-28T22:00Z/2026-11-28T23:00+01:00
assert_contains "$ERR" "new change: attributes.window.end: '2026-11-28T22:00:00Z' is not after start '2026-11-28T22:00:00Z'"
refused change new --summary x --affects host/web01 --window 2026-11-28T22:00Z/2026-11-28T21:00Z
assert_contains "$ERR" "is not after start"
refused change new --summary x --affects host/web01 --window 2026-11-28T22:00Z/tomorrow
assert_contains "$ERR" "new change: window.end: 'tomorrow' is not a time"
refused change new --summary x --affects host/web01 --window 2026-13-01/2026-11-30
assert_contains "$ERR" "new change: window.start: '2026-13-01' is not a time"
refused change new --summary x --affects 'host/../x' --window 2026-11-28/2026-11-29
assert_contains "$ERR" "new change: relations.affects: 'host/../x'"
refused change new --summary x --affects CHG-0001 --window 2026-11-28/2026-11-29
assert_contains "$ERR" "'affects' cannot point at a change"
# usage: exit 2, nothing committed
before=$(repo_state "$R")
run_cli 2 change new --affects host/web01 --window 2026-11-28/2026-11-29
assert_contains "$ERR" "needs a summary"
run_cli 2 change new --summary x --window 2026-11-28/2026-11-29
assert_contains "$ERR" "--affects"
run_cli 2 change new --summary x --affects host/web01
assert_contains "$ERR" "needs a window"
run_cli 2 change new --summary x --affects host/web01 --window 2026-11-28
assert_contains "$ERR" "give START/END"
run_cli 2 change new --summary x --affects host/web01 --window 2026-11-28/2026-11-29 --type big
run_cli 2 change new --summary x --affects host/web01 --window 2026-11-28/2026-11-29 --status approved
assert_contains "$ERR" "--approved-by"
run_cli 2 change approve CHG-0001
assert_contains "$ERR" "--by NAME"
run_cli 2 change show
assert_eq "$(repo_state "$R")" "$before" "usage errors: nothing changed"

# ---- transitions: allowed ones commit with a message saying what happened, the others
# are refused naming the allowed ones.
refused change close CHG-0001
assert_eq "$ERR" "gitcmdb: change CHG-0001 is requested: it can become approved, rejected or cancelled, not closed: nothing was committed"
refused change implement CHG-0001
assert_contains "$ERR" "only an emergency change may be implemented before approval"
run_cli 0 change approve CHG-0001 --by alice
assert_eq "$(log1)" "change CHG-0001: approved by alice"
assert_contains "$(git show main:change/CHG-0001.yaml)" "approved_by: alice"
refused change approve CHG-0001 --by carol
assert_contains "$ERR" "change CHG-0001 is approved: it can become implemented or cancelled, not approved"
run_cli 0 change implement CHG-0001
assert_eq "$(log1)" "change CHG-0001: implemented"
run_cli 0 change close CHG-0001
assert_eq "$(log1)" "change CHG-0001: closed"
refused change cancel CHG-0001
assert_contains "$ERR" "change CHG-0001 is closed, a final status: it cannot become cancelled"
refused change approve CHG-0099 --by alice
assert_contains "$ERR" "no change CHG-0099 on main"
refused change approve CHG-1 --by alice
assert_contains "$ERR" "'CHG-1' is not a record id"
refused change approve INC-0001 --by alice
assert_contains "$ERR" "is not a change id"
run_cli 0 change new --summary "hotfix" --affects host/db01 --window 1.hour.ago/now --type emergency
assert_eq "$(echo "$OUT" | head -1)" "CHG-0003"
run_cli 0 change implement CHG-0003
assert_eq "$(log1)" "change CHG-0003: implemented" "an emergency change skips approval"
run_cli 0 change new --summary "never" --affects host/db01 --window 2026-12-01/2026-12-02
run_cli 0 change reject CHG-0004
assert_eq "$(log1)" "change CHG-0004: rejected"

# ---- list and show
run_cli 0 change list
assert_eq "$(echo "$OUT" | wc -l)" 4 "four changes"
assert_contains "$(echo "$OUT" | head -1)" "CHG-0001   closed"
run_cli 0 change list --status approved --json
"$PYTHON" - "$OUT" <<'PY' || fail "change list --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert [c["id"] for c in r] == ["CHG-0002"], r
assert r[0]["status"] == "approved" and r[0]["approved_by"] == "bob"
assert r[0]["window"] == {"start": "2026-11-29T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
assert r[0]["relations"] == {"affects": ["group/web"]}
PY
ok
run_cli 0 change show CHG-0001
assert_contains "$OUT" "change CHG-0001 (change/CHG-0001.yaml at "
assert_contains "$OUT" "  status        closed"
assert_contains "$OUT" "affects:
  host/db01"
run_cli 0 change show change/CHG-0002 --json
"$PYTHON" - "$OUT" <<'PY' || fail "change show --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["id"] == "CHG-0002" and r["kind"] == "change" and r["path"] == "change/CHG-0002.yaml"
assert r["record"]["attributes"]["status"] == "approved"
assert r["related"]["affects"] == [{"id": "group/web", "type": "group", "exists": True}], r
assert len(r["commit"]) == 40
PY
ok
run_cli 1 change show CHG-0042
assert_contains "$ERR" "no change CHG-0042 on main"

# ---- commit --change: only an approved (or implemented) change on main.
printf 'type: host\nname: web01\nannotations: {owner: web}\n' >host/web01.yaml
before=$(repo_state "$R")
run_cli 1 commit -m "owner" --change CHG-0099
assert_contains "$ERR" "no change CHG-0099 on main"
run_cli 1 commit -m "owner" --change CHG-0004
assert_contains "$ERR" "change CHG-0004 is rejected, not approved"
assert_eq "$(repo_state "$R")" "$before" "refused trailers: nothing committed"
run_cli 0 commit -m "owner" --change CHG-0002
assert_eq "$(git log -1 --format='%(trailers:key=Change,valueonly)' main | head -1)" "CHG-0002"

# ---- incidents
run_cli 0 incident new --summary "checkout down" --affects host/web01 --opened 2026-11-28T22:40Z --severity critical
assert_eq "$(echo "$OUT" | head -1)" "INC-0001"
assert_eq "$(log1)" "incident INC-0001: opened, critical: checkout down"
refused incident close INC-0001
assert_contains "$ERR" "incident INC-0001 is open: it can become investigating or resolved, not closed"
refused incident resolve INC-0001 --at 2026-11-28T22:00Z
assert_contains "$ERR" "incident INC-0001: attributes.resolved: '2026-11-28T22:00:00Z' is before opened '2026-11-28T22:40:00Z'"
refused incident resolve INC-0001 --caused-by CHG-0077
assert_contains "$ERR" "incident INC-0001: relations.caused_by: no item 'change/CHG-0077' on main"
refused incident new --summary x --affects host/web01 --opened yesterday-ish
assert_contains "$ERR" "new incident: opened: 'yesterday-ish' is not a time"
run_cli 0 incident resolve INC-0001 --at 2026-11-28T23:10Z --caused-by CHG-0001
assert_eq "$(log1)" "incident INC-0001: resolved at 2026-11-28T23:10:00Z, caused by CHG-0001"
assert_contains "$(git show main:incident/INC-0001.yaml)" "caused_by:
    - change/CHG-0001"
run_cli 0 incident close INC-0001 --at 2026-11-29T09:00Z
assert_eq "$(log1)" "incident INC-0001: closed at 2026-11-29T09:00:00Z"
run_cli 0 incident new --summary "slow db" --affects host/db01
assert_eq "$(echo "$OUT" | head -1)" "INC-0002"
run_cli 0 incident list
assert_contains "$OUT" "INC-0001   closed        critical  2026-11-28T22:40:00Z checkout down"
run_cli 0 incident show INC-0001 --json
"$PYTHON" - "$OUT" <<'PY' || fail "incident show --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
a = r["record"]["attributes"]
assert a["status"] == "closed" and a["resolved"] == "2026-11-28T23:10:00Z", a
assert r["related"]["caused_by"][0]["id"] == "change/CHG-0001"
assert r["related"]["caused_by"][0]["summary"] == "patch openssl"
PY
ok

# ---- problems
run_cli 0 problem new --summary "openssl regressions" --incidents INC-0001,INC-0002 --affects host/web01
assert_eq "$(echo "$OUT" | head -1)" "PRB-0001"
assert_eq "$(log1)" "problem PRB-0001: opened: openssl regressions"
assert_contains "$(git show main:problem/PRB-0001.yaml)" "incidents:
    - incident/INC-0001
    - incident/INC-0002"
refused problem new --summary x --incidents INC-0009
assert_contains "$ERR" "new problem: relations.incidents: no item 'incident/INC-0009' on main"
run_cli 0 problem update PRB-0001 --status known_error --root-cause "ABI change" --workaround "pin 3.0.11"
assert_eq "$(log1)" "problem PRB-0001: known_error, root cause and workaround recorded"
refused problem update PRB-0001 --status open
assert_contains "$ERR" "problem PRB-0001 is known_error: it can become resolved or closed, not open"
run_cli 2 problem update PRB-0001
run_cli 0 problem list
assert_contains "$OUT" "PRB-0001   known_error   openssl regressions"
run_cli 0 problem show PRB-0001
assert_contains "$OUT" "root_cause    ABI change"

# ---- a record edited by hand into an invalid state: validate names it; writes refuse.
git show main:change/CHG-0002.yaml | sed 's/start: "2026-11-29T00:00:00Z"/start: "2026-12-29T00:00:00Z"/' >change/CHG-0002.yaml
run_cli 1 validate
assert_contains "$OUT" "change/CHG-0002.yaml:"
assert_contains "$OUT" "attributes.window.end: '2026-11-30T00:00:00Z' is not after start '2026-12-29T00:00:00Z'"
run_cli 1 commit -m "bad window"
git checkout -q -- change/CHG-0002.yaml
# committed behind gitcmdb's back (plain git), the record is refused at its next write
git show main:change/CHG-0002.yaml | sed 's/status: approved/status: aproved/' >change/CHG-0002.yaml
git add change/CHG-0002.yaml && git commit -qm "hand edit"
refused change implement CHG-0002
assert_contains "$ERR" "change CHG-0002: status 'aproved' is not a change status"
git show main:change/CHG-0002.yaml | sed 's/status: aproved/status: approved/; s/summary: web tuning/summary: ""/' >change/CHG-0002.yaml
git add change/CHG-0002.yaml && git commit -qm "hand edit 2"
refused change implement CHG-0002
assert_contains "$ERR" "change CHG-0002: attributes.summary: must be at least 1 bytes long"

assert_eq "$(git rev-list --merges main)" "" "linear history"
fsck_clean "$R"
done_ok
