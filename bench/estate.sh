#!/bin/bash
# Benchmark of `gitcmdb scan` on a large estate of canned hosts (prints figures; not a test).
#
#   bench/estate.sh BUILD_DIR [HOSTS...]        (default HOSTS: 1000)
#
# The estate is tests/lab/lab_many.py: ONE process serving HOSTS distinct canned hosts on
# loopback (127.100.x.y, one port), each with its own host key and facts varied from the
# recorded personas. For each N: a fresh CMDB, `hostkeys enroll` of every host (its
# known_hosts checked against the lab's keys), a first scan (everything new) and a rescan
# (nothing changed), each: wall time, hosts/s, scanner CPU (user+sys of the child, by
# getrusage) per host, peak RSS, and the scan's own timing (collect/merge/commit, --json).
#
# BENCH_SHARDS=K (as root, default 0: skipped): then also the largest N split over K
# scanner processes (`gitcmdb scan --shard I/K --push`), each with its own clone, pushing
# to one bare repository served by the SSH lab's sshd (tests/lab/lab.sh, `self` port);
# afterwards the central repository holds every host and K scan commits.
# BENCH_SHARDS_ONLY=1: enroll, then only the sharded run (no single-scanner scans).
# BENCH_JOBS: --jobs of each scan (default 64). BENCH_SERVER_LOG=FILE keeps the server's log
# (with LAB_MANY_TRACE=1: a line per exec and answer).
set -euo pipefail
BUILD=${1:?usage: bench/estate.sh BUILD_DIR [HOSTS...]}
shift
SIZES=("${@:-1000}")
[ $# -gt 0 ] || SIZES=(1000)
BUILD=$(cd "$BUILD" && pwd)
G="$BUILD/gitcmdb"
HERE=$(cd "$(dirname "$0")" && pwd)
MANY="$HERE/../tests/lab/lab_many.py"
PY=/usr/bin/python3
JOBS=${BENCH_JOBS:-64}
SHARDS=${BENCH_SHARDS:-0}
[ -x "$G" ] || { echo "bench/estate: build $G first" >&2; exit 1; }
"$PY" -c 'import asyncssh' 2>/dev/null ||
	{ echo "bench/estate: needs python3-asyncssh (make deps)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-estate-XXXXXX")
chmod 755 "$W"
SSHLAB=""
cleanup() {
	[ ! -s "$W/many/server.log" ] || { echo "server.log:"; grep -v ': exec$\|answered in 0' "$W/many/server.log" | tail -20; }
	[ -z "${BENCH_SERVER_LOG:-}" ] || cp "$W/many/server.log" "$BENCH_SERVER_LOG" 2>/dev/null || true
	"$PY" "$MANY" stop "$W/many" >/dev/null 2>&1 || true
	[ -z "$SSHLAB" ] || "$HERE/../tests/lab/lab.sh" stop "$SSHLAB" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@x \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@x
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch main
git config --global safe.directory '*'

MAX=0
for n in "${SIZES[@]}"; do [ "$n" -gt "$MAX" ] && MAX=$n; done
t0=$(date +%s%N)
"$PY" "$MANY" start "$W/many" --hosts "$MAX" --watch $$ >"$W/many.log" 2>&1 ||
	{ cat "$W/many.log" >&2; exit 1; }
SERVER=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pids"]["server"])' \
	"$W/many/lab.json")
echo "gitcmdb estate benchmark: $(nproc) CPUs, --jobs $JOBS; lab_many.py serving $MAX hosts" \
	"(up in $(( ($(date +%s%N) - t0) / 1000000 )) ms)"

# subset N OUT: the lab's inventory cut to its first N hosts (groups cut to match).
subset() {
	"$PY" - "$W/many/inventory.yaml" "$1" "$2" <<'EOF'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
n, out = int(sys.argv[2]), sys.argv[3]
names = list(inv["hosts"])[:n]
keep = set(names)
inv["hosts"] = {h: inv["hosts"][h] for h in names}
inv["groups"] = {g: [h for h in m if h in keep] for g, m in inv["groups"].items()}
inv["groups"] = {g: m for g, m in inv["groups"].items() if m}
yaml.safe_dump(inv, open(out, "w"), sort_keys=False)
EOF
}

# measure LABEL N CMD...: run CMD (stdout kept in $W/out.json), print one table row.
measure() {
	"$PY" - "$SERVER" "$W/out.json" "$@" <<'EOF'
import json, os, resource, subprocess, sys, time
server, out, label, n, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
def srv_cpu():
    try:
        f = open("/proc/%d/stat" % server).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
s0, t = srv_cpu(), time.monotonic()
with open(out, "w") as o:
    r = subprocess.run(cmd, stdout=o, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = u.ru_utime + u.ru_stime
tm = ""
try:
    j = json.load(open(out))
    tg, c = j.get("timing", {}), j.get("counts", {})
    tm = "collect %.1f s, merge %.1f s, commit %.1f s; ok %s changed %s failed %s unreachable %s" % (
        tg.get("collect_s", 0), tg.get("merge_s", 0), tg.get("commit_s", 0), c.get("ok"),
        c.get("changed"), c.get("failed"), c.get("unreachable"))
    bad = [h for h in j.get("hosts", []) if h.get("status") != "ok"]
    if bad:
        tm += "; first not ok: %s %s after %.0f ms: %s" % (bad[0]["name"], bad[0]["status"],
              bad[0].get("ms", 0), bad[0].get("error", ""))
except (ValueError, OSError):
    pass
print("%-22s %6d %8.1f %8.1f %8.1f %8.1f %9.1f %4d  %s" % (label, n, wall, n / wall,
      cpu * 1000 / n, (srv_cpu() - s0) * 1000 / n, u.ru_maxrss / 1024.0, r.returncode, tm))
EOF
}

new_repo() { # new_repo DIR INVENTORY
	"$G" init "$1" >/dev/null
	cp "$2" "$1/inventory.yaml"
	git -C "$1" add inventory.yaml
	git -C "$1" commit -qm "estate inventory"
}

# same_keys A B: the two known_hosts files hold the same (host, key) pairs
same_keys() {
	"$PY" - "$1" "$2" <<'EOF'
import sys
def keys(p):
    return {tuple(l.split()[:3]) for l in open(p) if l.strip() and not l.startswith("#")}
a, b = keys(sys.argv[1]), keys(sys.argv[2])
if not a <= b:
    sys.exit("enrolled keys differ from the lab's: %d of %d not the lab's" % (len(a - b), len(a)))
print("enrolled %d host keys, each the lab's" % len(a))
EOF
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the server shares the CPUs;" \
	"'srv ms/h' is its CPU per host)"
printf "%-22s %6s %8s %8s %8s %8s %9s %4s  %s\n" run hosts "wall s" "hosts/s" "cpu ms/h" \
	"srv ms/h" "maxrss MB" exit "scan timing (--json)"
for n in "${SIZES[@]}"; do
	subset "$n" "$W/inv-$n.yaml"
	new_repo "$W/repo-$n" "$W/inv-$n.yaml"
	measure "hostkeys enroll" "$n" "$G" -C "$W/repo-$n" hostkeys enroll --jobs "$JOBS"
	same_keys "$W/repo-$n/known_hosts" "$W/many/known_hosts" >"$W/keys.txt" ||
		{ cat "$W/keys.txt" >&2; exit 1; }
	if [ -z "${BENCH_SHARDS_ONLY:-}" ]; then
		measure "first scan" "$n" "$G" -C "$W/repo-$n" scan --jobs "$JOBS" --json
		measure "rescan (no change)" "$n" "$G" -C "$W/repo-$n" scan --jobs "$JOBS" --json
	fi
	echo "  $n hosts: $(cat "$W/keys.txt"); host items in HEAD:" \
		"$(git -C "$W/repo-$n" ls-tree --name-only HEAD host/ | wc -l);" \
		"load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
	[ "$n" = "$MAX" ] && [ "$SHARDS" -gt 0 ] || rm -rf "$W/repo-$n"
done
[ "$SHARDS" -gt 0 ] || exit 0

# ---- MAX hosts over SHARDS scanners pushing to one bare repository over SSH ----
[ "$(id -u)" = 0 ] || { echo "bench/estate: BENCH_SHARDS needs root (the lab's sshd)" >&2; exit 1; }
SSHLAB="$W/sshlab"
"$HERE/../tests/lab/lab.sh" start "$SSHLAB" --watch $$ >"$W/sshlab.log" 2>&1 ||
	{ cat "$W/sshlab.log" >&2; exit 1; }
eval "$("$HERE/../tests/lab/lab.sh" env "$SSHLAB")"
SEED="$W/repo-$MAX"
cat "$LAB_KNOWN_HOSTS" >>"$SEED/known_hosts"
git -C "$SEED" rm -rq --ignore-unmatch host && git -C "$SEED" commit -qam "estate: host keys of the git server"
git clone -q --bare "$SEED" "$W/central.git"
chown -R "$LAB_USER" "$W/central.git"
URL="ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF$W/central.git"
for k in $(seq "$SHARDS"); do
	git clone -q "$W/central.git" "$W/s$k"
	git -C "$W/s$k" remote remove origin
	"$G" -C "$W/s$k" remote add origin "$URL" --identity "$LAB_KEY" >/dev/null
done
echo
echo "$MAX hosts over $SHARDS scanners (--shard I/$SHARDS --push, --jobs $JOBS each) to $URL"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$SERVER" "$MAX" "$SHARDS" "$W" "$G" "$JOBS" <<'EOF'
import json, os, subprocess, sys, time
server, n, k, w, g, jobs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
def srv_cpu():
    f = open("/proc/%d/stat" % server).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
s0, t0 = srv_cpu(), time.monotonic()
procs = {}
for i in range(1, k + 1):
    o = open("%s/shard%d.json" % (w, i), "w")
    p = subprocess.Popen([g, "-C", "%s/s%d" % (w, i), "scan", "--shard", "%d/%d" % (i, k), "--push",
                          "--jobs", jobs, "--json"], stdout=o, stderr=open("%s/shard%d.err" % (w, i), "w"))
    procs[p.pid] = (i, time.monotonic())
cpu = rss = 0.0
print("%-10s %6s %8s %8s %9s %4s  %s" % ("scanner", "hosts", "wall s", "cpu s", "maxrss MB", "exit", "scan timing"))
while procs:
    pid, status, ru = os.wait4(-1, 0)
    i, t = procs.pop(pid)
    c = ru.ru_utime + ru.ru_stime
    cpu += c
    own = ru.ru_maxrss / 1024.0  # this scanner's own peak (wait4: the one child)
    rss = max(rss, own)
    try:
        j = json.load(open("%s/shard%d.json" % (w, i)))
        hosts, tg, cn = j["counts"]["hosts"], j.get("timing", {}), j["counts"]
        tm = "collect %.1f s, merge %.1f s, commit %.1f s; ok %s failed %s unreachable %s" % (
            tg.get("collect_s", 0), tg.get("merge_s", 0), tg.get("commit_s", 0), cn.get("ok"),
            cn.get("failed"), cn.get("unreachable"))
    except (ValueError, OSError, KeyError):
        hosts, tm = 0, open("%s/shard%d.err" % (w, i)).read()[-300:]
    print("%-10s %6d %8.1f %8.1f %9.1f %4d  %s" % ("%d/%d" % (i, k), hosts, time.monotonic() - t, c, own, os.waitstatus_to_exitcode(status), tm))
wall = time.monotonic() - t0
print("all %d scanners: %.1f s wall, %.1f hosts/s, controller CPU %.1f ms/host (sum of the %d), "
      "server %.1f ms/host, peak RSS of one scanner %.1f MB" % (k, wall, n / wall, cpu * 1000 / n, k,
      (srv_cpu() - s0) * 1000 / n, rss))
EOF
echo "central: $(git --git-dir="$W/central.git" ls-tree --name-only main host/ | wc -l) host items," \
	"$(git --git-dir="$W/central.git" log main | grep -c '^ *Scan-Shard:') sharded scan commits;" \
	"fsck: $(git --git-dir="$W/central.git" fsck --strict >/dev/null 2>&1 && echo clean || echo FAILED);" \
	"load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
