#!/usr/bin/env bash
# The HTML report in headless Chromium with networking disabled: the rendered DOM has
# every section heading and the SLA figures (skips, exit 77, without chromium).
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "SKIP: chromium is not installed (make deps installs it)"; exit 77; }

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"
put host/db01.yaml <<'EOF2'
type: host
name: db01
source: manual
attributes:
  os: {id: debian, kernel: 6.1.0-1}
EOF2
put business_service/shop.yaml <<'EOF2'
type: business_service
name: shop
attributes:
  sla: {availability: 99.9, hours: "24x7"}
relations:
  depends_on: [host/db01]
EOF2
commit_at 2026-03-01T00:00:00Z estate
# 144 min of a 14400-min period: 99.0000 %
put incident/INC-0001.yaml <<'EOF2'
type: incident
name: INC-0001
attributes:
  summary: "db01 down <b>bold?</b>"
  severity: high
  status: resolved
  opened: "2026-03-05T10:00:00Z"
  resolved: "2026-03-05T12:24:00Z"
relations:
  affects: [host/db01]
EOF2
commit_at 2026-03-05T13:00:00Z incident
commit_at 2026-03-11T00:00:00Z end
run_cli 0 report --format html -o "$T/report.html"

# a profile of its own, no network: a proxy nobody listens on, every name unresolvable
DOM=$(timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/profile" --proxy-server=127.0.0.1:9 \
	--host-resolver-rules='MAP * ~NOTFOUND' --disable-background-networking \
	--dump-dom "file://$T/report.html" 2>"$T/chromium.err") ||
	fail "chromium failed: $(tail -5 "$T/chromium.err")"
for s in Scope "CI register" "Changes in the period" "Unauthorised drift" Incidents \
	"Scan coverage" "Service levels" "Open audit findings"; do
	assert_contains "$DOM" ">$s</h2>" "rendered section $s"
done
assert_contains "$DOM" "<td>business_service/shop</td><td>99.900</td><td>24x7</td><td>99.0000</td><td>144.00</td><td>NO</td>" "rendered SLA row"
assert_contains "$DOM" "db01 down &lt;b&gt;bold?&lt;/b&gt;" "the summary is text, not markup"
case "$DOM" in *"<b>bold?</b>"*) fail "a record's markup was rendered" ;; *) ok ;; esac
done_ok
