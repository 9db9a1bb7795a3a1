#!/bin/bash
# Benchmark of remotes and upkeep (prints figures; not a test).
#
#   bench/remote.sh BUILD_DIR [ITEMS] [PARTS]   (default ITEMS 10000, PARTS push,reapply,growth)
#
# RUNS (default 5) re-apply rounds are timed; the median is printed with the load average.
# GITCMDB_ALT: another gitcmdb binary for the even runs (an A/B under the same load).
# PUSH_WRAP: a command prefix for those pushes, its last word suffixed with the run number
# (PUSH_WRAP="strace -f -tt -o /tmp/push" writes /tmp/push.1 ...).
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
BUILD=$(cd "${1:?usage: bench/remote.sh BUILD_DIR [ITEMS] [PARTS]}" && pwd)
N=${2:-10000}
PARTS=",${3:-push,reapply,growth},"
RUNS=${RUNS:-5}
want() { case "$PARTS" in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
G="${GITCMDB_BIN:-$BUILD/gitcmdb}"
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
import re, sys
d, n, step, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for i in range(0, n, step):
    p = "%s/host/h%05d.yaml" % (d, i)
    # flow style as generated, or block style once a re-merge wrote the item back
    s = re.sub(r"(pkg07:[^v]*version: )", lambda m: m.group(1) + tag, open(p).read(), count=1)
    open(p, "w").write(s)
PY
}

med() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
URL_BASE=""
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then
	LAB="$W/lab"
	chmod 755 "$W"
	"$HERE/../tests/lab/lab.sh" start "$LAB" >"$W/lab.log" 2>&1
	eval "$("$HERE/../tests/lab/lab.sh" env "$LAB")"
	URL_BASE="ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF"
fi
# remote_add REPO BARE: origin = BARE over the lab's sshd (else file://), host key enrolled
remote_add() {
	if [ -n "$LAB" ]; then
		chown -R "$LAB_USER" "$2"
		cp "$LAB/known_hosts" "$1/"
		"$G" -C "$1" remote add origin "$URL_BASE$2" --identity "$LAB_KEY" >/dev/null
	else
		"$G" -C "$1" remote add origin "file://$2" >/dev/null
	fi
}

if want push; then
echo "== 1. push of one scan commit to a loopback server"
git init -q --bare "$W/srv.git"
mkdir "$W/p" && git -C "$W/p" init -q
remote_add "$W/p" "$W/srv.git"
gen "$W/p" 100 0 && git -C "$W/p" add -A && git -C "$W/p" commit -qm "100 hosts"
"$G" -C "$W/p" push >/dev/null
times=()
for r in $(seq 10); do
	drift "$W/p" 100 50 "r$r." && git -C "$W/p" commit -qam "scan: 2 changed" -m "Scan-Id: bench-$r"
	t0=$(ms); "$G" -C "$W/p" push >/dev/null; times+=($(( $(ms) - t0 )))
done
echo "push to $(git -C "$W/p" config remote.origin.url): median $(printf '%s\n' "${times[@]}" | med) ms (all: ${times[*]}; load: $(cut -d' ' -f1 /proc/loadavg))"
t0=$(ms); "$G" -C "$W/p" push >/dev/null; echo "push when up to date: $(( $(ms) - t0 )) ms"
fi

if want reapply; then
echo "== 2. re-apply after a non-fast-forward at $N items ($RUNS runs)"
# over the lab's sshd when there is one, as scanners push (file:// makes libgit2 resend whole trees)
git init -q --bare "$W/central.git"
mkdir "$W/a" && git -C "$W/a" init -q
remote_add "$W/a" "$W/central.git"
own() { [ -z "$LAB" ] || chown -R "$LAB_USER" "$W/central.git"; }
t0=$(ms); gen "$W/a" "$N" 0; echo "generated $N items: $(( $(ms) - t0 )) ms"
git -C "$W/a" add -A && git -C "$W/a" commit -qm "seed $N hosts"
t0=$(ms); "$G" -C "$W/a" push >/dev/null; echo "first push of $N items: $(( $(ms) - t0 )) ms"
git clone -q "$W/central.git" "$W/b"
walls=() cpus=() awalls=() acpus=()
for r in $(seq "$RUNS"); do
	# a person annotates 100 items on the remote ...
	git -C "$W/b" pull -q --ff-only "$W/central.git" main
	"$PY" - "$W/b" "$N" "$r" <<'PY'
import re, sys
d, n, r = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(0, n, n // 100):
    p = "%s/host/h%05d.yaml" % (d, i)
    s = open(p).read()
    if "annotations:\n" in s:
        s = re.sub(r"  owner: team-.*", "  owner: team-%d-%s" % (i, r), s)
    else:
        s += "annotations:\n  owner: team-%d-%s\n" % (i, r)
    open(p, "w").write(s)
PY
	git -C "$W/b" commit -qam "owners of 100 hosts ($r)" && git -C "$W/b" push -q origin main
	own
	# ... while a scan changed 2 % of the items, 50 of them the same
	drift "$W/a" "$N" 50 "s$r." && git -C "$W/a" commit -qam "scan: $((N / 50)) changed" -m "Scan-Id: bench-reapply-$r"
	bin=$G
	[ -z "${GITCMDB_ALT:-}" ] || [ $((r % 2)) = 1 ] || bin=$GITCMDB_ALT
	/usr/bin/time -f "%e %U %S" -o "$W/t" ${PUSH_WRAP:+$PUSH_WRAP.$r} "$bin" -C "$W/a" push >"$W/out"
	grep -q "re-applied" "$W/out" || { echo "run $r: no re-apply: $(cat "$W/out")"; exit 1; }
	read -r wall user sys <"$W/t"
	if [ "$bin" = "$G" ]; then
		walls+=("$wall") cpus+=("$(echo "$user + $sys" | bc)")
	else
		awalls+=("$wall") acpus+=("$(echo "$user + $sys" | bc)")
	fi
	echo "  run $r ($bin): $wall s wall, $user s user, $sys s sys (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "push with re-apply of one scan commit ($((N / 50)) items changed, 100 annotated remotely):" \
	"median $(printf '%s\n' "${walls[@]}" | med) s wall, $(printf '%s\n' "${cpus[@]}" | med) s CPU"
[ -z "${GITCMDB_ALT:-}" ] || echo "  the same with $GITCMDB_ALT (even runs):" \
	"median $(printf '%s\n' "${awalls[@]}" | med) s wall, $(printf '%s\n' "${acpus[@]}" | med) s CPU"
kept=$(git -C "$W/central.git" grep -c "owner: team-.*-$RUNS\$" main -- host | wc -l)
echo "annotations kept on the remote: $kept of 100; scan changes: $(git -C "$W/central.git" grep -l "version: s$RUNS\." main -- host | wc -l)"
fi

want growth || exit 0
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
