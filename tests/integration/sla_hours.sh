#!/usr/bin/env bash
# SLA service hours (docs/report.md): outage and the period counted only inside
# attributes.sla.hours, in attributes.sla.timezone. Figures computed by hand, period
# 2026-03-01T00:00Z (a Sunday) .. 2026-03-11T00:00Z (a Wednesday) = 14400 min, three
# incidents on host/db01:
#   INC-0004 02-28 23:00 .. 03-01 01:00 (Sunday, 60 min inside the period)
#   INC-0001 03-02 10:00 .. 12:00 (Monday, 120 min)
#   INC-0006 03-07 10:00 .. 14:00 (Saturday, 240 min)
# office "Mon-Fri 08:00-18:00" (UTC): service time 7 weekdays x 600 = 4200 min; outage
#   only INC-0001's 120 min: 100 * (1 - 120/4200) = 97.1429 %, target 99 missed
# evening "Mon 11:00-12:30", timezone +01:00: Mondays 03-02 and 03-09 = 180 min; INC-0001
#   is 11:00-13:00 local: 90 min: 50 %, target 40 met
# always (no hours: 24x7): 60 + 120 + 240 = 420 min: 100 * (1 - 420/14400) = 97.0833 %
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"
incident() { # ID OPENED RESOLVED
	printf 'type: incident\nname: %s\nattributes:\n  summary: outage\n  severity: high
  status: resolved\n  opened: "%s"\n  resolved: "%s"\nrelations:\n  affects: [host/db01]\n' \
		"$1" "$2" "$3" | put "incident/$1.yaml"
}
bs() { # NAME SLA-MAP
	printf 'type: business_service\nname: %s\nattributes:\n  sla: %s\nrelations:
  depends_on: [host/db01]\n' "$1" "$2" | put "business_service/$1.yaml"
}

put host/db01.yaml <<'EOF2'
type: host
name: db01
source: manual
attributes:
  os: {id: debian, kernel: 6.1.0-1}
EOF2
bs office '{availability: 99, hours: "Mon-Fri 08:00-18:00"}'
bs evening '{availability: 40, hours: "Mon 11:00-12:30", timezone: "+01:00"}'
bs always '{availability: 99.9}'
commit_at 2026-02-27T09:00:00Z "estate"
incident INC-0004 2026-02-28T23:00:00Z 2026-03-01T01:00:00Z
incident INC-0001 2026-03-02T10:00:00Z 2026-03-02T12:00:00Z
incident INC-0006 2026-03-07T10:00:00Z 2026-03-07T14:00:00Z
commit_at 2026-03-08T00:00:00Z "incidents"
commit_at 2026-03-11T00:00:00Z "end"

P="--since 2026-03-01T00:00:00Z --until 2026-03-11T00:00:00Z"
# shellcheck disable=SC2086
run_cli 0 sla $P --json
j() { printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); s={x['name']: x for x in d['services']}; print($1)"; }
assert_eq "$(j 'd["period_minutes"]')" "14400.0" "period"
assert_eq "$(j 's["office"]["hours"], s["office"]["service_minutes"], s["office"]["outage_minutes"]')" \
	"Mon-Fri 08:00-18:00 4200.0 120.0" "office minutes"
assert_eq "$(j 's["office"]["availability"], s["office"]["met"]')" "97.1429 False" "office availability"
assert_eq "$(j '[(i["id"], i["minutes"]) for i in s["office"]["incidents"]]')" \
	"[('INC-0001', 120.0), ('INC-0004', 0.0), ('INC-0006', 0.0)]" "office incidents in hours"
assert_eq "$(j 's["evening"]["service_minutes"], s["evening"]["outage_minutes"], s["evening"]["availability"], s["evening"]["met"]')" \
	"180.0 90.0 50.0 True" "evening (+01:00)"
assert_eq "$(j 's["always"]["hours"], s["always"]["service_minutes"], s["always"]["outage_minutes"], s["always"]["availability"]')" \
	"None 14400.0 420.0 97.0833" "always (24x7)"
# shellcheck disable=SC2086
run_cli 0 sla $P
assert_contains "$OUT" "business_service/office            99.000   97.1429      120.00   no INC-0001,INC-0004,INC-0006" "text row"
# shellcheck disable=SC2086
run_cli 0 report --since 2026-03-01T00:00:00Z --at 2026-03-11T00:00:00Z --format md -o "$T/r.md"
assert_contains "$(cat "$T/r.md")" "| business\\_service/office | 99.000 | Mon-Fri 08:00-18:00 | 97.1429 | 120.00 | NO |" "md row"

# "24x7" stated is the same as no hours; several clauses and day lists add up
bs office '{availability: 99, hours: "24x7"}'
bs evening '{availability: 40, hours: "Mon,Sat 10:00-11:00; sat 13:00-13:30"}'
commit_at 2026-03-11T00:00:00Z "hours changed"
# shellcheck disable=SC2086
run_cli 0 sla $P --json
# evening: Mondays 03-02, 03-09 and Saturday 03-07, one hour each, and 30 min on 03-07:
# 210 min; outage INC-0001 10:00-11:00 and INC-0006 10:00-11:00 and 13:00-13:30: 150 min
assert_eq "$(j 's["office"]["service_minutes"], s["office"]["outage_minutes"]')" "14400.0 420.0" "24x7"
assert_eq "$(j 's["evening"]["service_minutes"], s["evening"]["outage_minutes"], s["evening"]["availability"]')" \
	"210.0 150.0 28.5714" "clauses"

# bad hours or timezone: an error naming the item and field, and no report written
for bad in '"Mon-Fri 8-18"' '"Mon-Fri 18:00-08:00"' '"Mon-Fri"' '"weekdays 08:00-18:00"' \
	'"Mon 08:00-25:00"' '"Mon 08:00-18:00;"' '5'; do
	bs office "{availability: 99, hours: $bad}"
	commit_at 2026-03-11T00:00:00Z "bad hours $bad"
	run_cli 1 sla
	assert_contains "$ERR" "business_service/office: attributes.sla.hours" "bad hours $bad"
done
assert_contains "$ERR" "expected a string" "hours not a string"
bs office '{availability: 99, hours: "Mon-Fri 8-18"}'
commit_at 2026-03-11T00:00:00Z "bad hours"
run_cli 1 sla
assert_contains "$ERR" "'Mon-Fri 8-18' is not service hours: give \"24x7\" or days and times such as \"Mon-Fri 08:00-18:00\"" "message"
run_cli 1 report --format html -o "$T/bad.html"
assert_contains "$ERR" "business_service/office: attributes.sla.hours" "report refuses too"
[ ! -e "$T/bad.html" ] || fail "a report was written despite the error"
ok
bs office '{availability: 99, hours: "24x7", timezone: "Europe/Berlin"}'
commit_at 2026-03-11T00:00:00Z "bad timezone"
run_cli 1 sla
assert_contains "$ERR" "business_service/office: attributes.sla.timezone: 'Europe/Berlin' is not supported: give UTC or a fixed offset such as +01:00" "timezone"
fsck_clean "$R"
done_ok
