#!/usr/bin/env bash
# report and sla on the central side (issue 12 point 5): a bare clone and a mirror, no
# work tree, indexed there and kept current by `gitcmdb pull`. Figures by hand: shop
# depends on host/db01; INC-0001 on db01 03-02 10:00-11:00 (60 min) in 03-01 .. 03-11
# (14400 min): 99.5833 %; after the pull INC-0002 03-12 10:00-12:00 adds 120 min and the
# period runs to the new end, 03-13 (17280 min): 180 min, 98.9583 %.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

S="$T/src"
git init -q -b main "$S"
cd "$S"
incident() { # ID OPENED RESOLVED
	printf 'type: incident\nname: %s\nattributes:\n  summary: db down\n  severity: high
  status: resolved\n  opened: "%s"\n  resolved: "%s"\nrelations:\n  affects: [host/db01]\n' \
		"$1" "$2" "$3" | put "incident/$1.yaml"
}
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
incident INC-0001 2026-03-02T10:00:00Z 2026-03-02T11:00:00Z
commit_at 2026-03-01T00:00:00Z "estate"
commit_at 2026-03-11T00:00:00Z "end"
cd "$T"
git clone -q --bare "$S" "$T/bare.git"
git clone -q --mirror "$S" "$T/mirror.git"

for B in "$T/bare.git" "$T/mirror.git"; do
	name=$(basename "$B")
	run_cli 0 -C "$B" index
	for f in md html; do
		run_cli 0 -C "$B" report --format $f -o "$T/$name.$f"
		assert_eq "$OUT" "$T/$name.$f" "$name: report $f prints its path"
	done
	for s in Scope "CI register" "Changes in the period" "Unauthorised drift" Incidents \
		"Scan coverage" "Service levels" "Open audit findings"; do
		assert_contains "$(cat "$T/$name.md")" "## $s" "$name: md section $s"
		assert_contains "$(cat "$T/$name.html")" ">$s</h2>" "$name: html section $s"
	done
	assert_contains "$(cat "$T/$name.md")" "| business\\_service/shop | 99.900 | 24x7 | 99.5833 | 60.00 | NO |" "$name: md sla row"
	assert_contains "$(cat "$T/$name.md")" "INC-0001" "$name: md incident"
	run_cli 0 -C "$B" sla
	assert_contains "$OUT" "business_service/shop              99.900   99.5833       60.00   no INC-0001" "$name: sla"
	[ ! -e "$B/index" ] && [ -z "$(find "$B" -maxdepth 1 -name '*.yaml')" ] || fail "$name: files written into the bare repository"
	ok
done

# a new incident upstream reaches the central side through `gitcmdb pull`
cd "$S"
incident INC-0002 2026-03-12T10:00:00Z 2026-03-12T12:00:00Z
commit_at 2026-03-13T00:00:00Z "db down again"
for B in "$T/bare.git" "$T/mirror.git"; do
	name=$(basename "$B")
	run_cli 0 -C "$B" pull origin
	run_cli 0 -C "$B" sla
	assert_contains "$OUT" "period 2026-03-01T00:00:00Z .. 2026-03-13T00:00:00Z (17280.00 min)" "$name: period after pull"
	assert_contains "$OUT" "business_service/shop              99.900   98.9583      180.00   no INC-0001,INC-0002" "$name: sla after pull"
	run_cli 0 -C "$B" report --format md -o "$T/$name-2.md"
	assert_contains "$(cat "$T/$name-2.md")" "| business\\_service/shop | 99.900 | 24x7 | 98.9583 | 180.00 | NO |" "$name: report after pull"
	fsck_clean "$B"
done
done_ok
