#!/bin/bash
# `gitcmdb report` and `gitcmdb sla` on the index benchmark's estate (issue 10: report
# <= 10 s and <= 200 MB RSS, sla <= 1 s). Prints figures; not a test.
#
#   bench/report.sh BUILD_DIR [HOSTS] [SCANS]       (default 1000 hosts x 200 scans)
#
# The estate: bench_audit's (bench/gen_repo.h: HOSTS hosts with 8 services each, SCANS
# scans at 2 % drift, 2,000 changes, 500 incidents; BUILD_DIR built with -DCMDB_BENCH=ON)
# plus 20 business services with an SLA, each depending on 50 services. The index is
# built first (untimed); then each command is timed end to end, process start to exit:
# wall time, CPU time (user + system: the machine may be shared, which inflates wall
# time) and peak RSS, from /usr/bin/time.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/report.sh BUILD_DIR [HOSTS] [SCANS]}" && pwd)
HOSTS=${2:-1000}
SCANS=${3:-200}
G=$BUILD/gitcmdb
[ -x "$G" ] && [ -x "$BUILD/bench/bench_audit" ] ||
	{ echo "bench/report: build $G and bench_audit (-DCMDB_BENCH=ON) first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/report: needs /usr/bin/time (Debian: time)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-report-XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
mkdir -p "$HOME"

"$BUILD/bench/bench_audit" --hosts "$HOSTS" --scans "$SCANS" --runs 1 --dir "$T" >/dev/null
git clone -q -b main "$T/repo.git" "$T/w"
mkdir -p "$T/w/business_service"
for b in $(seq 0 19); do
	{
		printf 'type: business_service\nname: bs%02d\nattributes:\n' "$b"
		printf '  sla: {availability: 99.%d, hours: "24x7"}\nrelations:\n  depends_on:\n' $((b % 10))
		for k in $(seq 0 49); do
			printf '    - service/h%04d/svc%d\n' $(((b * 50 + k) % HOSTS)) $((k % 8))
		done
	} >"$T/w/business_service/bs$(printf %02d "$b").yaml"
done
git -C "$T/w" add -A
git -C "$T/w" commit -qm "business services"
git -C "$T/w" push -q origin HEAD:main

R="$T/repo.git"
"$G" -C "$R" index >/dev/null
n_items=$("$G" -C "$R" query "SELECT count(*) FROM items" 2>/dev/null | tail -1 || echo "?")
echo "estate: $HOSTS hosts x $SCANS scans, $n_items items ever, 2000 changes, 500 incidents, 20 business services"
measure() { # LABEL TARGET CMD...
	local label=$1 target=$2
	shift 2
	/usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >/dev/null
	read -r secs user sys kb <"$T/time"
	printf '  %-24s %7.2f s wall %6.2f s CPU %7.1f MB   (%s)\n' "$label" "$secs" \
		"$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$target"
}
measure "report --format html" "<= 10 s, <= 200 MB" "$G" -C "$R" report --format html -o "$T/r.html"
measure "report --format md" "<= 10 s, <= 200 MB" "$G" -C "$R" report --format md -o "$T/r.md"
measure "sla" "<= 1 s" "$G" -C "$R" sla
printf '  report.html %s bytes, report.md %s bytes\n' "$(stat -c %s "$T/r.html")" "$(stat -c %s "$T/r.md")"
