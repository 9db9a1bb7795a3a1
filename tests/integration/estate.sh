# The many-host lab (tests/lab/lab_many.py, as bench/estate.sh uses it at 10,000 hosts):
# 20 hosts from its one server process, enrolled and scanned; each host is distinct (its
# own item, name, machine-id, addresses, host key), a rescan changes nothing, a host
# whose known key is another host's is refused, and `stop` leaves no server behind.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
"$PYTHON" -c 'import asyncssh' 2>/dev/null || { echo "skip: no python3-asyncssh (make deps)"; exit 77; }
MANY="$CMDB_SOURCE_DIR/tests/lab/lab_many.py"
LAB="$T/many"
trap '"$PYTHON" "$MANY" stop "$LAB" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
N=20
"$PYTHON" "$MANY" start "$LAB" --hosts $N --watch $$ >"$T/lab.log" 2>&1 ||
	{ cat "$T/lab.log" >&2; fail "lab_many start"; }
server=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pids"]["server"])' "$LAB/lab.json")
kill -0 "$server" || fail "no server process"
ok
assert_eq "$(wc -l <"$LAB/known_hosts")" "$N" "lab known_hosts lines"
assert_eq "$(cut -d' ' -f3 "$LAB/known_hosts" | sort -u | wc -l)" "$N" "distinct lab host keys"
assert_eq "$(cut -d' ' -f1 "$LAB/known_hosts" | sort -u | wc -l)" "$N" "distinct host addresses"

R="$T/cmdb"
run_cli 0 init "$R"
cp "$LAB/inventory.yaml" "$R/inventory.yaml"
git -C "$R" add inventory.yaml && git -C "$R" commit -qm inventory
run_cli 0 -C "$R" hostkeys enroll --jobs 8
# every enrolled key is the lab's key for that address, and all differ
"$PYTHON" - "$R/known_hosts" "$LAB/known_hosts" "$N" <<'PY' || fail "enrolled keys"
import sys
def keys(p):
    return {tuple(l.split()[:3]) for l in open(p) if l.strip() and not l.startswith("#")}
got, lab, n = keys(sys.argv[1]), keys(sys.argv[2]), int(sys.argv[3])
assert got == lab, (sorted(got - lab), sorted(lab - got))
assert len({k[2] for k in got}) == n
PY
ok
# enroll commits known_hosts itself
assert_eq "$(git -C "$R" status --porcelain)" "" "work tree after enroll"

run_cli 0 -C "$R" scan --jobs 8 --json
"$PYTHON" - "$T/.out" "$N" <<'PY' || fail "first scan report: $OUT"
import json, sys
j, n = json.load(open(sys.argv[1])), int(sys.argv[2])
c = j["counts"]
assert (c["hosts"], c["ok"], c["failed"], c["unreachable"]) == (n, n, 0, 0), c
assert j["committed"] and not j.get("duplicates"), j.get("duplicates")
for h in j["hosts"]:
    assert h["status"] == "ok" and not h.get("warnings"), h
PY
ok
assert_eq "$(git -C "$R" ls-tree --name-only HEAD host/ | wc -l)" "$N" "host items"
# distinct facts: host name, machine-id, interface address per item
"$PYTHON" - "$R" "$N" <<'PY' || fail "distinct facts"
import glob, sys, yaml
d, n = sys.argv[1], int(sys.argv[2])
names, ids, addrs, pkgs = set(), set(), set(), set()
for p in glob.glob(d + "/host/*.yaml"):
    y = yaml.safe_load(open(p))
    a = y["attributes"]
    names.add(y["name"])
    ids.add(str(a.get("identity", {}).get("machine_id") or a.get("machine_id")))
    addrs.add(str(a.get("network")))
    pkgs.add(str(a.get("packages")))
assert len(names) == n, names
assert len(ids) == n, ids
assert len(addrs) == n, "network facts repeat"
assert len(pkgs) == n, "package facts repeat"
PY
ok
fsck_clean "$R"
head=$(git -C "$R" rev-parse HEAD)
run_cli 0 -C "$R" scan --jobs 8 --json
assert_contains "$OUT" '"changed": 0' "rescan of the same estate"
assert_eq "$(git -C "$R" diff --stat "$head" HEAD -- host/ | wc -l)" 0 "host items after rescan"

# host 1's known key replaced by host 2's: host 1 is refused, the others still scan
"$PYTHON" - "$R/known_hosts" "$T/wrong_known_hosts" <<'PY'
import sys
ls = [l for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
ls.sort()
a, b = ls[0].split(), ls[1].split()
ls[0] = " ".join([a[0], b[1], b[2]]) + "\n"
open(sys.argv[2], "w").write("".join(ls))
PY
run_cli 1 -C "$R" scan --jobs 8 --json --known-hosts "$T/wrong_known_hosts"
"$PYTHON" - "$T/.out" "$N" <<'PY' || fail "scan with a wrong key: $OUT"
import json, sys
j, n = json.load(open(sys.argv[1])), int(sys.argv[2])
bad = [h for h in j["hosts"] if h["status"] != "ok"]
assert len(bad) == 1 and "key" in bad[0].get("error", "").lower(), bad
assert j["counts"]["ok"] == n - 1, j["counts"]
PY
ok

"$PYTHON" "$MANY" stop "$LAB"
for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server" 2>/dev/null && fail "server $server still runs after stop"
ok
[ ! -e "$LAB/lab.json" ] || fail "lab.json left after stop"
ok
done_ok
