#!/bin/bash
# Benchmark of jump hosts on the SSH lab (prints figures; not a test).
#
#   bench/jump.sh BUILD_DIR [HOSTS]        (default 50 hosts; run as root)
#
# The same HOSTS copies of the lab's canned personas scanned four ways, each on a
# fresh CMDB with --jobs 50 (so channels, not workers, bound the jump runs):
#   direct         every host connected to directly
#   jump/10        through one jump host, jump_channels 10 (the default)
#   jump/50        through one jump host, jump_channels 50
#   two hops       through two jump hosts (proxy_jump: jump,jump2), jump_channels 50
# and prints the wall time of each scan and ms per host. Every scan must reach every
# host (the script fails otherwise).
set -euo pipefail
BUILD=${1:?usage: bench/jump.sh BUILD_DIR [HOSTS]}
N=${2:-50}
BUILD=$(cd "$BUILD" && pwd)
GITCMDB="$BUILD/gitcmdb"
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_SH="$HERE/../tests/lab/lab.sh"
PY=/usr/bin/python3
[ -x "$GITCMDB" ] || { echo "bench/jump: build $GITCMDB first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/jump: the lab runs sshd as root; run as root" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-XXXXXX")
chmod 755 "$W"
trap '"$LAB_SH" stop "$W/lab" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid

NCANNED=$(ls "$HERE/../tests/lab/personas/"*.out | wc -l)
"$LAB_SH" start "$W/lab" --copies $(( (N + NCANNED - 1) / NCANNED )) --watch $$ >"$W/lab.log" 2>&1 ||
	{ cat "$W/lab.log" >&2; exit 1; }
eval "$("$LAB_SH" env "$W/lab")"
KEY=$(cut -d' ' -f1,2 "$LAB_DIR/hostkey_ed25519.pub")

# inventory MODE CHANNELS OUT: N persona copies, reached as MODE says.
inventory() {
	"$PY" - "$LAB_INVENTORY" "$N" "$1" "$2" "$3" "$LAB_PORT_JUMP" "$LAB_PORT_JUMP2" <<'PYEOF'
import re, sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
n, mode, channels, out, j1, j2 = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
hosts = inv["hosts"]
names = sorted((h for h in hosts if re.search(r"-\d{3}$", h)), key=lambda h: (h[-3:], h))[:n]
if len(names) < n:
    sys.exit("lab has only %d hosts" % len(names))
sel = {h: dict(hosts[h]) for h in names}
d = dict(inv["defaults"])
if mode != "direct":
    sel["jump"] = {"address": "127.0.0.1", "port": j1}
    sel["jump2"] = {"address": "127.0.0.1", "port": j2}
    for h in names:
        sel[h]["proxy_jump"] = "jump" if mode == "jump" else "jump,jump2"
    d["jump_channels"] = channels
yaml.safe_dump({"defaults": d, "hosts": sel}, open(out, "w"))
PYEOF
}

run() { # LABEL MODE CHANNELS
	local r="$W/repo-$1"
	"$GITCMDB" init "$r" >/dev/null
	inventory "$2" "$3" "$r/inventory.yaml"
	cp "$LAB_KNOWN_HOSTS" "$r/known_hosts"
	printf '[127.0.0.1]:%s %s\n' "$LAB_PORT_JUMP" "$KEY" "$LAB_PORT_JUMP2" "$KEY" >>"$r/known_hosts"
	git -C "$r" add -A && git -C "$r" commit -qm inventory
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	"$GITCMDB" -C "$r" scan --jobs 50 --timeout 120 --limit '!jump*' --json >"$W/out.json" || rc=$?
	t1=$(date +%s.%N)
	local ok
	ok=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["counts"]["ok"])' "$W/out.json")
	[ "$ok" = "$N" ] || { echo "bench/jump: $1: only $ok of $N hosts scanned (exit $rc)" >&2;
		"$PY" -c 'import json,sys; [print(h["name"], h.get("error")) for h in json.load(open(sys.argv[1]))["hosts"] if h["status"] != "ok"][:5]' "$W/out.json" >&2; exit 1; }
	"$PY" -c 'import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print("%-12s %3d hosts  %6.2f s  %6.1f ms/host" % (sys.argv[4], n, t, t*1000/n))' "$t0" "$t1" "$N" "$1"
}

echo "bench/jump: $N hosts, --jobs 50 (lab personas on 127.0.0.1)"
run direct direct 10
run jump/10 jump 10
run jump/50 jump 50
run two-hops two 50
