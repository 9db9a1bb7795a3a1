# Hostile servers and hosts against `gitcmdb scan` and `gitcmdb hostkeys enroll`: each ends
# by its deadline (asserted as deadline + 10 s, for a loaded machine; the time measured is
# printed), a flood of package lines stays within 10x its size in memory and names the limit
# it hit, no temporary known_hosts is ever written, and an encrypted identity file works
# with passphrase_env.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo
cd "$REPO"
eval "$("$LAB_SH" env "$LAB")"

now() { date +%s.%N; }
# within START LIMIT WHAT: the time since START is under LIMIT seconds (and is printed).
within() {
	local took
	took=$("$PYTHON" -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)")
	echo "# $3: $took s (bound $2 s)"
	"$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$took" "$2" ||
		fail "$3 took $took s, over $2 s"
	ok
}
jq_() { "$PYTHON" -c 'import sys, json; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
host_field() { jq_ "$OUT" "[h.get('$2', '') for h in d['hosts'] if h['name'] == '$1'][0]"; }

# --- each hostile server alone, then all at once: scan --timeout 5 ------------
# flood: endless lines before any SSH banner (libssh2 reads them for ever on its own);
# drip: a byte a second; chatter: a banner, then SSH_MSG_IGNORE for ever; tarpit, hang.
for h in flood drip chatter tarpit hang; do
	t0=$(now)
	run_cli 1 scan --limit "$h" --timeout 5 --json
	within "$t0" 15 "scan --timeout 5 against $h ($(host_field "$h" status))"
done
run_cli 1 scan --limit flood --timeout 5 --json
assert_eq "$(host_field flood status)" unreachable
assert_contains "$(host_field flood error)" "without an SSH version line"
t0=$(now)
run_cli 1 scan --limit 'flood,drip,chatter,tarpit,hang' --timeout 5 --jobs 5 --json
within "$t0" 15 "scan --timeout 5 against all five at once"
assert_eq "$(host_field drip status),$(host_field chatter status),$(host_field hang status)" \
	timeout,timeout,timeout
assert_contains "$(host_field drip error)" "the host's 5000 ms deadline passed"

# --- hostkeys enroll: the same handshake, the same deadline --------------------
t0=$(now)
run_cli 1 hostkeys enroll --limit 'flood,drip,chatter,tarpit' --timeout 5 --jobs 4
within "$t0" 15 "hostkeys enroll --timeout 5 against flood, drip, chatter, tarpit"
assert_contains "$ERR" "host/flood: "
assert_contains "$ERR" "without an SSH version line"
assert_contains "$ERR" "host/drip: "
assert_contains "$ERR" "deadline passed"
for h in flood drip chatter tarpit; do
	t0=$(now)
	run_cli 1 hostkeys enroll --limit "$h" --timeout 3
	within "$t0" 13 "hostkeys enroll --timeout 3 against $h"
done

# --- 33 MB of package lines: bounded memory, the real limit named -------------
# Peak RSS of the scanner (getrusage of the child) over the bytes the host sent.
rss_kb() {
	"$PYTHON" - "$@" <<'PY'
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    rc = subprocess.call(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
t0=$(now)
read -r rc kb < <(rss_kb "$T/pkgflood.json" "$GITCMDB" scan --limit pkgflood --timeout 60 --json)
within "$t0" 70 "scan of 33 MB of package lines"
OUT=$(cat "$T/pkgflood.json")
assert_eq "$rc" 1
assert_eq "$(host_field pkgflood status)" toobig
assert_contains "$(host_field pkgflood error)" "more than 4194304 bytes of facts, the limit per host (facts_max_bytes"
assert_contains "$(host_field pkgflood error)" "in section packages"
limit_kb=$((33000000 * 10 / 1024))
echo "# peak RSS for 33 MB of package lines: $((kb / 1024)) MiB (bound 10x: $((limit_kb / 1024)) MiB)"
[ "$kb" -lt "$limit_kb" ] || fail "peak RSS $kb KiB over 10x the output ($limit_kb KiB)"
ok

# --- known_hosts is parsed in memory: no temporary file, even for a killed scan --
mkdir "$T/tmpdir"
sessions() { { cat "$LAB/run/pids" 2>/dev/null || true; } | wc -l; }
before=$(sessions)
TMPDIR="$T/tmpdir" "$GITCMDB" scan --limit hang --timeout 60 >/dev/null 2>&1 &
scan_pid=$!
# wait until the scan holds its SSH session (each persona process records its pid)
for _ in $(seq 200); do [ "$(sessions)" -gt "$before" ] && break; sleep 0.1; done
[ "$(sessions)" -gt "$before" ] || fail "the scan never reached the hang persona"
assert_eq "$(ls -A "$T/tmpdir")" "" "temporary files during a scan"
kill -9 "$scan_pid"
wait "$scan_pid" 2>/dev/null || true
assert_eq "$(ls -A "$T/tmpdir")" "" "temporary files after a killed scan"
export TMPDIR="$T/tmpdir"
run_cli 0 scan --limit web01 --timeout 60
unset TMPDIR
assert_eq "$(ls -A "$T/tmpdir")" "" "temporary files after a scan"

# --- an encrypted identity file, its passphrase from the variable passphrase_env names --
ssh-keygen -q -t ed25519 -N 'correct horse' -C enc -f "$T/enc_key"
cat "$T/enc_key.pub" >>"$LAB/authorized_keys"
"$PYTHON" - "$LAB/inventory.yaml" "$T/enc-inventory.yaml" "$T/enc_key" <<'PY'
import sys, yaml
inv = yaml.safe_load(open(sys.argv[1]))
web01 = dict(inv["hosts"]["web01"], identity_file=sys.argv[3], passphrase_env="CMDB_TEST_KEY_PASS")
yaml.safe_dump({"defaults": {"user": inv["defaults"]["user"]}, "hosts": {"web01": web01}},
               open(sys.argv[2], "w"))
PY
export CMDB_TEST_KEY_PASS='correct horse'
run_cli 0 scan --inventory "$T/enc-inventory.yaml" --timeout 60 --json
assert_eq "$(host_field web01 status)" ok
unset CMDB_TEST_KEY_PASS
run_cli 1 scan --inventory "$T/enc-inventory.yaml" --timeout 60 --json
assert_eq "$(host_field web01 status)" auth
assert_contains "$(host_field web01 error)" "the passphrase variable CMDB_TEST_KEY_PASS is not set"
export CMDB_TEST_KEY_PASS=wrong
run_cli 1 scan --inventory "$T/enc-inventory.yaml" --timeout 60 --json
assert_contains "$(host_field web01 error)" "wrong passphrase"
unset CMDB_TEST_KEY_PASS

# --- a malformed known_hosts on main stops the scan before any host, naming the line --
lines=$(wc -l <known_hosts)
printf '[h]:1 ssh-ed25519 not-base64!\n' >>known_hosts
git commit -qam "known_hosts: a broken line"
head=$(git rev-parse HEAD)
run_cli 1 scan --limit web01 --timeout 60
assert_contains "$ERR" "known_hosts (main):$((lines + 1)): key is not valid base64"
assert_eq "$(git rev-parse HEAD)" "$head" "no scan commit"
fsck_clean "$REPO"
done_ok
