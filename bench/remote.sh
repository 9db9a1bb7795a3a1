#!/bin/bash
# Benchmark of remotes and upkeep (prints figures; not a test).
#
#   bench/remote.sh BUILD_DIR [ITEMS]          (default ITEMS 10000)
#
# 1. push of one scan commit to a loopback git server: the lab's sshd serving a bare
#    repository (as root), else a file:// remote; median of 10.
# 2. re-apply after a non-fast-forward at ITEMS host items: the remote took a person's
#    annotations on 100 items; the local scan commit changed 2 % of the items, 50 of them
#    the same; `gitcmdb push` fetches, re-applies by the ownership rules and pushes.
# 3. growth: bytes a scan adds to the repository (loose, and packed after gc) for an
#    unchanged scan and a scan with 2 % drift, at 1,000 and ITEMS hosts; a year of hourly
#    scans projected from them.
# 4. gc: time to pack the loose objects left by those scans (git and libgit2).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/remote.sh BUILD_DIR [ITEMS]}" && pwd)
N=${2:-10000}
G="$BUILD/gitcmdb"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-XXXXXX")
LAB=""
cleanup() { [ -z "$LAB" ] || "$HERE/../tests/lab/lab.sh" stop "$LAB" >/dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@x \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@x
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global safe.directory '*'
git config --global gc.auto 0 # only gitcmdb gc packs here
ms() { date +%s%N | cut -c1-13; }
objbytes() { du -sb "$1/.git/objects" 2>/dev/null | cut -f1 || du -sb "$1/objects" | cut -f1; }

# gen DIR COUNT VERSION: COUNT host items (60 packages each, like a small real host)
gen() {
	"$PY" - "$1" "$2" "$3" <<'PY'
import os, sys
d, n, v = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d + "/host", exist_ok=True)
for i in range(n):
    pk = "".join("    pkg%02d: {arch: amd64, version: 1.%d.%s}\n" % (p, (i + p) % 50, v) for p in range(60))
    open("%s/host/h%05d.yaml" % (d, i), "w").write(
        "type: host\nname: h%05d\nsource: scan\nattributes:\n  os: {id: debian, version: \"12\"}\n"
        "  network:\n    interfaces:\n      eth0: {addresses: [10.%d.%d.%d/16]}\n  packages:\n%s"
        % (i, i // 65536, (i // 256) % 256, i % 256, pk))
PY
}
# drift DIR COUNT STEP TAG: change one package version of every STEP-th of COUNT items
drift() {
	"$PY" - "$@" <<'PY'
import sys
d, n, step, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for i in range(0, n, step):
    p = "%s/host/h%05d.yaml" % (d, i)
    s = open(p).read().replace("    pkg07: {arch: amd64, version: ", "    pkg07: {arch: amd64, version: %s" % tag, 1)
    open(p, "w").write(s)
PY
}

echo "== 1. push of one scan commit to a loopback server"
git init -q --bare "$W/srv.git"
"$G" init "$W/p" >/dev/null
URL="file://$W/srv.git"
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then
	LAB="$W/lab"
	chmod 755 "$W"
	"$HERE/../tests/lab/lab.sh" start "$LAB" >"$W/lab.log" 2>&1
	eval "$("$HERE/../tests/lab/lab.sh" env "$LAB")"
	chown -R "$LAB_USER" "$W/srv.git"
	URL="ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF$W/srv.git"
	"$G" -C "$W/p" remote add origin "$URL" --identity "$LAB_KEY"
	"$G" -C "$W/p" hostkeys enroll --remote origin >/dev/null
else
	"$G" -C "$W/p" remote add origin "$URL"
fi
gen "$W/p" 100 0 && git -C "$W/p" add -A && git -C "$W/p" commit -qm "100 hosts"
"$G" -C "$W/p" push >/dev/null
times=()
for r in $(seq 10); do
	drift "$W/p" 100 50 "r$r." && git -C "$W/p" commit -qam "scan: 2 changed" -m "Scan-Id: bench-$r"
	t0=$(ms); "$G" -C "$W/p" push >/dev/null; times+=($(( $(ms) - t0 )))
done
echo "push to $URL: median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p) ms (all: ${times[*]})"

echo "== 2. re-apply after a non-fast-forward at $N items"
git init -q --bare "$W/central.git"
mkdir "$W/a" && git -C "$W/a" init -q
CURL="$W/central.git"
if [ -n "$LAB" ]; then # over the lab's sshd, as scanners push (file:// makes libgit2 resend whole trees)
	CURL="ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF$W/central.git"
	cp "$LAB/known_hosts" "$W/a/"
	"$G" -C "$W/a" remote add origin "$CURL" --identity "$LAB_KEY" >/dev/null
else
	"$G" -C "$W/a" remote add origin "$CURL" >/dev/null
fi
own() { [ -z "$LAB" ] || chown -R "$LAB_USER" "$W/central.git"; }
t0=$(ms); gen "$W/a" "$N" 0; echo "generated $N items: $(( $(ms) - t0 )) ms"
git -C "$W/a" add -A && git -C "$W/a" commit -qm "seed $N hosts"
own
t0=$(ms); "$G" -C "$W/a" push >/dev/null; echo "first push of $N items ($CURL): $(( $(ms) - t0 )) ms"
git clone -q "$W/central.git" "$W/b"
"$PY" - "$W/b" "$N" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(0, n, n // 100):
    p = "%s/host/h%05d.yaml" % (d, i)
    open(p, "a").write("annotations:\n  owner: team-%d\n" % i)
PY
git -C "$W/b" commit -qam "owners of 100 hosts" && git -C "$W/b" push -q origin main
own
drift "$W/a" "$N" 50 "s1." && git -C "$W/a" commit -qam "scan: $((N / 50)) changed" -m "Scan-Id: bench-reapply"
/usr/bin/time -f "%e s wall, %U s user, %S s sys" -o "$W/t" "$G" -C "$W/a" push
echo "push with re-apply of one scan commit ($((N / 50)) items changed, 100 annotated remotely): $(cat "$W/t") (load: $(cut -d' ' -f1 /proc/loadavg))"
kept=$(git -C "$W/central.git" grep -c 'owner: team-' main -- host | wc -l)
echo "annotations kept on the remote: $kept of 100; scan changes: $(git -C "$W/central.git" grep -l 'version: s1\.' main -- host | wc -l)"

echo "== 3. growth per scan, 4. gc"
for hosts in 1000 "$N"; do
	R="$W/g$hosts"
	"$G" init "$R" >/dev/null
	gen "$R" "$hosts" 0 && git -C "$R" add -A && git -C "$R" commit -qm seed
	"$G" -C "$R" gc >/dev/null
	b0=$(objbytes "$R")
	for r in $(seq 10); do git -C "$R" commit -q --allow-empty -m "scan: unchanged" -m "Scan-Id: u$r"; done
	b1=$(objbytes "$R"); "$G" -C "$R" gc >/dev/null; b2=$(objbytes "$R")
	for r in $(seq 10); do drift "$R" "$hosts" 50 "d$r." && git -C "$R" commit -qam "scan: drift" -m "Scan-Id: d$r"; done
	b3=$(objbytes "$R")
	loose=$(git -C "$R" count-objects -v | awk '/^count:/ {print $2}')
	t0=$(ms); "$G" -C "$R" gc >/dev/null; tgc=$(( $(ms) - t0 ))
	b4=$(objbytes "$R")
	echo "$hosts hosts: unchanged scan +$(( (b1 - b0) / 10 )) B loose, +$(( (b2 - b0) / 10 )) B packed;" \
		"2 % drift scan +$(( (b3 - b2) / 10 )) B loose, +$(( (b4 - b2) / 10 )) B packed;" \
		"gc of $loose loose objects (git): $tgc ms"
	"$PY" -c "
u, d = $(( (b2 - b0) / 10 )), $(( (b4 - b2) / 10 ))
print('  year of hourly scans (8760), packed: all unchanged %.1f MB, all with 2 %% drift %.1f MB' % (u * 8760 / 1e6, d * 8760 / 1e6))"
done
R="$W/g$N"
for r in $(seq 10); do drift "$R" "$N" 50 "e$r." && git -C "$R" commit -qam "scan: drift" -m "Scan-Id: e$r"; done
loose=$(git -C "$R" count-objects -v | awk '/^count:/ {print $2}')
t0=$(ms); "$G" -C "$R" gc --libgit2 >/dev/null; echo "gc of $loose loose objects (libgit2 packbuilder): $(( $(ms) - t0 )) ms"
