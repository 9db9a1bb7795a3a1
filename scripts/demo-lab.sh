#!/bin/bash
# The scan part of `make demo`: start the SSH lab, create a CMDB, enroll the lab's
# host keys, scan, scan the fault personas, then run STORY with the lab up (sourced:
# it sees G, LAB, ROOT, DEMO, step; `make demo` passes scripts/demo-story.sh). Without
# STORY: a drift on web01 and a rescan. Then show what git recorded.
#
#   scripts/demo-lab.sh BUILD_DIR DEMO_DIR [STORY]     (as root: the lab runs sshd)
#
# DEMO_DIR/cmdb stays for exploring (gitcmdb -C DEMO_DIR/cmdb show host/web01);
# the lab is stopped on exit.
set -euo pipefail
BUILD=${1:?usage: scripts/demo-lab.sh BUILD_DIR DEMO_DIR}
DEMO=${2:?usage: scripts/demo-lab.sh BUILD_DIR DEMO_DIR [STORY]}
STORY=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G="$(cd "$BUILD" && pwd)/gitcmdb"
LAB_SH="$ROOT/tests/lab/lab.sh"
[ -x "$G" ] || { echo "demo-lab: build $G first (make build)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo-lab: the lab runs sshd as root; run as root" >&2; exit 1; }
[ ! -e "$DEMO/cmdb" ] || { echo "demo-lab: $DEMO/cmdb exists; remove it or pick another DEMO_DIR" >&2; exit 1; }
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd)
chmod 755 "$DEMO" # sshd reads the lab's authorized_keys as the lab user
LAB="$DEMO/lab"
trap '"$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true' EXIT
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-demo} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-demo@example.invalid}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
DEMO_HOSTS=web01,app01,db01,rocky9,alpine319,self
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting the SSH lab (one sshd, a port per persona) in $LAB"
"$LAB_SH" start "$LAB" --watch $$ >"$DEMO/lab.log" 2>&1 || { cat "$DEMO/lab.log" >&2; exit 1; }
grep -A20 '^hosts:' "$LAB/inventory.yaml" | grep -E '^  (self|web01|app01|db01|rocky9|alpine319):'

step "gitcmdb init $DEMO/cmdb, with the lab's inventory"
"$G" init "$DEMO/cmdb"
cp "$LAB/inventory.yaml" "$DEMO/cmdb/inventory.yaml"
git -C "$DEMO/cmdb" add inventory.yaml
git -C "$DEMO/cmdb" commit -qm "inventory: the demo lab"
cd "$DEMO/cmdb"

step "gitcmdb hostkeys enroll --limit $DEMO_HOSTS"
"$G" hostkeys enroll --limit "$DEMO_HOSTS"

step "gitcmdb scan --limit $DEMO_HOSTS"
"$G" scan --limit "$DEMO_HOSTS" 2>/dev/null | sed -e '/^changed: service/d' || true

step "a scan of the fault personas: each failure recorded, nothing else touched"
"$G" hostkeys enroll --limit 'refused,tarpit,hang,garbage' >/dev/null 2>&1 || true
"$G" scan --limit 'refused,tarpit,hang,garbage' --timeout 5 2>/dev/null || true

if [ -n "$STORY" ]; then
	# shellcheck source=/dev/null
	. "$STORY"
else
	step "drift on web01 (openssl upgraded, redis installed, sshd_config edited), then scan again"
	cp "$ROOT/tests/lab/personas/web01-drift.out" "$LAB/personas/web01.out"
	"$G" scan --limit web01 2>/dev/null || true

	step "git log --stat -3"
	git --no-pager log --stat -3 | sed -e 's/^/  /' | head -80

	step "host/web01.yaml (first 40 lines)"
	head -n 40 host/web01.yaml

	step "service/web01/nginx.yaml: connects_to was discovered from established connections"
	cat service/web01/nginx.yaml
fi

printf '\nThe CMDB stays in %s/cmdb (plain git: try git log -p there).\n' "$DEMO"
