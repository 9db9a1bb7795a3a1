#!/bin/bash
# `change new` in a 10,000-item repository (issue 9: <= 200 ms). Prints figures; not a test.
#
#   bench/records.sh BUILD_DIR [RUNS]      (default 20 runs)
#
# The repository: 1,000 hosts with 9 services each (10,000 items, written with git
# fast-import, as a scanner would leave them) plus 2,000 changes and 500 incidents,
# checked out in a work tree (so each commit also updates the work tree and git index,
# as a person's repository does). Then RUNS sequential `gitcmdb change new` (each
# naming three existing items), each timed end to end: process start to exit.
set -euo pipefail
BUILD=${1:?usage: bench/records.sh BUILD_DIR [RUNS]}
RUNS=${2:-20}
G=$(cd "$BUILD" && pwd)/gitcmdb
[ -x "$G" ] || { echo "bench/records: build $G first" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-records-XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
mkdir -p "$HOME"
"$G" init "$T/r" >/dev/null
cd "$T/r"

/usr/bin/python3 - <<'PY' | git fast-import --quiet
import sys
out = sys.stdout
files = []
for h in range(1000):
    files.append((f"host/h{h:04d}.yaml", f"type: host\nname: h{h:04d}\nsource: scan\nattributes:\n  os: {{id: debian}}\n  cpus: {h % 8 + 1}\n"))
    for s in range(9):
        files.append((f"service/h{h:04d}/svc{s}.yaml", f"type: service\nname: svc{s}\nsource: scan\nattributes:\n  state: running\nrelations:\n  runs_on: [host/h{h:04d}]\n"))
for c in range(1, 2001):
    files.append((f"change/CHG-{c:04d}.yaml", f"type: change\nname: CHG-{c:04d}\nsource: manual\nattributes:\n  status: closed\n  summary: change {c}\n  window: {{end: \"2026-06-01T01:00:00Z\", start: \"2026-06-01T00:00:00Z\"}}\nrelations:\n  affects: [host/h{c % 1000:04d}]\n"))
for i in range(1, 501):
    files.append((f"incident/INC-{i:04d}.yaml", f"type: incident\nname: INC-{i:04d}\nsource: manual\nattributes:\n  opened: \"2026-06-02T00:00:00Z\"\n  severity: low\n  status: open\n  summary: incident {i}\nrelations:\n  affects: [host/h{i:04d}]\n"))
out.write("commit refs/heads/main\ncommitter bench <b@example.invalid> 1780000000 +0000\n")
msg = "estate: 10,000 items, 2,000 changes, 500 incidents"
out.write(f"data {len(msg)}\n{msg}\nfrom refs/heads/main^0\n")
for path, data in files:
    b = data.encode()
    out.write(f"M 100644 inline {path}\ndata {len(b)}\n")
    out.flush()
    sys.stdout.buffer.write(b)
    out.write("\n")
PY
git reset -q --hard main
items=$(git ls-tree -r --name-only main | grep -c -E '^(host|service)/')
echo "repository: $items items, $(git ls-tree --name-only main change/ | wc -l) changes, $(git ls-tree --name-only main incident/ | wc -l) incidents"

# bash's time: wall (real) and CPU (user + sys) milliseconds of each run; on a shared
# machine the wall figure includes waiting for the CPU and the disk (16 fsyncs a commit).
TIMEFORMAT='%3R %3U %3S'
wall=() cpu=()
for i in $(seq "$RUNS"); do
	t=$({ time "$G" change new --summary "bench $i" \
		--affects "host/h0001,service/h0002/svc3,host/h0999" \
		--window 2026-12-01T22:00Z/2026-12-01T23:00Z >/dev/null; } 2>&1)
	read -r r u s <<<"$t"
	wall+=($(awk -v r="$r" 'BEGIN { printf "%d", r * 1000 }'))
	cpu+=($(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }'))
done
stats() { local v=($(printf '%s\n' "$@" | sort -n)); echo "min ${v[0]} median ${v[$((${#v[@]} / 2))]} max ${v[$((${#v[@]} - 1))]}"; }
echo "change new ($RUNS runs), wall ms: $(stats "${wall[@]}")"
echo "change new ($RUNS runs), CPU ms (user+sys): $(stats "${cpu[@]}")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "last id: $(git ls-tree --name-only main change/ | tail -1)  (goal: <= 200 ms)"
git fsck --no-progress >/dev/null 2>&1 && echo "git fsck: clean"
