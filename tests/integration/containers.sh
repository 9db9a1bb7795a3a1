# Containers end to end through a real scan of the lab's `self` host (this machine,
# reached over the lab's sshd as the lab user), with a fake `docker` CLI that replays
# recorded `docker ps` / `docker inspect` output (the real capture of
# tests/fixtures/collectors/containers, see PROVENANCE.tsv, with the published port
# moved to a free loopback port and secrets added to env, labels and command).
#
# The collector runs with a fixed PATH (/usr/local/sbin first) and looks for docker's
# socket, so the test runs in a private mount namespace (lib/private_ns.sh): a directory
# holding the fake `docker` is bound over /usr/local/sbin and a tmpfs over /run carries
# an empty socket at /run/docker.sock. Nothing outside the namespace sees either. The
# published port's "docker-proxy" is a real root-owned listener on 127.0.0.1 with one
# real established connection to it (the lab user's `ss -p` cannot name its process, as
# with a real docker-proxy).
. "$(dirname "$0")/lib/private_ns.sh"
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
[ -x /usr/sbin/sshd ] || { echo "skip: no /usr/sbin/sshd"; exit 77; }

FAKE="$T/fake"
mkdir -p "$FAKE/sbin"
chmod 755 "$T" "$FAKE" "$FAKE/sbin"
cat >"$FAKE/sbin/docker" <<EOF
#!/bin/sh
# fake docker CLI (test only): replays recorded output, logs its arguments.
echo "\$*" >>"$FAKE/calls"
case "\$1" in
ps) cat "$FAKE/ps" ;;
inspect) cat "$FAKE/inspect.json" ;;
*) echo "fake docker: unexpected: \$*" >&2; exit 1 ;;
esac
EOF
chmod 755 "$FAKE/sbin/docker"
: >"$FAKE/calls"
chmod 666 "$FAKE/calls"
ns_fake_sbin "$FAKE/sbin"
ns_fresh_run
"$PYTHON" -c 'import socket; socket.socket(socket.AF_UNIX).bind("/run/docker.sock")'
[ -S /run/docker.sock ] || fail "no fake docker socket"

. "$(dirname "$0")/lib/scan_lab.sh"
PROXY=
trap '[ -z "$PROXY" ] || kill "$PROXY" 2>/dev/null || true; "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT

# A free loopback port below the ephemeral range (the scan ignores unowned loopback
# listeners on ephemeral ports), held by a root-owned listener with one connection.
PORT=$("$PYTHON" - <<'EOF'
import os, socket
for p in list(range(20000 + os.getpid() % 5000, 25000)) + list(range(20000, 25000)):
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
"$PYTHON" - "$PORT" "$FAKE/proxy.ready" >"$FAKE/proxy.log" 2>&1 <<'EOF' &
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(4)
cli = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
conn, _ = srv.accept()
open(sys.argv[2], "w").close()
time.sleep(3600)
EOF
PROXY=$!
for _ in $(seq 50); do [ -f "$FAKE/proxy.ready" ] && break; sleep 0.1; done
[ -f "$FAKE/proxy.ready" ] || fail "listener did not start: $(cat "$FAKE/proxy.log")"

SECRET=Zq7-not-a-real-db-password-4401
# record [recreated]: the real capture with web's port on 127.0.0.1:PORT and secrets
# in env, labels and command; "recreated" gives web a new id, start time and PID.
record() {
	"$PYTHON" - "$CMDB_SOURCE_DIR/tests/fixtures/collectors/containers/derived__docker-inspect-published.txt" \
		"$PORT" "$SECRET" "${1:-}" "$FAKE" <<'EOF'
import json, sys
src, port, secret, recreated, fake = sys.argv[1:]
text = open(src).read()
if recreated:
    text = text.replace("1c0ffee" + "0" * 57, "5eed" * 16)
cs = json.loads(text)
web = [c for c in cs if c["Name"] == "/web"][0]
web["NetworkSettings"]["Ports"] = {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}],
                                   "443/tcp": None}
web["Config"]["Env"].append("DB_PASSWORD=" + secret)
web["Config"]["Labels"]["com.example.db-password"] = secret
web["Args"] = ["-g", "daemon off;", "--db-password=" + secret]
evil = json.loads(json.dumps(web))  # a path-hostile name: warned about, never an item
evil["Name"], evil["Id"] = "/../../etc", "e" * 64
cs.append(evil)
if recreated:
    web["Created"] = "2026-12-03T04:00:00.000000000Z"
    web["State"]["Pid"] = 424242
    web["State"]["StartedAt"] = "2026-12-03T04:00:01.123456789Z"
    web["Config"]["Hostname"] = "5eed5eed5eed"
with open(fake + "/inspect.json", "w") as f:
    json.dump(cs, f, indent=4)
with open(fake + "/ps", "w") as f:
    f.write("".join(c["Id"] + "\n" for c in cs))
EOF
	chmod 644 "$FAKE/inspect.json" "$FAKE/ps"
}
record

init_repo
WEB="$REPO/container/self/web.yaml"
attr() { yq "$WEB" "d['attributes'].get('$1')"; }

# 1. First scan: one item per container, with what the issue asks and nothing volatile.
scan 0 --limit self --json
assert_eq "$(jq_ "$OUT" '[h["status"] for h in d["hosts"]]')" "['ok']" "self scanned"
assert_contains "$(cat "$FAKE/calls")" "ps -aq --no-trunc" "the collector asked the fake docker"
assert_contains "$(cat "$FAKE/calls")" "inspect 97d7cd1a5d8f" "inspect of the listed ids"
[ -f "$WEB" ] || fail "no container/self/web item: $(ls -R "$REPO/container" 2>&1)"
[ -f "$REPO/container/self/hehe2.yaml" ] || fail "no container/self/hehe2 item"
ok
assert_eq "$(yq "$WEB" "d['type']")" "container" "type"
assert_eq "$(yq "$WEB" "d['relations']['runs_on']")" "['host/self']" "runs_on"
assert_eq "$(attr runtime)" "docker" "runtime"
assert_eq "$(attr image)" "nginx:1.25" "image"
assert_eq "$(attr image_id)" "sha256:$(printf "ab%.0s" $(seq 32))" "image id"
assert_eq "$(attr state)" "running" "state"
assert_eq "$(attr restart)" "always" "restart policy"
assert_eq "$(attr ports)" "['127.0.0.1:$PORT->80/tcp']" "published ports (443 is not published)"
assert_eq "$(attr mounts)" "['/srv/www:/usr/share/nginx/html']" "mounts, paths only"
assert_eq "$(attr listen)" "['tcp:127.0.0.1:$PORT']" "the published port is a listen endpoint"
assert_contains "$(attr command)" "nginx -g daemon off; --db-password=<redacted" "command, secret redacted"
assert_eq "$(yq "$WEB" "sorted(k for k in d['attributes'] if k != 'discovered_relations')")" \
	"['command', 'image', 'image_id', 'listen', 'mounts', 'ports', 'restart', 'runtime', 'state']" \
	"only stable attributes (no id, start time, PID, env or labels)"
assert_eq "$(yq "$REPO/container/self/hehe2.yaml" "d['attributes']['command']")" "/bin/bash" "hehe2 command"
assert_eq "$(cd "$REPO/container" && find . -type f | sort | tr '\n' ' ')" "./self/hehe2.yaml ./self/web.yaml " \
	"the path-hostile name is no item"
assert_contains "$OUT" "container with a name that cannot be an item id skipped" "hostile name warned"

# The host's listener on the port is the container's; the host's connection to it
# attaches to the container.
HOSTY="$REPO/host/self.yaml"
assert_eq "$(yq "$HOSTY" "[l for l in d['attributes'].get('sockets', {}).get('listening', []) if l.endswith(':$PORT')]")" \
	"[]" "the host no longer lists the published listener"
assert_contains "$(yq "$HOSTY" "d['relations'].get('connects_to')")" "container/self/web" \
	"a connection to the published port attaches to the container"

# Secrets in env, labels and command never reach the repository.
no_secret() {
	if (cd "$REPO" && git log -p --all | grep -q "$SECRET") || grep -rqa "$SECRET" "$REPO"; then
		fail "the container's secret reached the repository"
	fi
	ok
}
no_secret
fsck_clean "$REPO"

# 2. The container recreated under the same name (new id, start time, PID): no drift.
before=$(git -C "$REPO" rev-parse HEAD)
record recreated
: >"$FAKE/calls"
scan 0 --limit self --json
assert_contains "$(cat "$FAKE/calls")" "inspect 97d7cd1a5d8f" "second scan asked again"
assert_contains "$(cat "$FAKE/calls")" "5eed5eed" "second scan saw the recreated id"
assert_eq "$(git -C "$REPO" diff --stat "$before" HEAD -- container/)" "" \
	"no change to any container item"
assert_eq "$(git -C "$REPO" log --format=%s "$before"..HEAD -- container/)" "" \
	"no commit touches the containers"

# 3. A real change (the image) is a drift of that container only.
sed -i 's/"nginx:1.25"/"nginx:1.27"/' "$FAKE/inspect.json"
scan 0 --limit self --json
assert_eq "$(attr image)" "nginx:1.27" "image change recorded"
assert_eq "$(git -C "$REPO" diff --name-only HEAD~1 HEAD -- container/)" "container/self/web.yaml" \
	"only the changed container"

# 4. docker does not answer (ps fails): no container is removed, the scan says why.
printf '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n' >"$FAKE/sbin/docker"
before=$(git -C "$REPO" rev-parse HEAD)
scan 0 --limit self --json
assert_contains "$OUT$ERR" "docker ps failed" "the failure is reported"
assert_eq "$(git -C "$REPO" diff --stat "$before" HEAD -- container/)" "" "no container removed"
[ -f "$WEB" ] && [ -f "$REPO/container/self/hehe2.yaml" ] || fail "a container item went away"
ok
no_secret
fsck_clean "$REPO"
done_ok
