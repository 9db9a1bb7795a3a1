#!/usr/bin/python3
"""gitcmdb SSH test lab: real OpenSSH sshd processes on 127.0.0.1 serving personas.

  lab.py start DIR [--user U] [--copies N] [--personas D] [--watch PID]
  lab.py stop DIR
  lab.py env DIR          (shell assignments: LAB_DIR, LAB_USER, LAB_KEY, LAB_PORT_<P>...)

DIR receives: sshd configs and logs, host keys, the client key (client_ed25519),
inventory.yaml, known_hosts (for every served host) and lab.json (ports by persona).
One sshd listens on many ports; a ForceCommand picks the persona by local port
(sshd allows 16 listen sockets per process, so ports are split over a few sshds).
Only processes the lab started are stopped: each pid is recorded with its start time
(/proc/PID/stat), and a pid whose process started at another time (the pid was reused
by an unrelated process after ours ended) is left alone.
"""
import json
import os
import pwd
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

SSHD = "/usr/sbin/sshd"
HERE = os.path.dirname(os.path.abspath(__file__))
FAULTS = ["hang", "midclose", "garbage", "huge", "noexit"]
# Served like the faults but left out of the `faults` group: 33 MB a scan is for the tests
# that want it, with a deadline long enough for the bytes to arrive.
HEAVY = ["pkgflood"]
# Hostile servers that are not sshd: they speak (or not) before any SSH banner.
RAW = ["tarpit", "flood", "drip", "chatter"]
# pkgflood: a collector output with this many bytes of dpkg package lines.
PKGFLOOD_BYTES = 33000000
MAX_PORTS_PER_SSHD = 15
# Jump hosts (sshd with direct-tcpip to 127.0.0.1 allowed, no ForceCommand): in lab.json
# ports only, not in the lab's inventory or known_hosts (the jump tests add them).
JUMPS = ["jump", "jump2"]

# The ForceCommand: runs as the lab user; persona by local port (4th SSH_CONNECTION field).
PERSONA_SH = r"""#!/bin/sh
LAB=%(dir)s
port=${SSH_CONNECTION##* }
persona=$(awk -v p="$port" '$1 == p { print $2 }' "$LAB/persona.map")
# The pid with its start time, so `stop` never kills a later process that reuses the pid.
echo "$$ $(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f20)" >>"$LAB/run/pids" 2>/dev/null
case "$persona" in
hang) exec sleep 3600 ;;
pkgflood)
	# A collector's output whose packages section is %(pkgflood)d bytes of dpkg lines.
	echo '@@gitcmdb-collect 1@@'; echo '@@gitcmdb-begin packages@@'; echo '%%%% dpkg'
	awk -v max=%(pkgflood)d 'BEGIN { while (n < max) {
		l = sprintf("ii \tpkg-%%07d\t1.%%d.%%d-1\tamd64", i, i %% 97, i %% 13); i++
		print l; n += length(l) + 1 } }'
	echo '@@gitcmdb-end packages 0@@'; echo '@@gitcmdb-done@@' ;;
midclose) printf 'first half of the output\n'; kill -9 0 ;;
garbage) exec head -c 65536 /dev/urandom ;;
huge) exec head -c 104857600 /dev/zero ;;
noexit)
	printf 'some output\n'
	# Kill this session's sshd so the channel ends with no exit status.
	pid=$$
	while [ "$pid" -gt 1 ]; do
		pid=$(awk '{ print $4 }' "/proc/$pid/stat")
		case "$(cat /proc/$pid/comm)" in sshd*) kill -9 "$pid"; exit 0 ;; esac
	done
	exit 0 ;;
"") echo "lab: no persona for port $port" >&2; exit 97 ;;
*) exec cat "$LAB/personas/$persona.out" ;;
esac
"""


def die(msg):
    sys.stderr.write("lab: %s\n" % msg)
    sys.exit(1)


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, **kw)


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def free_port6():
    """A free port on ::1, or 0 when this machine has no IPv6 loopback."""
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        port = s.getsockname()[1]
        s.close()
        return port
    except OSError:
        return 0


def ensure_user(user):
    try:
        pwd.getpwnam(user)
    except KeyError:
        sh("useradd", "--system", "--no-create-home", "--home-dir", "/", "--shell", "/bin/sh", user)
    # With UsePAM no, sshd refuses a locked ("!") password field; "*" is no password but unlocked.
    with open("/etc/shadow") as f:
        for line in f:
            fields = line.split(":")
            if fields[0] == user and fields[1].startswith("!"):
                sh("usermod", "-p", "*", user)


def keygen(path, comment):
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def sshd_config(d, name, ports, hostkey, user, forced_ports, v6port=0, jump=False):
    lines = ["ListenAddress 127.0.0.1:%d" % p for p in ports]
    if v6port:  # the IPv6 loopback only: the lab never listens beyond this machine
        lines.append("ListenAddress [::1]:%d" % v6port)
    lines += [
        "HostKey %s" % hostkey,
        "PidFile %s/run/%s.pid" % (d, name),
        "AuthorizedKeysFile %s/authorized_keys" % d,
        "StrictModes no", "UsePAM no", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
        "AllowUsers %s" % user, "MaxStartups 1000:30:1000", "MaxSessions 100",
        "MaxAuthTries 20", "LoginGraceTime 30", "UseDNS no", "PermitRootLogin no",
        "PrintMotd no", "Banner none", "AcceptEnv none", "X11Forwarding no",
        # a jump host forwards to loopback ports only (direct-tcpip channels)
        "AllowTcpForwarding %s" % ("local" if jump else "no"),
        "PermitOpen %s" % ("127.0.0.1:*" if jump else "none"),
        "AllowAgentForwarding no", "PermitTTY no",
        # OpenSSH defaults otherwise: ssh-rsa (SHA-1) signatures are refused, as on
        # any OpenSSH >= 8.8 host, which the RSA diagnostic test relies on.
        "LogLevel ERROR",
    ]
    for p in forced_ports:  # Match LocalPort takes one port
        lines.append("Match LocalPort %d" % p)
        lines.append("\tForceCommand %s/persona.sh" % d)
    path = "%s/%s.conf" % (d, name)
    write(path, "\n".join(lines) + "\n")
    return path


def start_sshd(d, name, conf):
    log = open("%s/%s.log" % (d, name), "ab")
    p = subprocess.Popen([SSHD, "-D", "-e", "-f", conf], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    return p.pid


def wait_listening(ports, pids, timeout=10.0):
    end = time.time() + timeout
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                for pid in pids:
                    if not alive(pid):
                        return False
                if time.time() > end:
                    return False
                time.sleep(0.05)
    return True


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of ours counts as dead
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def start_time(pid):
    """The start time of process pid (clock ticks after boot, /proc/PID/stat field 22), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


FLOOD_LINE = b"this is not an SSH server, and it never stops saying so\r\n" * 1024


def ignore_packets():
    """Plaintext SSH_MSG_IGNORE packets (RFC 4253 §6, before any key exchange): what a
    server may send at any time, and what libssh2 reads in a loop while they keep coming."""
    payload = b"\x02" + struct.pack(">I", 1000) + b"x" * 1000
    pad = 8 - (5 + len(payload)) % 8
    pad += 8 if pad < 4 else 0
    return (struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad) * 64


CHATTER = ignore_packets()


def raw_server(port, mode):
    """A forked daemon on port: tarpit (accepts, never speaks), flood (endless lines
    before any SSH banner, as fast as the client reads), drip (a byte a second, never a
    banner), chatter (a valid banner, then endless SSH_MSG_IGNORE packets, never a key
    exchange). One process serves every connection (selectors), so a scan's parallel
    connections all get the same treatment; a client that leaves is dropped."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    pid = os.fork()
    if pid:
        s.close()
        return pid
    os.setsid()
    detach_stdio()
    try:
        serve(s, mode)
    finally:
        os._exit(0)


def serve(s, mode):
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    held = []
    next_drip = time.monotonic() + 1.0
    while True:
        wait = max(0.0, next_drip - time.monotonic()) if mode == "drip" else None
        events = sel.select(timeout=wait)
        for key, _ in events:
            if key.fileobj is s:
                c, _ = s.accept()
                c.setblocking(False)
                held.append(c)
                if len(held) > 1000:
                    drop(sel, held, held[0])
                if mode == "chatter":
                    try:
                        c.send(b"SSH-2.0-OpenSSH_9.2p1 chatter\r\n")
                    except OSError:
                        pass
                if mode in ("flood", "chatter"):
                    sel.register(c, selectors.EVENT_WRITE)
            else:
                try:
                    key.fileobj.send(FLOOD_LINE if mode == "flood" else CHATTER)
                except BlockingIOError:
                    pass
                except OSError:
                    drop(sel, held, key.fileobj)
        if mode == "drip" and time.monotonic() >= next_drip:
            next_drip += 1.0
            for c in list(held):
                try:
                    c.send(b"x")
                except BlockingIOError:
                    pass
                except OSError:
                    drop(sel, held, c)


def drop(sel, held, c):
    try:
        sel.unregister(c)
    except (KeyError, ValueError):
        pass
    held.remove(c)
    c.close()


def detach_stdio():
    """A daemon child must not hold the caller's pipes open (e.g. $(lab.sh start ...))."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def watchdog(d, watch):
    """Stop the lab when process `watch` dies (a crashed test must not leak sshd)."""
    pid = os.fork()
    if pid:
        return pid
    os.setsid()
    detach_stdio()
    while alive(watch) and os.path.exists("%s/lab.json" % d):
        time.sleep(0.5)
    if os.path.exists("%s/lab.json" % d):
        stop(d, from_watchdog=True)
    os._exit(0)


def host_entry(name, port, user, key):
    return "  %s: {address: 127.0.0.1, port: %d, user: %s, identity_file: %s}\n" % (
        name, port, user, key)


def read_logs(d):
    out = ""
    for f in sorted(os.listdir(d)):
        if f.startswith("sshd") and f.endswith(".log"):
            with open(os.path.join(d, f), errors="replace") as log:
                out += log.read()
    return out


def kill_all(pids):
    """Kill processes this run of lab.py just forked (its own children: no pid reuse)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def launch(d, user, served):
    """Start the sshds and the tarpit on fresh ports: (ports, pids, v6 port), or None (all killed)."""
    for f in os.listdir(d):
        if f.startswith("sshd") and f.endswith(".log"):
            os.unlink(os.path.join(d, f))
    ports = free_ports(len(served) + 2 + len(RAW) + len(JUMPS))
    port_of = dict(zip(served + ["hostkey", "refused"] + RAW + JUMPS, ports))
    write("%s/persona.map" % d, "".join("%d %s\n" % (port_of[p], p) for p in served if p != "self"))
    v6 = free_port6()
    if v6:
        port_of["self6"] = v6
    pids = {}
    chunks = [served[i:i + MAX_PORTS_PER_SSHD] for i in range(0, len(served), MAX_PORTS_PER_SSHD)]
    for i, chunk in enumerate(chunks):
        cp = [port_of[p] for p in chunk]
        forced = [port_of[p] for p in chunk if p != "self"]
        conf = sshd_config(d, "sshd%d" % i, cp, "%s/hostkey_ed25519" % d, user, forced,
                           v6 if i == 0 else 0)
        pids["sshd%d" % i] = start_sshd(d, "sshd%d" % i, conf)
    conf = sshd_config(d, "sshd-hostkey", [port_of["hostkey"]], "%s/hostkey2_ed25519" % d, user, [])
    pids["sshd-hostkey"] = start_sshd(d, "sshd-hostkey", conf)
    conf = sshd_config(d, "sshd-jump", [port_of[p] for p in JUMPS], "%s/hostkey_ed25519" % d, user,
                       [], jump=True)
    pids["sshd-jump"] = start_sshd(d, "sshd-jump", conf)
    try:
        for mode in RAW:
            pids[mode] = raw_server(port_of[mode], mode)
    except OSError:
        kill_all(pids.values())
        return None
    listen = [port_of[p] for p in served + ["hostkey"] + JUMPS]
    up = wait_listening(listen, [pids[k] for k in pids if k.startswith("sshd")])
    # sshd keeps going when one of its ports is taken: its log says so
    if not up or "Bind to port" in read_logs(d) or "Cannot bind" in read_logs(d):
        kill_all(pids.values())
        return None
    return port_of, pids, v6


def start(d, user, copies, personas_dir, watch):
    d = os.path.abspath(d)
    if os.path.exists("%s/lab.json" % d):
        die("a lab already runs in %s (stop it first)" % d)
    os.makedirs("%s/run" % d, exist_ok=True)
    os.makedirs("%s/personas" % d, exist_ok=True)
    os.chmod(d, 0o755)
    os.chmod("%s/run" % d, 0o1777)
    ensure_user(user)
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", 0o755, exist_ok=True)
    canned = []
    reserved = FAULTS + HEAVY + RAW + ["self", "self6", "hostkey", "refused"]
    if os.path.isdir(personas_dir):
        for f in sorted(os.listdir(personas_dir)):
            name = f[:-4]
            # a persona is also a host name and a port map key
            if (f.endswith(".out") and name and name[0].isalnum() and name not in reserved
                    and all(c.isalnum() or c in "._-" for c in name)):
                canned.append(name)
                with open(os.path.join(personas_dir, f), "rb") as src:
                    data = src.read()
                with open("%s/personas/%s" % (d, f), "wb") as dst:
                    dst.write(data)
                os.chmod("%s/personas/%s" % (d, f), 0o644)
    for k, c in (("hostkey_ed25519", "lab-host"), ("hostkey2_ed25519", "lab-host-other"),
                 ("client_ed25519", "lab-client")):
        if not os.path.exists("%s/%s" % (d, k)):
            keygen("%s/%s" % (d, k), c)
    os.chmod("%s/client_ed25519" % d, 0o600)
    with open("%s/client_ed25519.pub" % d) as f:
        write("%s/authorized_keys" % d, f.read())
    write("%s/persona.sh" % d, PERSONA_SH % {"dir": d, "pkgflood": PKGFLOOD_BYTES}, 0o755)

    served = ["self"] + canned + FAULTS + HEAVY
    for attempt in range(5):  # another process may grab a port we picked: pick again
        launched = launch(d, user, served)
        if launched:
            break
    else:
        die("sshd did not come up after 5 attempts:\n" + read_logs(d))
    port_of, pids, v6 = launched
    state = {"dir": d, "user": user, "key": "%s/client_ed25519" % d,
             "known_hosts": "%s/known_hosts" % d, "inventory": "%s/inventory.yaml" % d,
             "ports": port_of, "pids": pids, "canned": canned, "copies": copies,
             "started": {k: start_time(p) for k, p in pids.items()}}
    write("%s/lab.json" % d, json.dumps(state, indent=1, sort_keys=True) + "\n")

    with open("%s/hostkey_ed25519.pub" % d) as f:
        ktype, kblob = f.read().split()[:2]
    kh = ["[127.0.0.1]:%d %s %s\n" % (port_of[p], ktype, kblob) for p in served + ["hostkey"]]
    if v6:
        kh.append("[::1]:%d %s %s\n" % (v6, ktype, kblob))
    write("%s/known_hosts" % d, "".join(kh))
    inv = ["defaults: {user: %s, identity_file: %s/client_ed25519}\n" % (user, d), "groups:\n"]
    inv.append("  faults: [%s]\n" % ", ".join(FAULTS + ["hostkey", "refused"] + RAW))
    if canned:
        inv.append("  canned: [%s]\n" % ", ".join(canned))
    inv.append("hosts:\n")
    for p in served + ["hostkey", "refused"] + RAW:
        inv.append("  %s: {address: 127.0.0.1, port: %d}\n" % (p, port_of[p]))
    if v6:
        inv.append("  self6: {address: '::1', port: %d}\n" % v6)
    for p in canned:
        for n in range(1, copies + 1):
            inv.append("  %s-%03d: {address: 127.0.0.1, port: %d}\n" % (p, n, port_of[p]))
    write("%s/inventory.yaml" % d, "".join(inv))
    if watch:
        state["pids"]["watchdog"] = watchdog(d, watch)
        state["started"]["watchdog"] = start_time(state["pids"]["watchdog"])
        write("%s/lab.json" % d, json.dumps(state, indent=1, sort_keys=True) + "\n")


def recorded(d, state, from_watchdog):
    """[(pid, start time)] of every process the lab recorded (the watchdog skips itself)."""
    started = state.get("started", {})
    out = [(pid, started.get(k)) for k, pid in state["pids"].items()
           if not (from_watchdog and k == "watchdog")]
    try:  # persona processes (e.g. `hang`) record "pid starttime"; they run as the lab user
        with open("%s/run/pids" % d) as f:
            for line in f:
                w = line.split()
                if len(w) == 2 and w[0].isdigit() and w[1].isdigit():
                    out.append((int(w[0]), int(w[1])))
                elif len(w) == 1 and w[0].isdigit():
                    out.append((int(w[0]), None))
    except OSError:
        pass
    return out


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def ours(pid, started, d):
    """Still the process the lab recorded? With a start time, it must match. A record
    without one (written by an older lab.py) is trusted only for a process whose command
    line names this lab's directory (its sshd -f DIR/..., lab.py start DIR)."""
    if started is not None:
        return start_time(pid) == started
    # sshd rewrites its title into one string ("sshd: /usr/sbin/sshd -D -e -f DIR/... [listener]")
    words = " ".join(cmdline(pid)).split()
    return any(w == d or w.startswith(d + "/") for w in words)


def stop(d, from_watchdog=False):
    d = os.path.abspath(d)
    try:
        with open("%s/lab.json" % d) as f:
            state = json.load(f)
    except OSError:
        return
    # A pid whose process ended may have been reused by anything since: check each
    # one's start time before every signal, not once.
    pids = [(pid, t) for pid, t in recorded(d, state, from_watchdog) if ours(pid, t, d)]
    for pid, t in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for pid, t in pids:
        for _ in range(50):
            try:
                os.waitpid(pid, os.WNOHANG)
            except OSError:
                pass
            if not alive(pid):
                break
            time.sleep(0.02)
        else:
            if ours(pid, t, d):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    os.unlink("%s/lab.json" % d)


def env(d):
    with open("%s/lab.json" % os.path.abspath(d)) as f:
        s = json.load(f)
    out = ["LAB_DIR=%s" % s["dir"], "LAB_USER=%s" % s["user"], "LAB_KEY=%s" % s["key"],
           "LAB_KNOWN_HOSTS=%s" % s["known_hosts"], "LAB_INVENTORY=%s" % s["inventory"]]
    for p, port in sorted(s["ports"].items()):
        out.append("LAB_PORT_%s=%d" % ("".join(c if c.isalnum() else "_" for c in p).upper(), port))
    print("\n".join(out))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("start", "stop", "env"):
        die("usage: lab.py start|stop|env DIR [--user U] [--copies N] [--personas D] [--watch PID]")
    cmd, d, rest = argv[1], argv[2], argv[3:]
    opts = {"--user": os.environ.get("GITCMDB_LAB_USER", "gitcmdb-lab"), "--copies": "0",
            "--personas": os.path.join(HERE, "personas"), "--watch": "0"}
    while rest:
        if rest[0] not in opts or len(rest) < 2:
            die("unknown or incomplete option %r" % rest[0])
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    if cmd == "start":
        if os.geteuid() != 0:
            die("the lab runs sshd as root; run it as root")
        start(d, opts["--user"], int(opts["--copies"]), opts["--personas"], int(opts["--watch"]))
    elif cmd == "stop":
        stop(d)
    else:
        env(d)


if __name__ == "__main__":
    main(sys.argv)
