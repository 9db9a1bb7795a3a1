#!/usr/bin/env bash
# gitcmdb sla and gitcmdb report on a hand-built history at fixed dates. SLA figures
# computed by hand: period 2026-03-01T00:00Z .. 2026-03-11T00:00Z = 14400 min.
#   shop (target 99.9) depends on app/shopapp, which runs on host/db01:
#     INC-0001 on host/db01   03-02 10:00 .. 12:00 (120 min)
#     INC-0002 on shop itself 03-02 11:00 .. 13:00 (overlaps: union 10:00..13:00 = 180 min)
#     INC-0004 on host/db01   02-28 23:00 .. 03-01 01:00 (clipped to the period: 60 min)
#     outage 240 min, availability 100 * (1 - 240/14400) = 98.3333 %, target missed
#   payroll (target 99.5) depends on nothing that failed: 0 min, 100 %, met
#   intranet (no target): INC-0003 on host/web01 (it depends on it), still open since
#     03-10 22:00 -> counts to the end: 120 min, 99.1667 %, met "-"
# Then: byte-identical reports, hostile names escaped in HTML and Markdown, bad input.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"
incident() { # ID OPENED RESOLVED|"" AFFECTS
	{
		printf 'type: incident\nname: %s\nattributes:\n  summary: outage %s\n' "$1" "$1"
		printf '  severity: high\n  status: %s\n  opened: "%s"\n' \
			"$([ -n "$3" ] && echo resolved || echo open)" "$2"
		[ -n "$3" ] && printf '  resolved: "%s"\n' "$3"
		printf 'relations:\n  affects: [%s]\n' "$4"
	} | put "incident/$1.yaml"
}
bs() { # NAME TARGET|"" DEPENDS
	{
		printf 'type: business_service\nname: %s\nattributes:\n  owner: ops\n' "$1"
		[ -n "$2" ] && printf '  sla: {availability: %s, hours: "24x7"}\n' "$2"
		printf 'relations:\n  depends_on: [%s]\n' "$3"
	} | put "business_service/$1.yaml"
}

put host/db01.yaml <<'EOF2'
type: host
name: db01
source: manual
attributes:
  os: {id: debian, kernel: 6.1.0-1}
EOF2
put host/web01.yaml <<'EOF2'
type: host
name: web01
source: manual
attributes:
  os: {id: debian, kernel: 6.1.0-1}
EOF2
put application/shopapp.yaml <<'EOF2'
type: application
name: shopapp
relations:
  runs_on: [host/db01]
EOF2
bs shop 99.9 application/shopapp
bs payroll 99.5 host/web01
bs intranet "" host/web01
commit_at 2026-02-27T09:00:00Z "estate"
# payroll stops depending on web01 before INC-0003: the graph at the incident's time counts
bs payroll 99.5 ""
commit_at 2026-03-01T06:00:00Z "payroll moved"
incident INC-0004 2026-02-28T23:00:00Z 2026-03-01T01:00:00Z host/db01
incident INC-0001 2026-03-02T10:00:00Z 2026-03-02T12:00:00Z host/db01
incident INC-0002 2026-03-02T11:00:00Z 2026-03-02T13:00:00Z business_service/shop
commit_at 2026-03-03T09:00:00Z "incidents"
incident INC-0003 2026-03-10T22:00:00Z "" host/web01
commit_at 2026-03-10T23:00:00Z "web01 down"
commit_at 2026-03-11T00:00:00Z "end" # nothing changed: an empty commit marks the end

P="--since 2026-03-01T00:00:00Z --until 2026-03-11T00:00:00Z"
# shellcheck disable=SC2086
run_cli 0 sla $P --json
j() { printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
assert_eq "$(j 'd["period_minutes"]')" "14400.0" "period"
assert_eq "$(j '[s["id"] for s in d["services"]]')" \
	"['business_service/intranet', 'business_service/payroll', 'business_service/shop']" "services"
assert_eq "$(j 'd["services"][2]["outage_minutes"]')" "240.0" "shop outage"
assert_eq "$(j 'd["services"][2]["availability"]')" "98.3333" "shop availability"
assert_eq "$(j 'd["services"][2]["target"], d["services"][2]["met"]')" "99.9 False" "shop target"
assert_eq "$(j '[(i["id"], i["minutes"], i["via"]) for i in d["services"][2]["incidents"]]')" \
	"[('INC-0001', 120.0, ['host/db01']), ('INC-0002', 120.0, ['business_service/shop']), ('INC-0004', 60.0, ['host/db01'])]" \
	"shop incidents"
assert_eq "$(j 'd["services"][1]["outage_minutes"], d["services"][1]["availability"], d["services"][1]["met"]')" \
	"0.0 100.0 True" "payroll"
assert_eq "$(j 'd["services"][0]["outage_minutes"], d["services"][0]["availability"], d["services"][0]["met"]')" \
	"120.0 99.1667 None" "intranet (open incident)"
# shellcheck disable=SC2086
run_cli 0 sla $P
assert_contains "$OUT" "business_service/shop              99.900   98.3333      240.00   no INC-0001,INC-0002,INC-0004" "text table"
assert_contains "$OUT" "period 2026-03-01T00:00:00Z .. 2026-03-11T00:00:00Z (14400.00 min)" "text period"

# the report: byte-identical across runs, both formats
for f in html md; do
	run_cli 0 report --since 2026-03-01 --format $f -o "$T/r1.$f"
	assert_eq "$OUT" "$T/r1.$f" "report prints its path"
	run_cli 0 report --since 2026-03-01 --format $f -o "$T/r2.$f"
	cmp "$T/r1.$f" "$T/r2.$f" || fail "$f report differs between two runs"
	ok
done
H=$(cat "$T/r1.html")
for s in Scope "CI register" "Changes in the period" "Unauthorised drift" Incidents \
	"Scan coverage" "Service levels" "Open audit findings"; do
	assert_contains "$H" ">$s</h2>" "html section $s"
	assert_contains "$(cat "$T/r1.md")" "## $s" "md section $s"
done
assert_contains "$H" "<td>business_service/shop</td><td>99.900</td><td>24x7</td><td>98.3333</td><td>240.00</td><td>NO</td>" "html sla row"
assert_contains "$(cat "$T/r1.md")" "| business\\_service/shop | 99.900 | 24x7 | 98.3333 | 240.00 | NO |" "md sla row"
case "$H" in *"<script"* | *"<link"* | *" src="* | *"url("*) fail "external or active content in the HTML" ;; *) ok ;; esac

# hostile values come out as text
put incident/INC-0009.yaml <<'EOF2'
type: incident
name: INC-0009
attributes:
  summary: "<script>alert(1)</script> | **bold** [x](http://e.example)"
  severity: low
  status: open
  opened: "2026-03-10T23:30:00Z"
relations:
  affects: [host/web01]
EOF2
commit_at 2026-03-10T23:45:00Z "hostile"
run_cli 0 report --format html -o "$T/h.html"
H=$(cat "$T/h.html")
case "$H" in *"<script"*) fail "<script> reached the HTML unescaped" ;; *) ok ;; esac
assert_contains "$H" "&lt;script&gt;alert(1)&lt;/script&gt; | **bold** [x](http://e.example)" "escaped in HTML"
run_cli 0 report --format md -o "$T/h.md"
assert_contains "$(cat "$T/h.md")" '\<script\>alert(1)\</script\> \| \*\*bold\*\* \[x\](http://e.example)' "escaped in Markdown"

# bad input: clear errors naming item and field, nothing written
run_cli 1 report --since 2026-03-12 --at 2026-03-05 --format md -o "$T/bad.md"
assert_contains "$ERR" "--since 2026-03-12 (2026-03-12T00:00:00Z) is not before the end of the period 2026-03-05" "since after at"
[ ! -e "$T/bad.md" ] || fail "a report was written despite the error"
ok
run_cli 2 report --format pdf -o "$T/x"
run_cli 2 report --format md
bs shop 0 application/shopapp
commit_at 2026-03-10T23:50:00Z "bad target"
run_cli 1 sla
assert_contains "$ERR" "business_service/shop: attributes.sla.availability: 0 is not in (0, 100]" "target 0"
run_cli 1 report --format html -o "$T/bad.html"
assert_contains "$ERR" "business_service/shop: attributes.sla.availability" "report refuses too"
[ ! -e "$T/bad.html" ] || fail "a report was written despite the error"
ok
bs shop 99.9 application/shopapp
incident INC-0005 2026-03-05T10:00:00Z 2026-03-05T09:00:00Z host/db01
commit_at 2026-03-10T23:55:00Z "resolved before opened"
run_cli 1 sla
assert_contains "$ERR" "incident/INC-0005: attributes.resolved 2026-03-05T09:00:00Z is before attributes.opened 2026-03-05T10:00:00Z" "resolved before opened"
fsck_clean "$R"
done_ok
