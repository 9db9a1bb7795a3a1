# become: sudo moves a socket from the host to its service. On the lab's `self` host a
# real listener on a free loopback port runs as another user (nobody); a fake
# `systemctl` (this machine has no service manager) names it as the main process of
# fakeweb.service. As the lab user, `ss -tunap` cannot name another user's process, so
# the listener stays on host/self; through `sudo -n` it can, and the listener becomes
# the service's. Only the service manager is faked (lib/private_ns.sh: the fake over
# /usr/local/sbin, /run/systemd/system on a private /run, the sudoers entry in a private
# /etc/sudoers.d, all in a mount namespace of this test); the sockets, their owners and
# sudo are real.
. "$(dirname "$0")/lib/private_ns.sh"
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
for c in sudo visudo setpriv ss mountpoint; do
	command -v "$c" >/dev/null 2>&1 || { echo "skip: $c is not installed"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "skip: no /usr/sbin/sshd"; exit 77; }
FAKE="$T/fake"
mkdir -p "$FAKE/sbin"
chmod 755 "$T" "$FAKE"
ns_fresh_run
mkdir -p /run/systemd/system
ns_sudoers # no entry: sudo -n is refused

. "$(dirname "$0")/lib/scan_lab.sh"
LISTENER=
trap '[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null || true; "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
LAB_USER=$(sed -n 's/^defaults: {user: \([^,]*\),.*/\1/p' "$LAB/inventory.yaml")
[ -n "$LAB_USER" ] || fail "no lab user in the inventory"

# The service's process: a listener on a free port below the ephemeral range, as nobody.
PORT=$("$PYTHON" - <<'EOF'
import os, socket
for p in list(range(25000 + os.getpid() % 5000, 30000)) + list(range(25000, 30000)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
EOF
)
[ -n "$PORT" ] || fail "no free loopback port"
setpriv --reuid=65534 --regid=65534 --clear-groups "$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
print("ready", flush=True)
time.sleep(3600)' "$PORT" >"$FAKE/listener.log" 2>&1 &
LISTENER=$!
for _ in $(seq 50); do grep -q ready "$FAKE/listener.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$FAKE/listener.log" || fail "listener did not start: $(cat "$FAKE/listener.log")"
[ "$(stat -c %u /proc/$LISTENER)" = 65534 ] || fail "the listener does not run as nobody"
ok

cat >"$FAKE/sbin/systemctl" <<EOF
#!/bin/sh
# fake systemctl (test only): one running unit whose main process is the listener.
case "\$1" in
list-units) echo "fakeweb.service loaded active running Fake web server" ;;
show)
	echo "Id=fakeweb.service"
	echo "ActiveState=active"
	echo "UnitFileState=enabled"
	echo "ExecStart={ path=$PYTHON ; argv[]=$PYTHON -c fakeweb ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }"
	echo "MainPID=$LISTENER"
	echo "FragmentPath=" ;;
*) echo "fake systemctl: unexpected: \$*" >&2; exit 1 ;;
esac
EOF
chmod 755 "$FAKE/sbin/systemctl"
ns_fake_sbin "$FAKE/sbin"

init_repo
sed -i 's/^  self: {\(.*\)}$/  self: {\1, become: sudo}/' "$REPO/inventory.yaml"
assert_contains "$(cat "$REPO/inventory.yaml")" "become: sudo" "inventory edited"
(cd "$REPO" && git commit -qam "self: become sudo")
EP="tcp:127.0.0.1:$PORT"
SVC="$REPO/service/self/fakeweb.yaml"
host_listening() { yq "$REPO/host/self.yaml" "[l for l in d['attributes'].get('sockets', {}).get('listening', []) if l == '$EP']"; }
svc_listen() { yq "$SVC" "d['attributes'].get('listen', [])"; }

# 1. sudo -n refused: collected as the lab user, the listener is the host's.
scan 0 --limit self --json
assert_contains "$(jq_ "$OUT" 'd["hosts"][0].get("warnings")')" "sudo -n refused" "collected as the user"
[ -f "$SVC" ] || fail "no service item for the fake unit: $(ls -R "$REPO/service" 2>&1)"
ok
assert_eq "$(host_listening)" "['$EP']" "without root: the socket is host-level"
assert_eq "$(svc_listen)" "[]" "without root: the service has no socket"

# 2. NOPASSWD for the lab user: ss names the owner, the listener moves to the service.
ns_sudoers "$LAB_USER ALL=(root) NOPASSWD: ALL"
scan 0 --limit self --json
assert_eq "$(jq_ "$OUT" 'd["hosts"][0].get("warnings") or []')" "[]" "collected as root"
assert_eq "$(svc_listen)" "['$EP']" "with root: the socket is the service's"
assert_eq "$(host_listening)" "[]" "with root: no longer host-level"
assert_contains "$(git -C "$REPO" show --stat HEAD)" "service/self/fakeweb.yaml" \
	"the move is one scan commit"
fsck_clean "$REPO"
done_ok
