#!/bin/bash
# Benchmark of `gitcmdb scan` on the SSH lab (prints figures; not a test).
#
#   bench/scan.sh BUILD_DIR [HOSTS...]        (default HOSTS: 50 200; run as root)
#
# For each N: a fresh CMDB whose inventory holds N copies of the lab's canned
# personas (one sshd, many ports), a first scan (everything new) and a rescan
# (nothing changed), each timed: wall time, wall ms per host, CPU time of the
# scanner (user+sys, getrusage of the child), its peak RSS.
#
# With ansible installed (`make bench-deps`), also side by side on BENCH_REAL
# (default 50) copies of the lab's `self` host, where both tools do real work on
# this machine: `gitcmdb scan --jobs 50` vs `ansible all -m setup -f 50`. Canned
# personas cannot serve ansible (its modules need a real shell), hence `self`.
set -euo pipefail
BUILD=${1:?usage: bench/scan.sh BUILD_DIR [HOSTS...]}
shift
SIZES=("${@:-50}")
[ $# -gt 0 ] || SIZES=(50 200)
BUILD=$(cd "$BUILD" && pwd)
GITCMDB="$BUILD/gitcmdb"
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_SH="$HERE/../tests/lab/lab.sh"
PY=/usr/bin/python3
JOBS=${BENCH_JOBS:-50}
REAL=${BENCH_REAL:-50}
[ -x "$GITCMDB" ] || { echo "bench/scan: build $GITCMDB first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/scan: the lab runs sshd as root; run as root" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-XXXXXX")
chmod 755 "$W"
trap '"$LAB_SH" stop "$W/lab" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid

MAX=0
for n in "${SIZES[@]}"; do [ "$n" -gt "$MAX" ] && MAX=$n; done
NCANNED=$(ls "$HERE/../tests/lab/personas/"*.out | wc -l)
COPIES=$(( (MAX + NCANNED - 1) / NCANNED ))
"$LAB_SH" start "$W/lab" --copies "$COPIES" --watch $$ >"$W/lab.log" 2>&1 ||
	{ cat "$W/lab.log" >&2; exit 1; }

# inventory N KIND OUT: the first N persona copies (KIND=copies) or N names for `self`.
inventory() {
	"$PY" - "$W/lab/inventory.yaml" "$1" "$2" "$3" <<'EOF'
import re, sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
n, kind, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
hosts = inv["hosts"]
if kind == "copies":
    names = sorted((h for h in hosts if re.search(r"-\d{3}$", h)), key=lambda h: (h[-3:], h))[:n]
    sel = {h: hosts[h] for h in names}
else:
    sel = {"self-%03d" % i: dict(hosts["self"]) for i in range(1, n + 1)}  # no YAML anchors
if len(sel) < n:
    sys.exit("lab has only %d hosts" % len(sel))
yaml.safe_dump({"defaults": inv["defaults"], "hosts": sel}, open(out, "w"))
EOF
}

# measure LABEL N CMD...: run CMD, print one table row from its rusage.
measure() {
	"$PY" - "$@" <<'EOF'
import resource, subprocess, sys, time
label, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = time.monotonic()
r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = u.ru_utime + u.ru_stime
print("%-28s %5d %9.2f %9.1f %9.2f %9.1f %9.1f %4d" % (label, n, wall, wall * 1000 / n, cpu,
      cpu * 1000 / n, u.ru_maxrss / 1024.0, r.returncode))
EOF
}

new_repo() { # new_repo DIR INVENTORY
	"$GITCMDB" init "$1" >/dev/null
	cp "$2" "$1/inventory.yaml"
	cp "$W/lab/known_hosts" "$1/known_hosts"
	git -C "$1" add inventory.yaml known_hosts
	git -C "$1" commit -qm "bench inventory"
}

echo "gitcmdb scan benchmark: $(nproc) CPUs, --jobs $JOBS, lab personas x $COPIES copies"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (sshd runs on the same CPUs and is not in 'cpu s')"
printf "%-28s %5s %9s %9s %9s %9s %9s %4s\n" run hosts "wall s" "ms/host" "cpu s" \
	"cpu ms/h" "maxrss MB" exit
for n in "${SIZES[@]}"; do
	inventory "$n" copies "$W/inv-$n.yaml"
	new_repo "$W/repo-$n" "$W/inv-$n.yaml"
	measure "gitcmdb first scan" "$n" "$GITCMDB" -C "$W/repo-$n" scan --jobs "$JOBS"
	measure "gitcmdb rescan (no change)" "$n" "$GITCMDB" -C "$W/repo-$n" scan --jobs "$JOBS"
	rm -rf "$W/repo-$n"
done

if command -v ansible >/dev/null 2>&1; then
	inventory "$REAL" self "$W/inv-self.yaml"
	new_repo "$W/repo-self" "$W/inv-self.yaml"
	"$PY" - "$W/inv-self.yaml" "$W/ansible.ini" <<'EOF'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
d = inv["defaults"]
with open(sys.argv[2], "w") as f:
    f.write("[lab]\n")
    for name, h in sorted(inv["hosts"].items()):
        f.write("%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s\n"
                % (name, h["address"], h["port"], d["user"], d["identity_file"]))
EOF
	cat >"$W/ansible.cfg" <<EOF
[defaults]
inventory = $W/ansible.ini
host_key_checking = False
forks = 50
gathering = explicit
interpreter_python = /usr/bin/python3
stdout_callback = minimal
# the lab user's home is /, which it cannot write
remote_tmp = /tmp/.ansible-gitcmdb-lab
[ssh_connection]
ssh_args = -o UserKnownHostsFile=$W/lab/known_hosts -o ControlMaster=no
# the lab sshd allows no pty
usetty = False
EOF
	echo
	echo "side by side on $REAL copies of the lab's self host (real collectors / real setup):"
	measure "gitcmdb scan --jobs 50" "$REAL" "$GITCMDB" -C "$W/repo-self" scan --jobs 50 --timeout 600
	measure "ansible -m setup -f 50" "$REAL" env ANSIBLE_CONFIG="$W/ansible.cfg" \
		ansible all -m setup -f 50
else
	echo
	echo "ansible not installed (make bench-deps): no side-by-side run"
fi
