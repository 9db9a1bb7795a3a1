# gitcmdb scan when things go wrong: every fault persona gets its own status and
# leaves other hosts and earlier data alone; identity warnings; hosts that left the
# inventory; settings; bare repositories; usage errors.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
# No `self` here. hang, tarpit, drip and chatter cost the whole deadline; huge must get
# its 64 MiB across within it, all phases included, even under ASan on a loaded machine.
SCAN_TIMEOUT=12
init_repo
cd "$REPO"
scan 0 --limit '@canned'
GOOD=$(git rev-parse HEAD)

# --- the whole lab: faults fail alone, each with its own status ---------------
# (not self: the real collectors may need more than the 5 s deadline on a busy machine)
scan 1 --limit '@canned,@faults' --json
REPORT=$OUT
status() { jq_ "$REPORT" "[h['status'] for h in d['hosts'] if h['name'] == '$1'][0]"; }
assert_eq "$(status refused)" unreachable
assert_eq "$(status tarpit)" timeout
assert_eq "$(status hang)" timeout
assert_eq "$(status hostkey)" hostkey
assert_eq "$(status huge)" toobig
assert_eq "$(status garbage)" incomplete
assert_eq "$(status midclose)" error
assert_eq "$(status noexit)" error
assert_eq "$(status flood)" unreachable
assert_eq "$(status drip)" timeout
assert_eq "$(status chatter)" timeout
for h in web01 app01 db01 rocky9 alpine319 evil; do assert_eq "$(status $h)" ok "$h status"; done
assert_contains "$(jq_ "$REPORT" "[h['error'] for h in d['hosts'] if h['name'] == 'hostkey'][0]")" "known_hosts"
assert_eq "$(jq_ "$REPORT" 'd["counts"]["unreachable"], d["counts"]["failed"]')" "(2, 9)"
MSG=$(git log -1 --format=%B)
assert_contains "$MSG" ", 2 unreachable, 9 failed"
assert_contains "$MSG" "unreachable: host/refused (gitcmdb-lab@127.0.0.1:"
assert_contains "$MSG" "timeout: host/hang ("
assert_contains "$MSG" "toobig: host/huge ("
assert_contains "$MSG" "incomplete: host/garbage (incomplete output"
assert_contains "$MSG" "duplicate identity: host/web01, host/web01-drift (same machine-id "
for h in refused tarpit hang hostkey huge garbage midclose noexit flood drip chatter; do
	[ ! -e "host/$h.yaml" ] && [ ! -e "service/$h" ] && [ ! -e "file/$h" ] || fail "files for failed host $h"
	ok
done
# The canned hosts were unchanged.
assert_eq "$(git diff --name-only "$GOOD" HEAD)" "" "ok hosts untouched"
fsck_clean "$REPO"

# --- a host that fails keeps its files exactly as they were --------------------
BLOB=$(git rev-parse HEAD:host/web01.yaml)
head -n 40 "$CMDB_SOURCE_DIR/tests/lab/personas/web01.out" >"$LAB/personas/web01.out"
scan 1 --limit web01,db01
assert_eq "$(git rev-parse HEAD:host/web01.yaml)" "$BLOB" "failed host's item untouched"
assert_eq "$(git show --format= --name-only HEAD)" "" "the failure commit touches no file"
assert_contains "$(git log -1 --format=%B)" "incomplete: host/web01 (incomplete output"
assert_contains "$(git log -1 --format=%s)" "scan: 2 hosts, 0 changed, 1 failed"
assert_eq "$(git status --porcelain)" ""

# --- a reinstalled machine under the same name -------------------------------
cp "$CMDB_SOURCE_DIR/tests/lab/personas/rocky9.out" "$LAB/personas/web01.out"
scan 0 --limit web01 --json
assert_contains "$(git log -1 --format=%B)" "identity changed: host/web01 (machine-id, DMI uuid, MACs changed: reinstalled or replaced?)"
assert_eq "$(jq_ "$OUT" 'd["identity_changed"][0]["host"]')" host/web01
cp "$CMDB_SOURCE_DIR/tests/lab/personas/web01.out" "$LAB/personas/web01.out"
scan 0 --limit web01

# --- a host dropped from the inventory: kept, or pruned with --prune ----------
"$PYTHON" - inventory.yaml "$T/inventory-no-db01.yaml" <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
del inv["hosts"]["db01"]
for g in inv["groups"].values():
    if "db01" in g:
        g.remove("db01")
yaml.safe_dump(inv, open(sys.argv[2], "w"))
PY
scan 0 --inventory "$T/inventory-no-db01.yaml" --limit web01
assert_contains "$(git log -1 --format=%B)" "not in inventory: host/db01 (kept; scan --prune removes it)"
[ -e host/db01.yaml ] && [ -e service/db01/postgresql.yaml ] || fail "db01 removed without --prune"
ok
scan 0 --inventory "$T/inventory-no-db01.yaml" --limit web01 --prune
assert_contains "$(git log -1 --format=%B)" "pruned: host/db01"
assert_contains "$(git log -1 --format=%B)" "changed: service/db01/postgresql (removed)"
[ ! -e host/db01.yaml ] && [ ! -e service/db01 ] && [ ! -e file/db01 ] || fail "db01 not pruned"
ok
assert_eq "$(git ls-tree -r --name-only HEAD | grep -c db01 || true)" 0 "nothing of db01 left"

# --- settings: no commit for an unchanged scan when asked ---------------------
"$PYTHON" - gitcmdb.yaml <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("record_unchanged_scans: true", "record_unchanged_scans: false")
open(p, "w").write(s)
PY
git commit -qam "do not record unchanged scans"
BEFORE=$(git rev-parse HEAD)
scan 0 --limit web01
assert_eq "$(git rev-parse HEAD)" "$BEFORE" "no commit for an unchanged scan"
assert_contains "$OUT" "no commit"

# --- usage errors: exit 2, nothing written ------------------------------------
STATE=$(repo_state "$REPO")
run_cli 2 -C "$REPO" scan --jobs 0
assert_contains "$ERR" "--jobs"
run_cli 2 -C "$REPO" scan --timeout soon
run_cli 2 -C "$REPO" scan --bogus
run_cli 2 -C "$REPO" scan extra-arg
run_cli 1 -C "$REPO" scan --limit 'no-such-host*'
run_cli 1 -C "$REPO" scan --inventory "$T/missing.yaml"
assert_eq "$(repo_state "$REPO")" "$STATE" "usage errors wrote nothing"

# --- no enrolled host keys: refused per host, with what to do -----------------
REPO2="$T/repo2"
run_cli 0 init "$REPO2"
cp "$LAB/inventory.yaml" "$REPO2/"
(cd "$REPO2" && git add inventory.yaml && git commit -qm inventory)
run_cli 1 -C "$REPO2" scan --limit web01 --json
assert_eq "$(jq_ "$OUT" 'd["hosts"][0]["status"]')" hostkey
assert_contains "$(jq_ "$OUT" 'd["hosts"][0]["error"]')" "hostkeys enroll"

# --- a bare repository, inputs given on the command line ----------------------
BARE="$T/bare.git"
run_cli 0 init --bare "$BARE"
run_cli 0 -C "$BARE" scan --jobs 1 --limit web01,app01 --inventory "$LAB/inventory.yaml" \
	--known-hosts "$LAB/known_hosts"
assert_contains "$(git --git-dir="$BARE" log -1 --format=%s)" "scan: 2 hosts, 2 changed"
assert_eq "$(git --git-dir="$BARE" show HEAD:service/web01/nginx.yaml | grep -c '^type: service')" 1
fsck_clean "$BARE"

done_ok
