#!/bin/bash
# `gitcmdb import changes` of 10,000 ServiceNow-style rows (issue 10: <= 10 s). Prints
# figures; not a test.
#
#   bench/import.sh BUILD_DIR [ROWS]      (default 10000 rows)
#
# The repository: 1,000 hosts with 9 services each (10,000 items, written with git
# fast-import), in a work tree. The file: ROWS change rows in ServiceNow's list-export
# columns, each naming its CIs in the three forms the import resolves (host name,
# "NAME on HOST", "HOST:NAME"), states spread over the mapping table. Timed: the first
# import (ROWS records created, one commit), the same file again (no commit), and the
# file with 100 rows changed (100 updated, one commit).
set -euo pipefail
BUILD=${1:?usage: bench/import.sh BUILD_DIR [ROWS]}
ROWS=${2:-10000}
G=$(cd "$BUILD" && pwd)/gitcmdb
[ -x "$G" ] || { echo "bench/import: build $G first" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-import-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
mkdir -p "$HOME"
"$G" init "$T/r" >/dev/null
cd "$T/r"

/usr/bin/python3 - <<'PY' | git fast-import --quiet
import sys
out = sys.stdout
out.write("commit refs/heads/main\ncommitter bench <b@example.invalid> 1780000000 +0000\n")
msg = "estate: 10,000 items"
out.write(f"data {len(msg)}\n{msg}\nfrom refs/heads/main^0\n")
for h in range(1000):
    files = [(f"host/h{h:04d}.yaml", f"type: host\nname: h{h:04d}\nsource: scan\n")]
    for s in range(9):
        files.append((f"service/h{h:04d}/svc{s}.yaml", f"type: service\nname: svc{s}\nsource: scan\nrelations:\n  runs_on: [host/h{h:04d}]\n"))
    for path, data in files:
        b = data.encode()
        out.write(f"M 100644 inline {path}\ndata {len(b)}\n")
        out.flush()
        sys.stdout.buffer.write(b)
        out.write("\n")
PY
git reset -q --hard main

gen() { # gen FILE SUFFIX_EVERY: ROWS rows; every Nth summary gets " (v2)"
	/usr/bin/python3 - "$ROWS" "$2" >"$1" <<'PY'
import sys
rows, every = int(sys.argv[1]), int(sys.argv[2])
states = [("New", "Not Yet Requested"), ("Scheduled", "Approved"), ("Implement", "Approved"),
          ("Closed", "Approved"), ("Canceled", "Rejected")]
w = sys.stdout.write
w("number,short_description,description,state,approval,type,risk,start_date,end_date,requested_by,cmdb_ci,affected_cis\r\n")
for i in range(rows):
    st, ap = states[i % len(states)]
    h = i % 1000
    v2 = " (v2)" if every and i % every == 0 else ""
    w(f'CHG{1000000 + i},"Change {i}, patch{v2}","Line one\r\nline ""two""",{st},{ap},Normal,Moderate,'
      f'2026-02-10 08:00:00,2026-02-10 10:00:00,user{i % 37},h{h:04d},'
      f'"svc{i % 9} on h{h:04d}, h{(h + 1) % 1000:04d}:svc{(i + 1) % 9}"\r\n')
PY
}
gen "$T/changes.csv" 0
gen "$T/changes2.csv" 100
echo "repository: $(git ls-tree -r --name-only main | grep -c -E '^(host|service)/') items; file: $ROWS rows, $(du -k "$T/changes.csv" | cut -f1) KiB"

TIMEFORMAT='%3R %3U %3S'
timed() { # timed LABEL ARGS...: wall and CPU seconds, peak RSS, the summary line
	local t rc=0 out label=$1
	shift
	out="$T/out.$RANDOM"
	if command -v /usr/bin/time >/dev/null; then
		t=$({ time /usr/bin/time -f '%M' -o "$T/rss" "$G" "$@" >"$out" 2>&1; } 2>&1) || rc=$?
	else
		t=$({ time "$G" "$@" >"$out" 2>&1; } 2>&1) || rc=$?
		echo "?" >"$T/rss"
	fi
	read -r r u s <<<"$t"
	printf '%-34s wall %6.2f s  CPU %6.2f s  max RSS %s KiB  exit %d: %s\n' "$label" "$r" \
		"$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" "$(tail -1 "$T/rss")" "$rc" "$(tail -1 "$out")"
}
c0=$(git rev-list --count main)
timed "import ($ROWS new)" import changes "$T/changes.csv"
c1=$(git rev-list --count main)
timed "re-import (nothing changed)" import changes "$T/changes.csv"
c2=$(git rev-list --count main)
timed "import ($((ROWS / 100)) rows changed)" import changes "$T/changes2.csv"
c3=$(git rev-list --count main)
timed "dry run of the same file" import changes "$T/changes2.csv" --dry-run
echo "commits: first import $((c1 - c0)), re-import $((c2 - c1)), update $((c3 - c2))"
echo "records: $(git ls-tree --name-only main change/ | wc -l) changes on main (goal: $ROWS rows <= 10 s)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
git fsck --no-progress >/dev/null 2>&1 && echo "git fsck: clean"
