#!/usr/bin/env bash
# gitcmdb impact on a hand-built history whose answers are written out below.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"


# Day 1: db01 runs postgresql, web01 runs nginx; the shop needs the webshop,
# which needs nginx and postgresql. A change record only "affects" db01.
put host/db01.yaml <<'EOF'
type: host
name: db01
EOF
put host/web01.yaml <<'EOF'
type: host
name: web01
relations:
  member_of: [group/web]
EOF
put group/web.yaml <<'EOF'
type: group
name: web
EOF
put service/db01/postgresql.yaml <<'EOF'
type: service
name: postgresql
relations:
  runs_on: [host/db01]
EOF
put service/web01/nginx.yaml <<'EOF'
type: service
name: nginx
relations:
  runs_on: [host/web01]
EOF
put application/webshop.yaml <<'EOF'
type: application
name: webshop
relations:
  depends_on: [service/db01/postgresql, service/web01/nginx]
EOF
put business_service/shop.yaml <<'EOF'
type: business_service
name: shop
relations:
  depends_on: [application/webshop]
EOF
put change/CHG-1.yaml <<'EOF'
type: change
name: CHG-1
relations:
  affects: [host/db01]
EOF
commit_at 2026-01-01T10:00:00Z "day 1"

# Day 2: nginx is seen connecting to postgresql; the webshop's direct dependency goes.
put service/web01/nginx.yaml <<'EOF'
type: service
name: nginx
relations:
  connects_to: [service/db01/postgresql]
  runs_on: [host/web01]
EOF
put application/webshop.yaml <<'EOF'
type: application
name: webshop
relations:
  depends_on: [service/web01/nginx]
EOF
# and a cycle a -> b -> a
put application/a.yaml <<'EOF'
type: application
name: a
relations:
  depends_on: [application/b]
EOF
put application/b.yaml <<'EOF'
type: application
name: b
relations:
  depends_on: [application/a]
EOF
commit_at 2026-01-02T10:00:00Z "day 2"
BEFORE=$(repo_state "$R")

# --- impact of db01 now: exactly these items, each under what it was reached from
run_cli 0 impact host/db01
assert_eq "$OUT" "host/db01
  service/db01/postgresql  (runs_on)
    service/web01/nginx  (connects_to)
      application/webshop  (depends_on)
        business_service/shop  (depends_on)
4 items hit when host/db01 fails or changes
at 2026-01-02T10:00:00Z (commit $(git rev-parse --short=12 HEAD))" "impact text"

run_cli 0 impact host/db01 --json
paths=$(printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
r = json.load(sys.stdin)
assert r["id"] == "host/db01" and r["direction"] == "downstream", r
assert r["at"]["seq"] == 2, r["at"]
for it in r["items"]:
    print(it["id"], it["type"], it["depth"], " | ".join("%s %s %s" % (e["src"], e["type"], e["dst"]) for e in it["path"]))
')
assert_eq "$paths" "service/db01/postgresql service 1 service/db01/postgresql runs_on host/db01
service/web01/nginx service 2 service/db01/postgresql runs_on host/db01 | service/web01/nginx connects_to service/db01/postgresql
application/webshop application 3 service/db01/postgresql runs_on host/db01 | service/web01/nginx connects_to service/db01/postgresql | application/webshop depends_on service/web01/nginx
business_service/shop business_service 4 service/db01/postgresql runs_on host/db01 | service/web01/nginx connects_to service/db01/postgresql | application/webshop depends_on service/web01/nginx | business_service/shop depends_on application/webshop" "impact paths"
assert_eq "$(printf '%s' "$OUT" | grep -c CHG-1 || true)" "0" "affects carries no impact"

# --- --depth 1: direct dependants only
run_cli 0 impact host/db01 --depth 1 --format json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; print(",".join(i["id"] for i in json.load(sys.stdin)["items"]))')" \
	"service/db01/postgresql" "depth 1"

# --- before nginx connected to postgresql (day 1): the webshop depended on it directly
run_cli 0 impact host/db01 --at 2026-01-01T12:00:00Z
assert_eq "$OUT" "host/db01
  service/db01/postgresql  (runs_on)
    application/webshop  (depends_on)
      business_service/shop  (depends_on)
3 items hit when host/db01 fails or changes
at 2026-01-01T10:00:00Z (commit $(git rev-parse --short=12 HEAD~1))" "impact at day 1"
run_cli 0 impact host/db01 --at main~1 --json
assert_contains "$OUT" '"seq": 1' "revision as WHEN"

# --- upstream: what the webshop needs
run_cli 0 impact application/webshop --upstream
assert_eq "$OUT" "application/webshop
  service/web01/nginx  (depends_on)
    service/db01/postgresql  (connects_to)
      host/db01  (runs_on)
    host/web01  (runs_on)
4 items application/webshop needs
at 2026-01-02T10:00:00Z (commit $(git rev-parse --short=12 HEAD))" "upstream"

# --- a cycle terminates; both edges are in the graph
run_cli 0 impact application/a --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin)
print(",".join(i["id"] for i in r["items"]), len(r["edges"]))')" "application/b 2" "cycle"

# --- DOT renders with graphviz
run_cli 0 impact host/db01 --format dot
printf '%s\n' "$OUT" >"$T/impact.dot"
assert_contains "$OUT" '"service/web01/nginx" -> "service/db01/postgresql" [label="connects_to"];'
if command -v dot >/dev/null; then
	dot -Tsvg "$T/impact.dot" >"$T/impact.svg" || fail "dot -Tsvg rejected the graph"
	assert_contains "$(cat "$T/impact.svg")" "business_service/shop" "svg"
fi

# --- bad input: clear errors, right exit codes, nothing modified
run_cli 1 impact host/db1
assert_contains "$ERR" "unknown item 'host/db1'"
assert_contains "$ERR" "did you mean"
assert_contains "$ERR" "host/db01"
run_cli 2 impact host/db01 --at 2026-13-45
assert_contains "$ERR" "malformed date '2026-13-45'"
run_cli 1 impact host/db01 --at 2025-12-31
assert_contains "$ERR" "before the first commit"
run_cli 1 impact application/a --at 2026-01-01T12:00:00Z
assert_contains "$ERR" "application/a did not exist at 2026-01-01T10:00:00Z"
run_cli 2 impact host/db01 --depth -1
assert_contains "$ERR" "--depth"
run_cli 2 impact host/db01 --format svg
assert_contains "$ERR" "--format"
run_cli 2 impact
run_cli 2 impact a b
run_cli 0 impact --help
assert_contains "$OUT" "usage: gitcmdb impact ID"

assert_eq "$(repo_state "$R")" "$BEFORE" "repository untouched"
fsck_clean "$R"
done_ok
