#!/usr/bin/env bash
# gitcmdb import: the ServiceNow-style fixture of tests/fixtures/itsm/ imported field by
# field, one commit a run, a re-import commits nothing, a changed row updates the same
# record, unknown and ambiguous CIs skip their record (said per row and column),
# --dry-run and --strict commit nothing, broken files are refused naming file, row and
# column.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
FX="$CMDB_SOURCE_DIR/tests/fixtures/itsm"
R="$T/r"
run_cli 0 init "$R"
cd "$R"
mkdir -p host service/web01 service/db01 service/app01 business_service
for h in web01 db01 app01; do printf 'type: host\nname: %s\n' "$h" >"host/$h.yaml"; done
printf 'type: service\nname: nginx\n' >service/web01/nginx.yaml
printf 'type: service\nname: postgresql\n' >service/db01/postgresql.yaml
printf 'type: service\nname: shop-app\n' >service/app01/shop-app.yaml
printf 'type: business_service\nname: shop\n' >business_service/shop.yaml
run_cli 0 commit -m "estate"
commits() { git rev-list --count main; }
# unchanged ARGS...: exit 1, main, the work tree and every ref exactly as before
unchanged() {
	local before
	before=$(git for-each-ref; git status --porcelain)
	run_cli 1 "$@"
	assert_eq "$(git for-each-ref; git status --porcelain)" "$before" "refused ($*): nothing committed"
}

# ---- --dry-run: the plan, no commit.
n=$(commits)
run_cli 0 import changes "$FX/servicenow-changes.csv" --dry-run
assert_eq "$OUT" "would create CHG-0001 (CHG0030001, row 1)
would create CHG-0002 (CHG0030002, row 2)
would create CHG-0003 (CHG0030003, row 3)
would create CHG-0004 (CHG0030004, row 4)
4 created, 0 updated, 0 unchanged, 0 skipped: dry run, nothing committed" "dry run output"
assert_eq "$(commits)" "$n" "dry run commits nothing"

# ---- the import: one commit, the records field by field (times in UTC, CIs resolved by
# host name, 'NAME on HOST', 'HOST:NAME' and a unique item name).
run_cli 0 import changes "$FX/servicenow-changes.csv"
assert_eq "$(commits)" "$((n + 1))" "one commit for the run"
assert_eq "$(git log -1 --format=%s main)" \
	"import: changes from servicenow-changes.csv (servicenow): 4 created, 0 updated, 0 skipped" "message"
assert_eq "$(git show main:change/CHG-0001.yaml)" 'type: change
name: CHG-0001
source: import
attributes:
  approved_by: servicenow
  description: Patch "openssl" to 3.0.13, then restart nginx
  external_ref: CHG0030001
  requested_by: Alice Admin
  risk: medium
  status: approved
  summary: Upgrade openssl on web01
  type: normal
  window:
    end: "2026-02-10T10:00:00Z"
    start: "2026-02-10T08:00:00Z"
relations:
  affects:
    - host/web01
    - service/app01/shop-app
    - service/web01/nginx' "CHG-0001 (Scheduled, Approved, Moderate)"
assert_eq "$(git show main:change/CHG-0002.yaml)" 'type: change
name: CHG-0002
source: import
attributes:
  approved_by: servicenow
  description: |-
    Raise shared_buffers.
    Restart in the window.
  external_ref: CHG0030002
  requested_by: Bob Builder
  risk: low
  status: closed
  summary: Tune postgresql
  type: standard
  window:
    end: "2026-02-01T23:00:00Z"
    start: "2026-02-01T22:00:00Z"
relations:
  affects:
    - service/db01/postgresql' "CHG-0002 (Closed, an embedded CRLF stored as LF)"
assert_eq "$(git show main:change/CHG-0003.yaml)" 'type: change
name: CHG-0003
source: import
attributes:
  external_ref: CHG0030003
  requested_by: Carol Chen
  risk: high
  status: requested
  summary: Replace a disk of db01
  type: emergency
relations:
  affects:
    - host/db01' "CHG-0003 (New, Very High, no window)"
assert_contains "$(git show main:change/CHG-0004.yaml)" "  status: cancelled" "CHG-0004 Canceled"
assert_contains "$(git show main:change/CHG-0004.yaml)" "    - business_service/shop" "unique name shop"
assert_eq "$(git status --porcelain)" "" "work tree follows main"
run_cli 0 validate

# ---- re-import: nothing changes, no commit.
head=$(git rev-parse main)
run_cli 0 import changes "$FX/servicenow-changes.csv"
assert_eq "$(git rev-parse main)" "$head" "re-import: no commit"
assert_contains "$OUT" "0 created, 0 updated, 4 unchanged, 0 skipped: nothing to commit"

# ---- incidents: priority, times, caused_by through the change's external_ref.
run_cli 0 import incidents "$FX/servicenow-incidents.csv"
assert_eq "$(git show main:incident/INC-0001.yaml)" 'type: incident
name: INC-0001
source: import
attributes:
  description: Users see "500" at checkout, since 09:10
  external_ref: INC0010001
  opened: "2026-02-10T09:15:00Z"
  resolved: "2026-02-10T10:05:00Z"
  severity: critical
  status: resolved
  summary: Checkout errors on the shop
relations:
  affects:
    - business_service/shop
    - host/web01
  caused_by:
    - change/CHG-0001' "INC-0001"
assert_eq "$(git show main:incident/INC-0002.yaml)" 'type: incident
name: INC-0002
source: import
attributes:
  external_ref: INC0010002
  opened: "2026-02-11T14:00:00Z"
  severity: medium
  status: investigating
  summary: Slow queries
relations:
  affects:
    - service/db01/postgresql' "INC-0002 (In Progress, 3 - Moderate)"
assert_contains "$(git show main:incident/INC-0003.yaml)" '  closed: "2026-02-03T09:00:00Z"'
# --timezone: the same rows read in Berlin (UTC+1 in February) would move every time
run_cli 0 import incidents "$FX/servicenow-incidents.csv" --timezone Europe/Berlin --dry-run --json
"$PYTHON" - "$OUT" <<'PY' || fail "timezone dry run: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert [u["id"] for u in r["updated"]] == ["INC-0001", "INC-0002", "INC-0003"], r
assert r["commit"] is None and r["dry_run"] is True, r
PY
ok

# ---- a changed row updates the record with the same external_ref, in one commit.
sed 's/Tune postgresql,/Tune postgresql and vacuum,/' "$FX/servicenow-changes.csv" >"$T/changed.csv"
n=$(commits)
run_cli 0 import changes "$T/changed.csv"
assert_contains "$OUT" "updated CHG-0002 (CHG0030002, row 2)"
assert_contains "$OUT" "0 created, 1 updated, 3 unchanged, 0 skipped"
assert_eq "$(commits)" "$((n + 1))" "one commit for the update"
assert_contains "$(git show main:change/CHG-0002.yaml)" "  summary: Tune postgresql and vacuum"
assert_eq "$(git ls-tree --name-only main change/ | wc -l)" "4" "no new record"

# ---- unknown and ambiguous CIs: the record is skipped, said per row and column; the
# good row is still imported (exit 1).
printf 'type: service\nname: nginx\n' >service/app01/nginx.yaml
run_cli 0 commit -m "a second nginx"
cat >"$T/cis.csv" <<'CSV'
number,short_description,state,cmdb_ci
CHG0040001,Unknown CI,New,nosuch01
CHG0040002,Ambiguous CI,New,nginx
CHG0040003,Good row,New,db01
CSV
n=$(commits)
run_cli 1 import changes "$T/cis.csv"
assert_contains "$ERR" "gitcmdb: skipped: $T/cis.csv: row 1 (line 2), column cmdb_ci: CI 'nosuch01' is unknown"
assert_contains "$ERR" "gitcmdb: skipped: $T/cis.csv: row 2 (line 3), column cmdb_ci: CI 'nginx' is ambiguous: items service/app01/nginx, service/web01/nginx"
assert_eq "$OUT" "created CHG-0005 (CHG0040003, row 3)
1 created, 0 updated, 0 unchanged, 2 skipped: commit $(git rev-parse --short=12 main)" "good row imported"
assert_eq "$(commits)" "$((n + 1))" "one commit"
assert_eq "$(git ls-tree --name-only main change/ | wc -l)" "5" "skipped rows wrote nothing"

# ---- --strict: one bad row and nothing is committed.
cat >"$T/strict.csv" <<'CSV'
number,short_description,state,cmdb_ci
CHG0050001,Fine,New,db01
CHG0050002,Bad state,Pending,db01
CSV
unchanged import changes "$T/strict.csv" --strict
assert_contains "$ERR" "row 2 (line 3), column state: 'Pending' is not in the mapping table"
assert_contains "$OUT" "1 created, 0 updated, 0 unchanged, 1 skipped: --strict, nothing committed"

# ---- broken files: refused as a whole, naming file and column; nothing committed.
printf 'number,short_description\nCHG1,x\n' >"$T/nostate.csv"
unchanged import changes "$T/nostate.csv"
assert_contains "$ERR" "gitcmdb: $T/nostate.csv: column state: missing"
printf 'number,short_description,state,cmdb_ci\r\nCHG0060001,caf\xe9,New,db01\r\nCHG0060002,"ok, fine",New\r\nCHG0060003,"unterminated,New,db01\r\n' >"$T/broken.csv"
unchanged import changes "$T/broken.csv" --strict
assert_contains "$ERR" "row 1 (line 2): column short_description: not valid UTF-8"
assert_contains "$ERR" "row 2 (line 3): has 3 fields, the header has 4"
assert_contains "$ERR" "row 3 (line 4): column short_description: a quoted field is never closed"
unchanged import changes "$T/broken.csv"
assert_contains "$OUT" "0 created, 0 updated, 0 unchanged, 3 skipped: nothing to commit"
printf '{"result": [' >"$T/bad.json"
unchanged import incidents "$T/bad.json"
assert_contains "$ERR" "$T/bad.json:1:"
run_cli 2 import widgets "$T/bad.json"
assert_contains "$ERR" "import changes, incidents or problems"
run_cli 1 import changes "$FX/servicenow-changes.csv" --timezone Mars/Olympus
assert_contains "$ERR" "time zone 'Mars/Olympus': unknown"

# ---- JSON (ServiceNow's {"result": [...]}, display values) and the generic columns.
cat >"$T/problems.json" <<'JSON'
{"result": [{"number": "PRB0070001", "short_description": "Disk errors on db01",
  "state": {"display_value": "Known Error", "value": "104"}, "cmdb_ci": "db01",
  "cause_notes": "a failing controller", "workaround": "fail over to the replica"}]}
JSON
run_cli 0 import problems "$T/problems.json"
assert_eq "$(git show main:problem/PRB-0001.yaml)" 'type: problem
name: PRB-0001
source: import
attributes:
  external_ref: PRB0070001
  root_cause: a failing controller
  status: known_error
  summary: Disk errors on db01
  workaround: fail over to the replica
relations:
  affects:
    - host/db01' "problem from JSON"
printf 'external_ref,summary,status,incidents,affects\nP-2,Checkout 500s,open,"INC0010001, INC-0002",shop\n' >"$T/gen.csv"
run_cli 0 import problems "$T/gen.csv" --from generic
assert_contains "$(git show main:problem/PRB-0002.yaml)" '  incidents:
    - incident/INC-0001
    - incident/INC-0002'
printf 'external_ref,summary,status,sumary\nP-3,x,open,y\n' >"$T/typo.csv"
unchanged import problems "$T/typo.csv" --from generic
assert_contains "$ERR" "column sumary: not a field of problems"

run_cli 0 validate
assert_eq "$(git status --porcelain)" "" "work tree clean"
fsck_clean "$R"
done_ok
