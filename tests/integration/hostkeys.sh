# gitcmdb hostkeys enroll/list against the real sshd lab: commits, fingerprints, changed keys.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
[ "$(id -u)" = 0 ] || { echo "skip: the sshd lab needs root"; exit 77; }
LAB="$CMDB_SOURCE_DIR/tests/lab/lab.sh"
"$LAB" start "$T/lab" --watch $$ >/dev/null
trap '"$LAB" stop "$T/lab"; rm -rf "$T"' EXIT
eval "$("$LAB" env "$T/lab")"

R="$T/repo"
run_cli 0 init "$R"
cp "$LAB_INVENTORY" "$R/inventory.yaml"
git -C "$R" add inventory.yaml && git -C "$R" commit -qm "inventory: lab hosts"
cd "$R"
fp() { ssh-keygen -lf "$1" | awk '{print $2}'; }
FP1=$(fp "$LAB_DIR/hostkey_ed25519.pub")
FP2=$(fp "$LAB_DIR/hostkey2_ed25519.pub")

# usage errors
run_cli 2 hostkeys
run_cli 2 hostkeys frob
run_cli 2 hostkeys list --limit x
run_cli 2 hostkeys enroll --timeout 0
run_cli 2 hostkeys enroll --limit ''
run_cli 2 hostkeys enroll --jobs 0

# enrol two hosts: one commit of known_hosts, fingerprints as ssh-keygen prints them
before=$(git rev-parse main)
run_cli 0 hostkeys enroll --limit 'self,hostkey'
assert_contains "$OUT" "self                 added      ssh-ed25519 $FP1"
assert_contains "$OUT" "hostkey              added      ssh-ed25519 $FP2"
assert_eq "$(git rev-parse main~1)" "$before" "enroll makes exactly one commit"
assert_eq "$(git log -1 --format=%s)" "hostkeys: 2 added, 0 replaced"
assert_eq "$(git diff --name-only main~1 main)" "known_hosts"
assert_contains "$(git log -1 --format=%b)" "added: host/self ssh-ed25519 $FP1"
assert_eq "$(git show main:known_hosts | wc -l | tr -d ' ')" 2
assert_contains "$(git show main:known_hosts)" "[127.0.0.1]:$LAB_PORT_SELF ssh-ed25519 $(cut -d' ' -f2 "$LAB_DIR/hostkey_ed25519.pub")"
assert_eq "$(git status --porcelain)" "" "work tree follows main"
# OpenSSH itself accepts the file: ssh-keygen -F finds the host with the same key
git show main:known_hosts >"$T/kh"
assert_eq "$(ssh-keygen -F "[127.0.0.1]:$LAB_PORT_HOSTKEY" -f "$T/kh" | grep -v '^#' | cut -d' ' -f3)" \
	"$(cut -d' ' -f2 "$LAB_DIR/hostkey2_ed25519.pub")"
fsck_clean "$R"

# again: unchanged, nothing committed
head=$(git rev-parse main)
run_cli 0 hostkeys enroll --limit 'self,hostkey' --json
assert_eq "$(echo "$OUT" | "$PYTHON" -c 'import json,sys; print(",".join(h["status"] for h in json.load(sys.stdin)["hosts"]))')" "unchanged,unchanged"
assert_eq "$(echo "$OUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["hosts"][1]["fingerprint"])')" "$FP1"
assert_eq "$(git rev-parse main)" "$head" "no commit when nothing changed"

# list
run_cli 0 hostkeys list
assert_contains "$OUT" "[127.0.0.1]:$LAB_PORT_SELF ssh-ed25519 $FP1"
run_cli 0 hostkeys list --json
assert_eq "$(echo "$OUT" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2

# a changed key: record the lab's usual key for the hostkey port, as the lab's own known_hosts does
grep "^\[127.0.0.1\]:$LAB_PORT_HOSTKEY " "$LAB_KNOWN_HOSTS" >known_hosts
git commit -qam "known_hosts: the old key of hostkey"
state=$(repo_state "$R")
run_cli 1 hostkeys enroll --limit hostkey
assert_contains "$OUT" "hostkey              refused"
assert_contains "$ERR" "not replaced"
assert_contains "$ERR" "--replace"
assert_eq "$(repo_state "$R")" "$state" "a refused key changes nothing"
run_cli 0 hostkeys enroll --limit hostkey --replace
assert_contains "$OUT" "replaced   ssh-ed25519 $FP2"
assert_eq "$(git log -1 --format=%s)" "hostkeys: 0 added, 1 replaced"
assert_eq "$(git show main:known_hosts)" "[127.0.0.1]:$LAB_PORT_HOSTKEY ssh-ed25519 $(cut -d' ' -f2 "$LAB_DIR/hostkey2_ed25519.pub")"

# unreachable hosts: reported, exit 1, and the reachable ones still recorded
head=$(git rev-parse main)
run_cli 1 hostkeys enroll --limit 'refused,tarpit,self,hang,noexit' --timeout 1 --jobs 3
assert_contains "$ERR" "host/refused: "
assert_contains "$ERR" "Connection refused"
assert_contains "$ERR" "host/tarpit: "
assert_contains "$ERR" "timed out"
assert_contains "$OUT" "self                 added"
assert_contains "$OUT" "hang                 added"
assert_contains "$OUT" "noexit               added"
assert_eq "$(git rev-parse main~1)" "$head"
# hosts are recorded in inventory (name) order whatever order the threads finished in
assert_eq "$(git show main:known_hosts | tail -n 3 | cut -d' ' -f1 | tr '\n' ' ')" \
	"[127.0.0.1]:$LAB_PORT_HANG [127.0.0.1]:$LAB_PORT_NOEXIT [127.0.0.1]:$LAB_PORT_SELF "

# selection errors
run_cli 1 hostkeys enroll --limit '@nosuchgroup'
assert_contains "$ERR" "unknown group"
run_cli 1 hostkeys enroll --limit 'zz*'
assert_contains "$ERR" "selects no host"

# a malformed known_hosts on main is an error naming the line, never a partial load
printf '%s\n%s\n' "$(git show main:known_hosts | head -1)" "[h]:1 ssh-ed25519 not-base64!" >known_hosts
git commit -qam "known_hosts: broken"
state=$(repo_state "$R")
run_cli 1 hostkeys list
assert_contains "$ERR" "known_hosts (main):2: key is not valid base64"
run_cli 1 hostkeys enroll --limit self
assert_contains "$ERR" ":2: key is not valid base64"
assert_eq "$(repo_state "$R")" "$state"

# Out of memory for the table of hosts is said, never a silent exit 1. Injected with the
# failmalloc shim: the enrolment's table of fetch slots (lib/scan/hostkeys.c) is the one
# calloc of 1001 elements for 1001 hosts (the inventory's own tables have 1002), whatever
# the size of a slot.
if [ -n "${CMDB_FAILMALLOC:-}" ]; then
	run_cli 0 init "$T/oom"
	{ echo 'hosts:'; for i in $(seq 1001); do echo "  h$i: {address: 127.0.0.1, port: 9}"; done; } >"$T/big.yaml"
	LD_PRELOAD=$CMDB_FAILMALLOC CMDB_FAIL_CALLOC_NMEMB=1001 run_cli 1 -C "$T/oom" hostkeys enroll --inventory "$T/big.yaml"
	assert_eq "$ERR" "gitcmdb: out of memory for 1001 hosts" "enroll says it ran out of memory"
else
	echo "skip: no failmalloc shim in this build (sanitizers)"
fi

# --inventory FILE instead of main's inventory; a bad inventory names file:line
printf 'hosts:\n  x: {address: -oProxyCommand=sh}\n' >"$T/bad.yaml"
run_cli 1 hostkeys enroll --inventory "$T/bad.yaml"
assert_contains "$ERR" "bad.yaml:2:"
fsck_clean "$R"
done_ok
