# The story of `make demo`, sourced by scripts/demo-lab.sh with the lab up and the first
# scan committed (G, LAB, ROOT, DEMO, step are set; the current directory is the CMDB):
#   1. hand-made CIs, then a baseline;
#   2. an approved change covering a planned drift on web01, and that drift (a rescan);
#   3. an unplanned drift on app01 (openssl patched by hand) and an incident on the shop;
#   4. audit (exactly one finding: the unplanned drift), incident show (the planned drift
#      with its change, the unplanned one flagged), change show;
#   5. the incident resolved, records imported from a ServiceNow export (its dates moved
#      to the last 30 days), the SLA table and the evidence report (HTML and Markdown)
#      over those 30 days, impact, history.
# shellcheck shell=bash

step "hand-made CIs: an application, a business service and a group"
mkdir -p application business_service group
cat > application/webshop.yaml <<'YAML'
# Written by a person: comments survive 'gitcmdb commit'.
type: application
name: webshop
source: manual
attributes:
  description: The shop front end and its order API
annotations:
  owner: team-web
  environment: production
relations:
  depends_on: [service/app01/shop-app, service/db01/postgresql, service/web01/nginx]
YAML
cat > business_service/shop.yaml <<'YAML'
type: business_service
name: shop
source: manual
attributes:
  description: Online sales
  sla: {availability: 99.9, hours: "24x7"}
annotations:
  owner: team-commerce
relations:
  depends_on: [application/webshop]
YAML
cat > group/web.yaml <<'YAML'
type: group
name: web
source: manual
attributes:
  description: Front-end web servers
YAML
"$G" validate
"$G" commit -m "Describe the webshop and the shop business service"
git --no-pager log --stat -1 | sed -e 's/^/  /'

step "settings: no grace around change windows (the demo squeezes days into seconds)"
sed -i 's/^  grace_minutes: 30$/  grace_minutes: 0/' gitcmdb.yaml
grep -q '^  grace_minutes: 0$' gitcmdb.yaml || { echo "demo: gitcmdb.yaml has no changes.grace_minutes: 30 to set to 0" >&2; exit 1; }
"$G" commit -m "settings: changes.grace_minutes 0"

step "gitcmdb baseline create before-release   (every WHEN takes baseline/before-release)"
"$G" baseline create before-release -m "the estate before the openssl release"
t_base=$(date +%s)
sleep 2 # the demo squeezes days into seconds: keep what follows in later seconds

step "gitcmdb change new ... --status approved   (the planned change: openssl and redis on web01)"
window="$(date -u +%Y-%m-%dT%H:%M:%SZ)/$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)"
chg=$("$G" change new --summary "upgrade openssl and add redis on web01" --affects host/web01 \
	--window "$window" --type normal --risk medium --status approved --approved-by alice | head -n 1)
echo "$chg, window $window"

step "the planned drift: openssl upgraded, redis installed on web01; scan web01"
cp "$ROOT/tests/lab/personas/web01-drift.out" "$LAB/personas/web01.out"
"$G" scan --limit web01 2>/dev/null || true

step "an unplanned drift: someone patched openssl on app01 by hand; scan app01"
# same length, so the persona's frames stay intact
sed -i 's/openssl\t3\.0\.13-0ubuntu3\.4/openssl\t3.0.13-0ubuntu3.5/' "$LAB/personas/app01.out"
"$G" scan --limit app01 2>/dev/null || true

step "gitcmdb incident new --affects business_service/shop   (checkout errors, just now)"
t_inc=$(date +%s)
inc=$("$G" incident new --summary "checkout errors on the shop" --affects business_service/shop \
	--severity high | head -n 1)
echo "$inc"

step "git log --oneline   (the audit trail: scans, hand edits, records)"
git --no-pager log --oneline | sed -e 's/^/  /'

step "gitcmdb audit --since baseline/before-release   (exit 1: there is a finding)"
"$G" audit --since baseline/before-release || true
n=$("$G" audit --since baseline/before-release --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["unauthorised_drift"])' || true)
[ "$n" = 1 ] || { echo "demo: expected exactly one unauthorised drift, audit found ${n:-none}" >&2; exit 1; }

# the default look-back is 72 h; here everything since the baseline (seconds ago)
lookback=$((t_inc - t_base - 1))
step "gitcmdb incident show $inc --lookback ${lookback}s   (what changed since the baseline, before it broke?)"
"$G" incident show "$inc" --lookback "${lookback}s"

step "gitcmdb change show $chg   (what it authorised, what it could break)"
"$G" change show "$chg"

step "gitcmdb incident resolve $inc --caused-by host/app01"
"$G" incident resolve "$inc" --caused-by host/app01

step "gitcmdb import changes|incidents FILE   (records from a ServiceNow list export, one commit each)"
# The export's incidents moved to the last 30 days, as a real export would be: the
# checkout outage 12 days ago (50 min), the slow queries on db01 still in progress since
# 15 minutes ago, the failed backup 40 days ago (before the SLA period).
incidents="$DEMO/servicenow-incidents.csv"
sed -e "s/2026-02-10 09:15:00/$(date -u -d '12 days ago' +%Y-%m-%d) 09:15:00/" \
	-e "s/2026-02-10 10:05:00/$(date -u -d '12 days ago' +%Y-%m-%d) 10:05:00/" \
	-e "s/2026-02-11 14:00:00/$(date -u -d '15 minutes ago' '+%Y-%m-%d %H:%M:%S')/" \
	-e "s/2026-02-02 \([0-9:]*\)/$(date -u -d '40 days ago' +%Y-%m-%d) \1/g" \
	-e "s/2026-02-03 \([0-9:]*\)/$(date -u -d '39 days ago' +%Y-%m-%d) \1/" \
	"$ROOT/tests/fixtures/itsm/servicenow-incidents.csv" >"$incidents"
[ "$(grep -c -e '2026-02-1[01] ' -e '2026-02-0[23] ' "$incidents")" = 0 ] ||
	{ echo "demo: $incidents kept a date of the fixture" >&2; exit 1; }
"$G" import changes "$ROOT/tests/fixtures/itsm/servicenow-changes.csv" --from servicenow
"$G" import incidents "$incidents" --from servicenow

# the service-level period: the last 30 days (43,200 min), up to the newest commit
since=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
step "gitcmdb sla --since $since   (availability over the last 30 days against the 99.9 % target)"
"$G" sla --since "$since"

# the report covers the story since the baseline (its audit: the one unplanned drift);
# over 30 days it would also list the first discovery scan's items as unauthorised
step "gitcmdb report --format html|md   (the auditor's evidence report, one file, readable offline)"
"$G" report --since baseline/before-release --format html -o "$DEMO/report.html"
"$G" report --since baseline/before-release --format md -o "$DEMO/report.md"

step "gitcmdb impact host/db01   (what is hit if db01 fails or is patched)"
"$G" impact host/db01

step "gitcmdb history host/web01 --path attributes.packages.openssl   (the drift, field by field)"
"$G" history host/web01 --path attributes.packages.openssl
