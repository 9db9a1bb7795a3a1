# tests/lab/lab.sh stop kills the lab's own processes and nothing else: a recorded pid
# whose process has ended may since belong to anyone, so each pid is checked against the
# start time recorded with it before any signal.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
[ "$(id -u)" = 0 ] || { echo "skip: the sshd lab needs root"; exit 77; }
LAB_SH="$CMDB_SOURCE_DIR/tests/lab/lab.sh"
LAB="$T/lab"
chmod 755 "$T"
# Stand-ins for unrelated processes that reused recorded pids; killed by this test's trap.
sleep 300 &
bystander1=$!
sleep 300 &
bystander2=$!
sleep 300 &
bystander3=$!
trap 'kill $bystander1 $bystander2 $bystander3 ${client:-} 2>/dev/null; "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
"$LAB_SH" start "$LAB" --watch $$ >"$T/lab.log" 2>&1 || { cat "$T/lab.log" >&2; fail "lab start"; }
eval "$("$LAB_SH" env "$LAB")"
alive() { kill -0 "$1" 2>/dev/null; }
starttime() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

# A real persona session records itself; then pids that are not the lab's any more:
# one with another start time, one in the old format (no start time at all), and one
# in lab.json under a name the lab never started.
ssh_hang() {
	ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$LAB_KNOWN_HOSTS" \
		-i "$LAB_KEY" -p "$LAB_PORT_HANG" "$LAB_USER@127.0.0.1" true >/dev/null 2>&1 &
	client=$!
}
client=
ssh_hang
for _ in $(seq 100); do [ -s "$LAB/run/pids" ] && break; sleep 0.1; done
[ -s "$LAB/run/pids" ] || fail "the hang persona never recorded its pid"
ok
read -r persona _ <"$LAB/run/pids"
alive "$persona" || fail "persona process $persona not running"
ok
echo "$bystander1 $(($(starttime "$bystander1") + 1))" >>"$LAB/run/pids"
echo "$bystander2" >>"$LAB/run/pids"
"$PYTHON" - "$LAB/lab.json" "$bystander3" <<'PY'
import json, sys
p, pid = sys.argv[1], int(sys.argv[2])
s = json.load(open(p))
s["pids"]["stranger"] = pid
s["started"]["stranger"] = 1
json.dump(s, open(p, "w"))
PY
sshd_pid=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pids"]["sshd0"])' "$LAB/lab.json")
flood_pid=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pids"]["flood"])' "$LAB/lab.json")

"$LAB_SH" stop "$LAB"
for _ in $(seq 50); do alive "$sshd_pid" || alive "$persona" || alive "$flood_pid" || break; sleep 0.1; done
alive "$sshd_pid" && fail "the lab's sshd $sshd_pid survived stop"
alive "$persona" && fail "the persona process $persona survived stop"
alive "$flood_pid" && fail "the flood server $flood_pid survived stop"
ok
for p in "$bystander1" "$bystander2" "$bystander3"; do
	alive "$p" || fail "lab stop killed $p, which was not a lab process"
	ok
done
[ ! -e "$LAB/lab.json" ] || fail "lab.json left behind"
ok

# A lab recorded by an older lab.py (no start times): its processes are still found, by
# their command line naming the lab's directory; the bystanders still are not touched.
LAB="$T/lab2"
"$LAB_SH" start "$LAB" --watch $$ >"$T/lab2.log" 2>&1 || { cat "$T/lab2.log" >&2; fail "lab start"; }
"$PYTHON" - "$LAB/lab.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
del s["started"]
json.dump(s, open(sys.argv[1], "w"))
PY
echo "$bystander1" >"$LAB/run/pids"
pids=$("$PYTHON" -c 'import json, sys; print(" ".join(str(p) for p in json.load(open(sys.argv[1]))["pids"].values()))' "$LAB/lab.json")
"$LAB_SH" stop "$LAB"
for p in $pids; do
	for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
	alive "$p" && fail "lab process $p (recorded without a start time) survived stop"
	ok
done
alive "$bystander1" || fail "lab stop killed $bystander1, which was not a lab process"
ok
done_ok
