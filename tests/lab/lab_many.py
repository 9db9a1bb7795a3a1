#!/usr/bin/python3
"""gitcmdb many-host lab: ONE process serves thousands of distinct canned SSH hosts on loopback.

  lab_many.py start DIR --hosts N [--personas D] [--watch PID] [--user U]
  lab_many.py stop DIR
  lab_many.py render DIR I       (print host I's collector output, as served)

Host I (0-based) listens on its own loopback address 127.A.B.C (Linux routes all of
127/8 to lo), every host on the same port, and has its own ed25519 host key (derived
from DIR/seed, so a restarted lab keeps its keys). The server is asyncssh (Debian's
python3-asyncssh) on one asyncio loop: it accepts the lab's client key only, reads
the collector script the scanner sends on stdin, and answers the one exec with the
output of persona I % len(personas) (tests/lab/personas/*.out, hostile ones left out),
varied deterministically by I:

- name: the persona's host name becomes NAME-IIIII (hostname, fqdn, every plain-text use);
- addresses: the persona's 10.77.0.x plan becomes 10.P.Q.x for cluster I // len(personas),
  so an app host still talks to the db host of its own cluster (discovery edges stay);
- machine-id, DMI product_uuid/serial and MACs are unique per host;
- about one package in 12 has a host-specific version, about one service in 9 is stopped.

Base64 file captures (%% file b64 ...) are served as recorded. A session slower than 10 s
is logged to DIR/server.log; with LAB_MANY_TRACE=1 in the environment, every exec and answer.

DIR receives: seed, client_ed25519 (the scanner's key), inventory.yaml (hosts named
NAME-IIIII, groups by persona), known_hosts (every host's key), lab.json (pids with start
times, as lab.py writes it, so lab.py's stop and watchdog apply), server.log.
Nothing needs root: the server binds unprivileged ports on loopback only.
"""
import asyncio
import hashlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import warnings
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  (pids with start times, stop, watchdog)

HERE = os.path.dirname(os.path.abspath(__file__))
# Hostile on purpose (forged frames, secrets), or a drifted copy of another persona
# (web01-drift: same addresses as web01): not estate material.
SKIP = {"evil", "secrets", "web01-drift"}
PER_OCTET = 250  # addresses 127.A.B.C with B, C in 1..250


def address(i):
    return "127.%d.%d.%d" % (100 + i // (PER_OCTET * PER_OCTET), 1 + (i // PER_OCTET) % PER_OCTET,
                             1 + i % PER_OCTET)


def personas(d):
    out = []
    for f in sorted(os.listdir(d)):
        if f.endswith(".out") and f[:-4] not in SKIP:
            with open(os.path.join(d, f), encoding="utf-8", errors="surrogateescape") as src:
                text = src.read()
            m = re.search(r"^%% hostname\n(.*)\n", text, re.M)
            out.append((f[:-4], m.group(1) if m else f[:-4], text))
    if not out:
        lab.die("no personas in %s" % d)
    return out


def host_name(ps, i):
    return "%s-%05d" % (ps[i % len(ps)][0], i)


def h32(*parts):
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def hexid(i, what, n):
    return hashlib.sha256(("%d:%s" % (i, what)).encode()).hexdigest()[:n]


def vary_packages(label, lines, i, cluster):
    """dpkg/rpm: tab-separated NAME.. VERSION fields; apk: P:/V: pairs. About one package
    in 12 gets a host-specific version, and always package number cluster % count (so
    the hosts of one persona differ in their packages, cluster by cluster)."""
    count = sum(1 for l in lines if (l.startswith("P:") if label == "apk" else "\t" in l))
    pick = cluster % count if count else -1
    out, name, k = [], None, -1

    def hit(n):
        return h32(i, n) % 12 == 0 or k == pick

    for line in lines:
        f = line.split("\t")
        if label == "dpkg" and len(f) >= 4:
            k += 1
            if hit(f[1]):
                f[2] += "+lab%d" % (h32(i, f[1], "v") % 7 + 1)
                line = "\t".join(f)
        elif label == "rpm" and len(f) >= 4:
            k += 1
            if hit(f[0]):
                f[2] += ".lab%d" % (h32(i, f[0], "v") % 7 + 1)
                line = "\t".join(f)
        elif label == "apk" and line.startswith("P:"):
            name, k = line[2:], k + 1
        elif label == "apk" and line.startswith("V:") and name and hit(name):
            line += "-lab%d" % (h32(i, name, "v") % 7 + 1)
        out.append(line)
    return out


def vary_services(label, lines, i):
    out, unit = [], None
    for line in lines:
        if label == "systemd-show":
            if line.startswith("Id="):
                unit = line[3:]
            elif (line == "ActiveState=active" and unit and "ssh" not in unit
                  and h32(i, unit) % 9 == 0):
                line = "ActiveState=inactive"
        elif label == "openrc" and "[  started  ]" in line:
            svc = line.split()[0]
            if "ssh" not in svc and h32(i, svc) % 9 == 0:
                line = line.replace("[  started  ]", "[  stopped  ]")
        out.append(line)
    return out


def render(ps, i):
    """Host i's collector output (bytes): its persona, varied by i."""
    persona, hostname, text = ps[i % len(ps)]
    cluster = i // len(ps)
    name = host_name(ps, i)
    text = text.replace("10.77.0.", "10.%d.%d." % (100 + cluster // 250, cluster % 250))
    text = re.sub(r"\b%s\b" % re.escape(hostname), name, text)
    out, label = [], ""
    block = []

    def flush():
        if label in ("dpkg", "rpm", "apk"):
            out.extend(vary_packages(label, block, i, cluster))
        elif label in ("systemd-show", "openrc"):
            out.extend(vary_services(label, block, i))
        elif label == "machine-id":
            out.extend([hexid(i, "machine-id", 32)] if block else [])
        else:
            out.extend(block)
        block.clear()

    for line in text.split("\n"):
        if line.startswith("%% ") or line.startswith("@@"):
            flush()
            out.append(line)
            label = line[3:] if line.startswith("%% ") else ""
            continue
        if line.startswith("product_uuid="):
            u = hexid(i, "uuid", 32)
            line = "product_uuid=%s-%s-%s-%s-%s" % (u[:8], u[8:12], u[12:16], u[16:20], u[20:])
        elif line.startswith("product_serial="):
            line = "product_serial=LAB%08d" % i
        elif "link/ether " in line and "00:00:00:00:00:00" not in line:
            line = re.sub(r"link/ether ([0-9a-f]{2}:){5}[0-9a-f]{2}",
                          "link/ether 52:54:%02x:%02x:%02x:%02x" % (
                              (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255), line)
        block.append(line)
    flush()
    return "\n".join(out).encode("utf-8", "surrogateescape")


def host_key_bytes(seed, i):
    """Host i's ed25519 private key in OpenSSH format (derived from the lab's seed)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    k = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed + b"%d" % i).digest())
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                           serialization.NoEncryption())


def read_seed(d):
    path = os.path.join(d, "seed")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(os.urandom(32).hex().encode())
    with open(path, "rb") as f:
        return f.read().strip()


# ---- the server (a forked daemon) ----

def log(msg):
    sys.stderr.write("%s lab_many: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def serve(d, n, port, ps, ready_w):
    warnings.simplefilter("ignore")
    import asyncssh

    seed = read_seed(d)
    with open("%s/client_ed25519.pub" % d) as f:
        authorized = asyncssh.import_authorized_keys(f.read())
    cache = {}
    stats = {"sessions": 0}
    trace = os.environ.get("LAB_MANY_TRACE") == "1"  # a log line per exec and answer

    async def answer(process):
        i = process.get_extra_info("lab_host")
        t0 = time.monotonic()
        if trace:
            log("host %d: exec" % i)
        try:
            try:  # the collector script, until EOF
                await asyncio.wait_for(process.stdin.read(), 30)
            except asyncio.TimeoutError:
                log("host %d: no EOF on stdin after 30 s; answering anyway" % i)
            out = cache.get(i)
            if out is None:
                out = render(ps, i)
                if len(cache) < 2000:
                    cache[i] = out
            process.stdout.write(out)
            await process.stdout.drain()  # the output first, then EOF, exit status, close
            stats["sessions"] += 1
        except Exception as e:  # noqa: BLE001  (logged: a session never hangs on it)
            log("host %s: %r" % (i, e))
        if trace or time.monotonic() - t0 > 10:
            log("host %d: answered in %.1f s" % (i, time.monotonic() - t0))
        process.exit(0)

    def make_server(i):
        class Host(asyncssh.SSHServer):
            def connection_made(self, conn):
                conn.set_extra_info(lab_host=i)

            def begin_auth(self, username):
                return True

            def password_auth_supported(self):
                return False

        return Host

    async def main():
        servers = []
        for i in range(n):
            key = asyncssh.import_private_key(host_key_bytes(seed, i))
            servers.append(await asyncssh.listen(
                address(i), port, server_factory=make_server(i), server_host_keys=[key],
                authorized_client_keys=authorized, process_factory=answer, encoding=None,
                allow_pty=False, agent_forwarding=False, x11_forwarding=False,
                backlog=128, reuse_address=True, login_timeout=60))
        os.write(ready_w, b"ok\n")
        os.close(ready_w)
        while True:
            await asyncio.sleep(3600)

    asyncio.run(main())


def port_free_everywhere(n):
    """A port that is free on every host address (checked by binding each)."""
    for _ in range(20):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        socks, ok = [], True
        try:
            for i in range(n):
                t = socket.socket()
                socks.append(t)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((address(i), port))
        except OSError:
            ok = False
        for t in socks:
            t.close()
        if ok:
            return port
    lab.die("no port free on all %d addresses" % n)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 4096
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            lab.die("%d hosts need %d open files; the hard limit is %d" % (n, want, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def start(d, n, personas_dir, watch, user):
    d = os.path.abspath(d)
    if os.path.exists("%s/lab.json" % d):
        lab.die("a lab already runs in %s (stop it first)" % d)
    if n < 1 or n > 250 * 250 * 50:
        lab.die("--hosts must be 1..%d" % (250 * 250 * 50))
    os.makedirs("%s/run" % d, exist_ok=True)
    raise_nofile(n)
    ps = personas(personas_dir)
    if not os.path.exists("%s/client_ed25519" % d):
        lab.keygen("%s/client_ed25519" % d, "lab-client")
    os.chmod("%s/client_ed25519" % d, 0o600)
    seed = read_seed(d)
    port = port_free_everywhere(n)

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.setsid()
        log = os.open("%s/server.log" % d, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        try:
            serve(d, n, port, ps, w)
        finally:
            os._exit(1)
    os.close(w)
    state = {"dir": d, "user": user, "key": "%s/client_ed25519" % d, "hosts": n, "port": port,
             "known_hosts": "%s/known_hosts" % d, "inventory": "%s/inventory.yaml" % d,
             "pids": {"server": pid}, "started": {"server": lab.start_time(pid)}}
    lab.write("%s/lab.json" % d, json.dumps(state, indent=1, sort_keys=True) + "\n")

    # known_hosts and the inventory while the server binds its addresses
    from cryptography.hazmat.primitives import serialization
    kh, inv = [], ["defaults: {user: %s, identity_file: %s/client_ed25519, port: %d}\n" % (
        user, d, port), "groups:\n"]
    for p in ps:
        inv.append("  %s: [%s]\n" % ("estate-" + p[0], ", ".join(
            host_name(ps, i) for i in range(ps.index(p), n, len(ps)))))
    inv.append("hosts:\n")
    for i in range(n):
        key = serialization.load_ssh_private_key(host_key_bytes(seed, i), None)
        pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH).decode()
        kh.append("[%s]:%d %s\n" % (address(i), port, pub))
        inv.append("  %s: {address: %s}\n" % (host_name(ps, i), address(i)))
    lab.write("%s/known_hosts" % d, "".join(kh))
    lab.write("%s/inventory.yaml" % d, "".join(inv))

    with os.fdopen(r) as ready:
        if ready.read() != "ok\n":
            lab.stop(d)
            with open("%s/server.log" % d, errors="replace") as f:
                lab.die("the server did not come up:\n" + f.read()[-4000:])
    if watch:
        state["pids"]["watchdog"] = lab.watchdog(d, watch)
        state["started"]["watchdog"] = lab.start_time(state["pids"]["watchdog"])
        lab.write("%s/lab.json" % d, json.dumps(state, indent=1, sort_keys=True) + "\n")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("start", "stop", "render"):
        lab.die("usage: lab_many.py start DIR --hosts N [--personas D] [--watch PID] [--user U]"
                " | stop DIR | render DIR I")
    cmd, d, rest = argv[1], argv[2], argv[3:]
    if cmd == "stop":
        lab.stop(d)
        return
    if cmd == "render":
        ps = personas(os.path.join(HERE, "personas"))
        sys.stdout.buffer.write(render(ps, int(rest[0])))
        return
    opts = {"--hosts": "100", "--personas": os.path.join(HERE, "personas"), "--watch": "0",
            "--user": "lab"}
    while rest:
        if rest[0] not in opts or len(rest) < 2:
            lab.die("unknown or incomplete option %r" % rest[0])
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    start(d, int(opts["--hosts"]), opts["--personas"], int(opts["--watch"]), opts["--user"])


if __name__ == "__main__":
    main(sys.argv)
