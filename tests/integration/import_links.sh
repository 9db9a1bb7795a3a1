#!/usr/bin/env bash
# gitcmdb import incidents: ServiceNow's problem_id (generic: problem) lists the incident
# in that problem's `incidents`, the problem found by its number (external_ref) or our id;
# an unknown problem skips the row (said per row and column). rfc (generic: resolved_by)
# becomes the incident's resolved_by relation to the change with that number or id; an
# unknown change skips the row. Problem and incident files checked field by field; a
# re-import changes nothing; --dry-run and --strict commit nothing.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
run_cli 0 init "$R"
cd "$R"
mkdir -p host
for h in web01 db01; do printf 'type: host\nname: %s\n' "$h" >"host/$h.yaml"; done
run_cli 0 commit -m "estate"
commits() { git rev-list --count main; }

printf 'number,short_description,state,cmdb_ci\r\nPRB0070001,Disk errors on db01,Known Error,db01\r\nPRB0070002,Web timeouts,Open,web01\r\n' >"$T/problems.csv"
run_cli 0 import problems "$T/problems.csv"
assert_contains "$OUT" "2 created, 0 updated, 0 unchanged, 0 skipped: commit "
printf 'number,short_description,state,cmdb_ci\r\nCHG0000001,Grow the data disk,New,db01\r\n' >"$T/changes.csv"
run_cli 0 import changes "$T/changes.csv"
assert_contains "$OUT" "1 created, 0 updated, 0 unchanged, 0 skipped: commit "

cat >"$T/inc.csv" <<'CSV'
number,short_description,state,priority,opened_at,cmdb_ci,caused_by,rfc,problem_id
INC0010001,Disk full,New,2 - High,2026-02-10 09:00:00,db01,,CHG0000001,PRB0070001
INC0010002,Slow pages,New,3 - Moderate,2026-02-10 10:00:00,web01,,,PRB-0002
INC0010003,Disk errors again,New,3 - Moderate,2026-02-11 10:00:00,db01,,,PRB0070001
INC0010004,Unknown problem,New,4 - Low,2026-02-11 11:00:00,db01,,,PRB0079999
INC0010005,No problem yet,New,4 - Low,2026-02-11 12:00:00,web01,,,
CSV

# ---- --dry-run: what would be linked, nothing committed.
n=$(commits)
run_cli 1 import incidents "$T/inc.csv" --dry-run
assert_eq "$OUT" "would create INC-0001 (INC0010001, row 1)
would create INC-0002 (INC0010002, row 2)
would create INC-0003 (INC0010003, row 3)
would create INC-0004 (INC0010005, row 5)
would link INC-0001 to problem PRB-0001 (row 1)
would link INC-0002 to problem PRB-0002 (row 2)
would link INC-0003 to problem PRB-0001 (row 3)
4 created, 0 updated, 0 unchanged, 1 skipped: dry run, nothing committed" "dry run"
assert_eq "$ERR" "gitcmdb: skipped: $T/inc.csv: row 4 (line 5), column problem_id: no problem numbered 'PRB0079999' (nor with that id) on main: import problems first" "unknown problem"
assert_eq "$(commits)" "$n" "dry run commits nothing"

# ---- --strict: a skipped row, nothing committed.
before=$(git for-each-ref; git status --porcelain)
run_cli 1 import incidents "$T/inc.csv" --strict
assert_contains "$OUT" ": --strict, nothing committed"
assert_eq "$(git for-each-ref; git status --porcelain)" "$before" "--strict: nothing committed"

# ---- the import: incidents and the problems they name in one commit.
run_cli 1 import incidents "$T/inc.csv"
assert_eq "$(commits)" "$((n + 1))" "one commit"
assert_contains "$OUT" "4 created, 0 updated, 0 unchanged, 1 skipped: commit "
assert_eq "$(git show --stat --format= main | grep -c '|')" "6" "4 incidents and 2 problems in the commit"
assert_eq "$(git log -1 --format=%B main | grep "^linked:")" "linked: 3 incidents listed in their problems" "message"
assert_eq "$(git show main:problem/PRB-0001.yaml)" 'type: problem
name: PRB-0001
source: import
attributes:
  external_ref: PRB0070001
  status: known_error
  summary: Disk errors on db01
relations:
  affects:
    - host/db01
  incidents:
    - incident/INC-0001
    - incident/INC-0003' "PRB-0001 lists the incidents whose problem_id is its number"
assert_eq "$(git show main:problem/PRB-0002.yaml)" 'type: problem
name: PRB-0002
source: import
attributes:
  external_ref: PRB0070002
  status: open
  summary: Web timeouts
relations:
  affects:
    - host/web01
  incidents:
    - incident/INC-0002' "PRB-0002 found by our id"
# rfc: the change that fixed it, found by its number, as resolved_by.
assert_eq "$(git show main:incident/INC-0001.yaml)" 'type: incident
name: INC-0001
source: import
attributes:
  external_ref: INC0010001
  opened: "2026-02-10T09:00:00Z"
  severity: high
  status: open
  summary: Disk full
relations:
  affects:
    - host/db01
  resolved_by:
    - change/CHG-0001' "INC-0001 field by field"
run_cli 1 show INC-0004 # INC0010004 was skipped: its number has no record
git show main:incident/INC-0004.yaml | grep -q 'external_ref: INC0010005' || fail "INC-0004 is INC0010005"
ok

# ---- a re-import: nothing changes, no commit; the same with the bad row gone: exit 0.
n=$(commits)
run_cli 1 import incidents "$T/inc.csv"
assert_contains "$OUT" "0 created, 0 updated, 4 unchanged, 1 skipped: nothing to commit"
grep -v PRB0079999 "$T/inc.csv" >"$T/inc-ok.csv"
run_cli 0 import incidents "$T/inc-ok.csv"
assert_eq "$OUT" "0 created, 0 updated, 4 unchanged, 0 skipped: nothing to commit" "re-import"
assert_eq "$(commits)" "$n" "re-import commits nothing"

# ---- a new problem_id for a known incident: listed there too (the old problem keeps it:
# the import adds links, docs/import.md); the generic column is `problem`, --json lists links.
printf 'external_ref,summary,status,severity,opened,problem\nINC0010005,No problem yet,open,low,2026-02-11T12:00:00Z,PRB-0001\n' >"$T/gen.csv"
run_cli 0 import incidents "$T/gen.csv" --from generic --json
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json, sys
r = json.load(sys.stdin)
print(json.dumps([r["linked"], [u["id"] for u in r["unchanged"]]], sort_keys=True))')" \
	'[[{"incident": "INC-0004", "problem": "PRB-0001", "row": 1}], ["INC-0004"]]' "--json linked"
assert_contains "$(git show main:problem/PRB-0001.yaml)" '  incidents:
    - incident/INC-0001
    - incident/INC-0003
    - incident/INC-0004'
printf 'external_ref,summary,status,severity,opened,problem\nINC0010005,x,open,low,2026-02-11T12:00:00Z,INC-0001\n' >"$T/gen2.csv"
run_cli 1 import incidents "$T/gen2.csv" --from generic
assert_contains "$ERR" "column problem: no problem numbered 'INC-0001' (nor with that id) on main"

# ---- an rfc naming no change: the row is skipped, said per row and column; by our id it
# links (generic column resolved_by); a CI name is not a change.
n=$(commits)
printf 'number,short_description,state,priority,opened_at,cmdb_ci,rfc\nINC0010009,Fixed by nobody,New,4 - Low,2026-02-12 09:00:00,web01,CHG0099999\n' >"$T/rfc.csv"
run_cli 1 import incidents "$T/rfc.csv"
assert_eq "$ERR" "gitcmdb: skipped: $T/rfc.csv: row 1 (line 2), column rfc: no change numbered 'CHG0099999' (nor with that id) on main: import changes first" "unknown rfc"
assert_eq "$(commits)" "$n" "nothing committed for the skipped row"
printf 'external_ref,summary,status,severity,opened,resolved_by\nINC0010009,Fixed by us,open,low,2026-02-12T09:00:00Z,web01\n' >"$T/rfc2.csv"
run_cli 1 import incidents "$T/rfc2.csv" --from generic
assert_contains "$ERR" "column resolved_by: no change numbered 'web01' (nor with that id) on main"
printf 'external_ref,summary,status,severity,opened,resolved_by\nINC0010009,Fixed by us,open,low,2026-02-12T09:00:00Z,CHG-0001\n' >"$T/rfc3.csv"
run_cli 0 import incidents "$T/rfc3.csv" --from generic
assert_contains "$(git show main:incident/INC-0005.yaml)" '  resolved_by:
    - change/CHG-0001'

run_cli 0 validate
assert_eq "$(git status --porcelain)" "" "work tree clean"
fsck_clean "$R"
done_ok
