#!/usr/bin/python3
"""Regenerate the canned collector outputs (*.out) the lab's sshd personas `cat`.

Each file is exactly what the collector script (lib/collect/collect.c + collectors/*.sh)
prints on such a host: framed sections of "%% label" blocks. The raw text comes
from tests/fixtures/collectors (real captures, see PROVENANCE.tsv) and from a
real run on a Debian 12 machine, with names and addresses changed to the lab's
10.77.0.x plan. Addresses are only strings; nothing ever connects to them.

    /usr/bin/python3 tests/lab/personas/generate.py    # rewrites tests/lab/personas/*.out
"""
import base64
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "..", "fixtures", "collectors")


def fixture(path):
    with open(os.path.join(FIX, path), encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def local_block(label):
    """A block of the real Debian 12 capture."""
    text = fixture("local/debian-12__collect.out")
    m = re.search(r"^%% " + re.escape(label) + r"\n(.*?)(?=^%% |^@@)", text, re.S | re.M)
    return m.group(1)


def frame(sections):
    out = ["@@gitcmdb-collect 1@@\n"]
    for name, blocks in sections:
        out.append("@@gitcmdb-begin %s@@\n" % name)
        for label, body in blocks:
            if body and not body.endswith("\n"):
                body += "\n"
            # The script rewrites "@@" at a line start inside sections; so do we.
            body = re.sub(r"(?m)^@@", "@ @", body)
            out.append("%% " + label + "\n" + body)
        out.append("@@gitcmdb-end %s 0@@\n" % name)
    out.append("@@gitcmdb-done@@\n")
    return "".join(out)


def b64(data):
    enc = base64.b64encode(data.encode("utf-8", "surrogateescape")).decode()
    return "".join(enc[i:i + 76] + "\n" for i in range(0, len(enc), 76))


def os_section(os_release, kernel, arch, host, tz, fqdn=None):
    return ("os", [("os-release", os_release), ("kernel", kernel), ("arch", arch), ("hostname", host),
                   ("fqdn", fqdn or host + ".lab.example"), ("timezone", tz)])


def hardware_section(model, cpus, mem_kb, machine_id, vendor="QEMU", uuid=None, virt="kvm"):
    cpu = "".join("processor\t: %d\nmodel name\t: %s\nphysical id\t: 0\n" % (i, model) for i in range(cpus))
    dmi = "sys_vendor=%s\nproduct_name=Standard PC (Q35 + ICH9, 2009)\n" % vendor
    if uuid:
        dmi += "product_uuid=%s\nproduct_serial=Not Specified\n" % uuid
    blocks = [("cpuinfo", cpu), ("hypervisor", "hypervisor\n"), ("meminfo", "MemTotal:       %d kB\n" % mem_kb),
              ("machine-id", machine_id + "\n"), ("dmi", dmi)]
    if virt:
        blocks.append(("virt", virt + "\n"))
    return ("hardware", blocks)


def ip_addr(ifname, addr, mac, v6=None):
    s = ("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
         "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
         "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
         "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n"
         "2: %s: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n"
         "    link/ether %s brd ff:ff:ff:ff:ff:ff\n"
         "    inet %s/24 brd 10.77.0.255 scope global %s\n       valid_lft forever preferred_lft forever\n"
         % (ifname, mac, addr, ifname))
    if v6:
        s += "    inet6 %s/64 scope link \n       valid_lft forever preferred_lft forever\n" % v6
    return s


def network_section(ifname, addr, mac, v6=None):
    return ("network", [("ip-addr", ip_addr(ifname, addr, mac, v6)),
                        ("ip-route", "default via 10.77.0.1 dev %s proto static \n10.77.0.0/24 dev %s proto kernel scope link src %s \n" % (ifname, ifname, addr)),
                        ("ip6-route", "fe80::/64 dev %s proto kernel metric 256 pref medium\n" % ifname),
                        ("resolv.conf", "search lab.example\nnameserver 10.77.0.2\n")])


def fs_section(root_dev, root_fs, root_kb, extra_mounts="", extra_df=""):
    mounts = ("sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
              "udev /dev devtmpfs rw,nosuid,relatime,size=989176k,nr_inodes=247294,mode=755 0 0\n"
              "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=202708k,mode=755 0 0\n"
              "%s / %s rw,relatime 0 0\n" % (root_dev, root_fs) + extra_mounts +
              "nfs01:/export/home /home nfs4 rw,relatime,vers=4.2,rsize=1048576 0 0\n")
    return ("filesystems", [("mounts", mounts), ("df", "/ %d\n" % root_kb + extra_df)])


def dpkg(rows):
    return "".join("ii \t%s\t%s\t%s\n" % r for r in rows)


DEBIAN_BASE = [(l.split("\t")[1], l.split("\t")[2], l.split("\t")[3])
               for l in local_block("dpkg").splitlines() if l.startswith("ii")]


def show(units):
    out = []
    for u in units:
        uid, state, enabled, pid, exe, frag = u
        ex = ("{ path=%s ; argv[]=%s ; ignore_errors=no ; start_time=[Sat 2026-11-28 21:10:04 UTC] ; stop_time=[n/a] ; pid=%d ; code=(null) ; status=0/0 }"
              % (exe.split()[0], exe, pid)) if exe else ""
        out.append("Id=%s\nMainPID=%d\nExecStart=%s\nFragmentPath=%s\nUnitFileState=%s\nActiveState=%s\n"
                   % (uid, pid, ex, frag, enabled, state))
    return "\n".join(out)


def services_section(units, owners, owner_label="dpkg-owner"):
    return ("services", [("systemd-units", "".join(u[0] + "\n" for u in units)),
                         ("systemd-show", show(units)), (owner_label, owners)])


def ss_line(proto, state, local, peer, proc, pid, fd):
    users = ' users:(("%s",pid=%d,fd=%d))' % (proc, pid, fd) if proc else ""
    return "%s %s 0 4096 %s %s%s\n" % (proto, state, local, peer, users)


def est_line(local, peer, proc, pid, fd):
    return '0      0      %s %s users:(("%s",pid=%d,fd=%d))\n' % (local, peer, proc, pid, fd)


def cgroups(mapping):
    return "".join("pid %d\n0::/system.slice/%s\n" % (pid, unit) for pid, unit in mapping)


def users_section(extra_passwd="", extra_group=""):
    passwd = "\n".join(l for l in local_block("passwd").splitlines() if not l.startswith(("cloudsdk", "gitcmdb-lab", "postgres")))
    group = "\n".join(l for l in local_block("group").splitlines() if not l.startswith(("cloudsdk", "gitcmdb-lab", "postgres", "ssl-cert")))
    return ("users", [("passwd", passwd + "\n" + extra_passwd), ("group", group + "\n" + extra_group)])


SSHD_CONFIG = local_block("file b64 /etc/ssh/sshd_config")
SSHD_CONFIG = base64.b64decode(SSHD_CONFIG).decode()


def files_section(files):
    blocks = []
    for path, content in files:
        if content is None:
            blocks.append(("file missing " + path, ""))
        else:
            blocks.append(("file b64 " + path, b64(content)))
    return ("files", blocks)


def hosts_file(name, addr):
    return "127.0.0.1\tlocalhost\n%s\t%s.lab.example %s\n10.77.0.11\tweb01\n10.77.0.12\tapp01\n10.77.0.13\tdb01\n" % (addr, name, name)


DEBIAN_OS = local_block("os-release")
CRONTAB = ("# /etc/crontab: system-wide crontab\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n"
           "17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n")


def web01(drift=False):
    pkgs = DEBIAN_BASE + [("nginx", "1.22.1-9", "amd64"), ("nginx-common", "1.22.1-9", "all"),
                          ("openssl", "3.0.13-1~deb12u1" if drift else "3.0.11-1~deb12u2", "amd64"),
                          ("libc6", "2.36-9+deb12u4", "amd64"), ("libc6", "2.36-9+deb12u4", "i386")]
    units = [("nginx.service", "active", "enabled", 812, "/usr/sbin/nginx -g daemon on; master_process on;", "/lib/systemd/system/nginx.service"),
             ("ssh.service", "active", "enabled", 555, "/usr/sbin/sshd -D", "/lib/systemd/system/ssh.service"),
             ("cron.service", "active", "enabled", 430, "/usr/sbin/cron -f $EXTRA_OPTS", "/lib/systemd/system/cron.service"),
             ("systemd-journald.service", "active", "static", 201, "/lib/systemd/systemd-journald", "/lib/systemd/system/systemd-journald.service"),
             ("apt-daily.service", "inactive", "static", 0, "/usr/lib/apt/apt.systemd.daily update", "/lib/systemd/system/apt-daily.service")]
    owners = ("nginx-common: /lib/systemd/system/nginx.service\nopenssh-server: /lib/systemd/system/ssh.service\n"
              "cron: /lib/systemd/system/cron.service\nsystemd: /lib/systemd/system/systemd-journald.service\n"
              "apt: /lib/systemd/system/apt-daily.service\n")
    listen = (ss_line("tcp", "LISTEN", "0.0.0.0:80", "0.0.0.0:*", "nginx", 812, 6) +
              ss_line("tcp", "LISTEN", "[::]:80", "[::]:*", "nginx", 812, 7) +
              ss_line("tcp", "LISTEN", "0.0.0.0:22", "0.0.0.0:*", "sshd", 555, 3) +
              ss_line("tcp", "LISTEN", "[::]:22", "[::]:*", "sshd", 555, 4))
    est = (est_line("10.77.0.11:43512", "10.77.0.12:8080", "nginx", 813, 12) +
           est_line("10.77.0.11:22", "10.77.0.1:50122", "sshd", 902, 4))
    cg = [(555, "ssh.service"), (812, "nginx.service"), (813, "nginx.service"), (902, "ssh.service")]
    sshd = SSHD_CONFIG
    if drift:
        pkgs.append(("redis-server", "5:7.0.15-1~deb12u1", "amd64"))
        units.insert(2, ("redis-server.service", "active", "enabled", 990, "/usr/bin/redis-server 127.0.0.1:6379", "/lib/systemd/system/redis-server.service"))
        owners += "redis-server: /lib/systemd/system/redis-server.service\n"
        listen += ss_line("tcp", "LISTEN", "127.0.0.1:6379", "0.0.0.0:*", "redis-server", 990, 6)
        cg.append((990, "redis-server.service"))
        sshd = sshd.replace("#PasswordAuthentication yes", "PasswordAuthentication no")
    fstab = ("# /etc/fstab: static file system information.\nUUID=3f1c0e2a-6b1d-4c55-9a47-2b8e7d1f0a11 / ext4 errors=remount-ro 0 1\n"
             "//fs01/share /mnt/share cifs noauto,username=web,password=Sh4reS3cret 0 0\n")
    return frame([
        os_section(DEBIAN_OS, "6.1.0-18-amd64", "x86_64", "web01", "/usr/share/zoneinfo/Europe/Berlin"),
        hardware_section("Intel Xeon Processor (Cascadelake)", 2, 2014240, "4c4c4544004e4b1080374cc04f4e3711",
                         uuid="7d3b5a1e-1111-4b5c-8d7e-0f1a2b3c4d11"),
        network_section("eth0", "10.77.0.11", "52:54:00:77:00:11"),
        fs_section("/dev/vda1", "ext4", 20509264, "/dev/vda15 /boot/efi vfat rw,relatime,fmask=0022 0 0\n", "/boot/efi 126678\n"),
        ("packages", [("dpkg", dpkg(pkgs))]),
        services_section(units, owners),
        ("sockets", [("ss-listen", listen), ("ss-established", est), ("cgroups", cgroups(cg))]),
        users_section("www-data:33:33:/var/www:/usr/sbin/nologin\n"),
        files_section([("/etc/ssh/sshd_config", sshd), ("/etc/fstab", fstab), ("/etc/hosts", hosts_file("web01", "10.77.0.11")),
                       ("/etc/resolv.conf", "search lab.example\nnameserver 10.77.0.2\n"), ("/etc/crontab", CRONTAB)]),
    ])


def app01():
    pkgs = [r for r in DEBIAN_BASE if not r[0].startswith("debian")] + [
        ("openjdk-17-jre-headless", "17.0.12+7-1ubuntu2~24.04", "amd64"), ("shop-app", "2.4.1", "all"),
        ("ubuntu-keyring", "2023.11.28.1", "all"), ("openssl", "3.0.13-0ubuntu3.4", "amd64")]
    units = [("shop-app.service", "active", "enabled", 1200, "/usr/bin/java -Xmx512m -jar /opt/shop/app.jar --server.port=8080", "/etc/systemd/system/shop-app.service"),
             ("ssh.service", "active", "enabled", 640, "/usr/sbin/sshd -D", "/usr/lib/systemd/system/ssh.service"),
             ("systemd-resolved.service", "active", "enabled", 380, "/usr/lib/systemd/systemd-resolved", "/usr/lib/systemd/system/systemd-resolved.service")]
    owners = "openssh-server: /usr/lib/systemd/system/ssh.service\nsystemd-resolved: /usr/lib/systemd/system/systemd-resolved.service\n"
    listen = (ss_line("tcp", "LISTEN", "*:8080", "*:*", "java", 1200, 41) +
              ss_line("tcp", "LISTEN", "0.0.0.0:22", "0.0.0.0:*", "sshd", 640, 3) +
              ss_line("udp", "UNCONN", "127.0.0.53%lo:53", "0.0.0.0:*", "systemd-resolve", 380, 13) +
              ss_line("tcp", "LISTEN", "127.0.0.53%lo:53", "0.0.0.0:*", "systemd-resolve", 380, 14))
    est = (est_line("[::ffff:10.77.0.12]:8080", "[::ffff:10.77.0.11]:43512", "java", 1200, 55) +
           est_line("10.77.0.12:51000", "10.77.0.13:5432", "java", 1200, 60))
    cg = [(380, "systemd-resolved.service"), (640, "ssh.service"), (1200, "shop-app.service")]
    return frame([
        os_section(fixture("os/ubuntu-24.04.3__os-release.txt"), "6.8.0-49-generic", "x86_64", "app01", "Etc/UTC\n"),
        hardware_section("AMD EPYC-Milan Processor", 4, 8148224, "9a0e6c1f2b3d4e5f60718293a4b5c612",
                         uuid="7d3b5a1e-2222-4b5c-8d7e-0f1a2b3c4d12"),
        network_section("ens3", "10.77.0.12", "52:54:00:77:00:12"),
        fs_section("/dev/sda2", "ext4", 41022688),
        ("packages", [("dpkg", dpkg(pkgs))]),
        services_section(units, owners),
        ("sockets", [("ss-listen", listen), ("ss-established", est), ("cgroups", cgroups(cg))]),
        users_section("shop:998:998:/opt/shop:/usr/sbin/nologin\n", "shop:998:\n"),
        files_section([("/etc/ssh/sshd_config", SSHD_CONFIG), ("/etc/fstab", "LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\n"),
                       ("/etc/hosts", hosts_file("app01", "10.77.0.12")), ("/etc/resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lab.example\n"),
                       ("/etc/crontab", CRONTAB)]),
    ])


RPM_BASE = [("bash", "(none)", "5.1.8-9.el9", "x86_64"), ("glibc", "(none)", "2.34-100.el9_4.2", "x86_64"),
            ("openssh-server", "(none)", "8.7p1-38.el9", "x86_64"), ("openssl", "1", "3.0.7-27.el9", "x86_64"),
            ("systemd", "(none)", "252-32.el9_4", "x86_64"), ("rocky-release", "(none)", "9.4-1.7.el9", "noarch"),
            ("chrony", "(none)", "4.5-1.el9", "x86_64"), ("firewalld", "(none)", "1.3.4-1.el9", "noarch"),
            ("gpg-pubkey", "(none)", "350d275d-6279464b", "(none)")]


def rpm(rows):
    return "".join("%s\t%s\t%s\t%s\n" % r for r in rows)


def rocky(name, addr, mac, extra_pkgs, extra_units, extra_listen, extra_est, extra_cg, hw_id):
    units = [("sshd.service", "active", "enabled", 701, "/usr/sbin/sshd -D $OPTIONS", "/usr/lib/systemd/system/sshd.service"),
             ("chronyd.service", "active", "enabled", 690, "/usr/sbin/chronyd $OPTIONS", "/usr/lib/systemd/system/chronyd.service"),
             ("firewalld.service", "active", "enabled", 660, "/usr/sbin/firewalld --nofork --nopid $FIREWALLD_ARGS", "/usr/lib/systemd/system/firewalld.service"),
             ("kdump.service", "failed", "enabled", 0, "/usr/bin/kdumpctl start", "/usr/lib/systemd/system/kdump.service")] + extra_units
    owners = "".join("%s: %s\n" % (p, u[5]) for p, u in zip(["openssh-server", "chrony", "firewalld", "kexec-tools"] + [u[0].split(".")[0] for u in extra_units], units))
    listen = ss_line("tcp", "LISTEN", "0.0.0.0:22", "0.0.0.0:*", "sshd", 701, 3) + ss_line("udp", "UNCONN", "127.0.0.1:323", "0.0.0.0:*", "chronyd", 690, 5) + extra_listen
    cg = [(701, "sshd.service"), (690, "chronyd.service")] + extra_cg
    return frame([
        os_section(fixture("os/rocky-9.3__os-release.txt"), "5.14.0-427.13.1.el9_4.x86_64", "x86_64", name, "/usr/share/zoneinfo/UTC"),
        hardware_section("Intel Xeon Processor (Icelake)", 2, 3735512, hw_id, uuid="7d3b5a1e-%s-4b5c-8d7e-0f1a2b3c4d13" % hw_id[:4]),
        network_section("enp1s0", addr, mac),
        fs_section("/dev/mapper/rl-root", "xfs", 17811456, "/dev/vda1 /boot xfs rw,seclabel,relatime 0 0\n", "/boot 1038336\n"),
        ("packages", [("rpm", rpm(RPM_BASE + extra_pkgs))]),
        services_section(units, owners, "rpm-owner"),
        ("sockets", [("ss-listen", listen), ("ss-established", extra_est), ("cgroups", cgroups(cg))]),
        ("users", [("passwd", fixture("users/centos-7.7__passwd.txt")), ("group", fixture("users/centos-7.7__group.txt"))]),
        files_section([("/etc/ssh/sshd_config", SSHD_CONFIG.replace("Include /etc/ssh/sshd_config.d/*.conf", "Include /etc/ssh/sshd_config.d/*.conf\nSyslogFacility AUTHPRIV")),
                       ("/etc/fstab", "/dev/mapper/rl-root / xfs defaults 0 0\nUUID=5c6d... /boot xfs defaults 0 0\n"),
                       ("/etc/hosts", hosts_file(name, addr)), ("/etc/resolv.conf", "nameserver 10.77.0.2\n"),
                       ("/etc/crontab", "SHELL=/bin/bash\nPATH=/sbin:/bin:/usr/sbin:/usr/bin\nMAILTO=root\n")]),
    ])


def db01():
    pg = [("postgresql.service", "active", "enabled", 700, "/usr/bin/postmaster -D ${PGDATA}", "/usr/lib/systemd/system/postgresql.service")]
    return rocky("db01", "10.77.0.13", "52:54:00:77:00:13",
                 [("postgresql-server", "(none)", "13.16-1.el9_4", "x86_64"), ("postgresql", "(none)", "13.16-1.el9_4", "x86_64")],
                 pg, ss_line("tcp", "LISTEN", "0.0.0.0:5432", "0.0.0.0:*", "postmaster", 700, 6) + ss_line("tcp", "LISTEN", "[::]:5432", "[::]:*", "postmaster", 700, 7),
                 est_line("10.77.0.13:5432", "10.77.0.12:51000", "postmaster", 1711, 9),
                 [(700, "postgresql.service"), (1711, "postgresql.service")], "c0ffee00db01db01db01db01db01db01")


def rocky9():
    return rocky("rocky9", "10.77.0.14", "52:54:00:77:00:14", [], [], "", "", [], "5eed0000000000000000000000009999")


def alpine319():
    os_release = fixture("os/alpine-3.23.2__os-release.txt").replace("3.23.2", "3.19.1").replace("v3.23", "v3.19")
    pkgs = "".join("P:%s\nV:%s\nA:x86_64\n\n" % p for p in [
        ("alpine-baselayout", "3.4.3-r2"), ("busybox", "1.36.1-r15"), ("musl", "1.2.4_git20230717-r4"),
        ("openrc", "0.52.1-r2"), ("openssh-server", "9.6_p1-r0"), ("chrony", "4.5-r0"), ("nginx", "1.24.0-r15")])
    rc = ("Runlevel: default\n sshd                                                              [  started  ]\n"
          " chronyd                                                           [  started  ]\n"
          " nginx                                                             [  started  ]\n"
          " crond                                                             [  started  ]\n"
          "Runlevel: boot\n hostname                                                          [  started  ]\n"
          "Dynamic Runlevel: hotplugged\nDynamic Runlevel: needed/wanted\n"
          " localmount                                                        [  started  ]\n"
          "Dynamic Runlevel: manual\n")
    listen = ("tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      2210/sshd [listener] 0 of 10-100 startups\n"
              "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      2301/nginx: master \n"
              "tcp        0      0 :::22                   :::*                    LISTEN      2210/sshd [listener] 0 of 10-100 startups\n"
              "udp        0      0 127.0.0.1:323           0.0.0.0:*                           2190/chronyd\n")
    est = "tcp        0      0 10.77.0.15:80           10.77.0.11:40112        ESTABLISHED 2302/nginx: worker \n"
    cg = "pid 2190\n0::/chronyd\n1:name=openrc:/chronyd\npid 2210\n1:name=openrc:/sshd\npid 2301\n0::/openrc.nginx\npid 2302\n0::/openrc.nginx\n"
    busybox_ip = ip_addr("eth0", "10.77.0.15", "52:54:00:77:00:15").replace(" group default", "")
    return frame([
        os_section(os_release, "6.6.14-0-virt", "x86_64", "alpine319", "UTC\n"),
        hardware_section("QEMU Virtual CPU version 2.5+", 1, 1004740, "a1p1ne0319a1p1ne0319a1p1ne0319aa", virt=None),
        ("network", [("ip-addr", busybox_ip), ("ip-route", "default via 10.77.0.1 dev eth0  metric 202 \n10.77.0.0/24 dev eth0 scope link  src 10.77.0.15 \n"),
                     ("ip6-route", ""), ("resolv.conf", "nameserver 10.77.0.2\n")]),
        ("filesystems", [("mounts", "/dev/vda3 / ext4 rw,relatime 0 0\ndevtmpfs /dev devtmpfs rw,nosuid,noexec,relatime,size=10240k 0 0\n"
                                    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/vda1 /boot ext4 rw,relatime 0 0\n"),
                         ("df", "/ 7149504\n/boot 95054\n")]),
        ("packages", [("apk", pkgs)]),
        ("services", [("openrc", rc)]),
        ("sockets", [("netstat-listen", listen), ("netstat-established", est), ("cgroups", cg)]),
        ("users", [("passwd", "root:0:0:/root:/bin/ash\nbin:1:1:/bin:/sbin/nologin\nsshd:22:22:/dev/null:/sbin/nologin\nnginx:100:101:/var/lib/nginx:/sbin/nologin\n"),
                   ("group", "root:0:root\nbin:1:root,bin,daemon\nwheel:10:root\nnginx:101:nginx\n")]),
        files_section([("/etc/ssh/sshd_config", "AuthorizedKeysFile\t.ssh/authorized_keys\nAllowTcpForwarding no\nSubsystem\tsftp\tinternal-sftp\n"),
                       ("/etc/fstab", "UUID=9a1d... / ext4 rw,relatime 0 1\n"), ("/etc/hosts", hosts_file("alpine319", "10.77.0.15")),
                       ("/etc/resolv.conf", "nameserver 10.77.0.2\n"), ("/etc/crontab", None)]),
    ])


ESC = "\x1b[31m"
RESET = "\x1b[0m"


def evil():
    os_release = ('NAME=": x"\nID="no"\nVERSION_ID="0x1F"\nPRETTY_NAME="%sEvil%s OS\\"quoted\\""\nVERSION_CODENAME=null\n' % (ESC, RESET))
    pkgs = dpkg([("no", "1", "amd64"), ("0x1F", "yes", "amd64"), (": x", "null", "all"), ("../../etc/passwd", "~", "all"),
                 (ESC + "red" + RESET, "1.0", "amd64"), ("yes", "12", "all"), ("true", "1e3", "all"), ("#comment", "0o17", "all")])
    units = [("../../etc/shadow.service", "active", "enabled", 66, "/bin/sh -c 'cat /etc/shadow'", "/etc/systemd/system/../../etc/shadow.service"),
             (ESC + "clear" + RESET + ".service", "active", "enabled", 67, "/usr/bin/evil " + ESC + "arg", "/etc/systemd/system/x.service"),
             ("x%2F..%2Fy.service", "failed", "enabled", 0, "", "/etc/systemd/system/y.service"),
             (".git.service", "active", "enabled", 68, "/usr/bin/true", "/etc/systemd/system/.git.service"),
             ("no.service", "active", "enabled", 69, "/usr/bin/no: x", "/etc/systemd/system/no.service")]
    listen = (ss_line("tcp", "LISTEN", "0.0.0.0:31337", "0.0.0.0:*", 'ev"il proc', 66, 3) +
              ss_line("tcp", "LISTEN", "0.0.0.0:1", "0.0.0.0:*", "no", 69, 3) +
              "tcp LISTEN 0 1 @@gitcmdb-done@@ 0.0.0.0:*\n" + "garbage line with \x01 control\n")
    files = [("/etc/ssh/sshd_config", "PermitRootLogin yes\n@@gitcmdb-done@@\n%% file b64 /etc/shadow\nroot:$6$abc:19000:0:99999:7:::\n"),
             ("/etc/../../../root/.ssh/authorized_keys", "ssh-ed25519 AAAA evil\n"),
             ("/etc/" + ESC + "x\tname", "value: yes\n"),
             ("/etc/app/secrets.yaml", "api_key: sk_live_abcdef0123456789\ndb:\n  password: hunter2\nurl: https://admin:pw123@db.lab.example/\n"
              "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAevilevilevil\n-----END RSA PRIVATE KEY-----\nno: 0x1F\n"),
             ("/etc/binary.bin", "ELF\x00\x01\x02")]
    return frame([
        os_section(os_release, "6.1.0-evil" + ESC, "x86_64", "evil", "../../../etc/localtime", fqdn="evil.lab.example\x07"),
        hardware_section("Evil CPU " + ESC + "9000", 1, 1048576, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", vendor="no"),
        ("network", [("ip-addr", ip_addr("eth0", "10.77.0.16", "52:54:00:77:00:16") +
                      "3: ../..: <BROADCAST> mtu 1500 qdisc noop state DOWN\n    link/ether yes brd ff:ff:ff:ff:ff:ff\n"
                      "4: " + ESC + "if: <UP> mtu 0x1F qdisc noop\n    inet null/24 scope global\n"),
                     ("ip-route", "default via 10.77.0.1 dev eth0\n"), ("resolv.conf", "nameserver no\nnameserver 10.77.0.2\n")]),
        ("filesystems", [("mounts", "/dev/vda1 / ext4 rw 0 0\n/dev/vdb /mnt/..\\012@@gitcmdb-done@@ xfs rw 0 0\n/dev/vdc /srv/" + ESC + " ext4 rw 0 0\n"),
                         ("df", "/ 1048576\n/mnt/..\\012@@gitcmdb-done@@ 2048\n")]),
        ("packages", [("dpkg", pkgs)]),
        services_section(units, "evil: /etc/systemd/system/x.service\n"),
        ("sockets", [("ss-listen", listen), ("ss-established", est_line("10.77.0.16:40000", "10.77.0.13:5432", "no", 69, 9)),
                     ("cgroups", "pid 66\n0::/system.slice/../../etc/shadow.service\npid 69\n0::/system.slice/no.service\n")]),
        ("users", [("passwd", "root:0:0:/root:/bin/bash\nno:1000:1000:../../..:" + ESC + "sh\n: x:1001:1001:/home/x:/bin/sh\n"),
                   ("group", "root:0:\nno:1000:no,: x\n")]),
        files_section(files),
    ])


# The secrets persona holds one secret of each form gitcmdb must redact. The committed
# secrets.out has placeholders; tests/integration/secrets.sh writes its own copy with
# random values (SECRET_NAMES order) and checks that none of them reaches history.
SECRET_NAMES = ["json_password", "json_api_key", "pem_body", "export_db_pass", "mysql_pwd",
                "app_token_env", "bearer", "basic", "pgpass", "argv_db_password", "argv_token",
                "env_db_pass", "argv_api_key", "curl_bearer", "dav_password", "json_pem_body"]


def secrets(values=None):
    v = values or {n: "lab-fake-%s" % n.replace("_", "-") for n in SECRET_NAMES}
    pem = "-----BEGIN PRIVATE KEY-----\\n%s\\n%s\\n-----END PRIVATE KEY-----\\n" % (v["json_pem_body"], v["pem_body"])
    files = [
        ("/etc/app/config.json", '{\n  "name": "shop",\n  "listen": "0.0.0.0:8080",\n  "password": "%s",\n'
                                 '  "api_key":"%s",\n  "tokens": 3\n}\n' % (v["json_password"], v["json_api_key"])),
        ("/etc/app/service-account.json", '{"type": "service_account", "project_id": "lab", "private_key": "%s", '
                                          '"client_email": "app@lab.example"}\n' % pem),
        ("/etc/default/app", "# app environment\nLANG=C.UTF-8\nexport DB_PASS=%s\nMYSQL_PWD=%s\nAPP_TOKEN=%s\n"
                             "APP_PORT=8080\n" % (v["export_db_pass"], v["mysql_pwd"], v["app_token_env"])),
        ("/etc/nginx/conf.d/upstream.conf", "location /api/ {\n\tproxy_pass http://10.77.0.12:8080;\n"
                                            "\tproxy_set_header Authorization \"Bearer %s\";\n}\n"
                                            "location /legacy/ {\n\tproxy_set_header Authorization \"Basic %s\";\n}\n"
                                            "ssl_certificate_key /etc/ssl/private/web.key;\n" % (v["bearer"], v["basic"])),
        ("/root/.pgpass", "db01.lab.example:5432:shop:app:%s\n" % v["pgpass"]),
        ("/etc/ssh/sshd_config", "PasswordAuthentication no\nPermitEmptyPasswords no\n"),
        ("/etc/hosts", hosts_file("secrets", "10.77.0.17")),
    ]
    units = [("app.service", "active", "enabled", 1300,
              "/usr/bin/app --db-password=%s --token %s --verbose" % (v["argv_db_password"], v["argv_token"]),
              "/etc/systemd/system/app.service"),
             ("worker.service", "active", "enabled", 1310,
              "/usr/bin/env DB_PASS=%s /usr/bin/worker --api-key %s" % (v["env_db_pass"], v["argv_api_key"]),
              "/etc/systemd/system/worker.service"),
             ("report.service", "failed", "enabled", 0,
              "/usr/bin/curl -H \"Authorization: Bearer %s\" https://api.lab.example/report" % v["curl_bearer"],
              "/etc/systemd/system/report.service"),
             ("ssh.service", "active", "enabled", 555, "/usr/sbin/sshd -D", "/lib/systemd/system/ssh.service")]
    mounts = "https://app:%s@dav.lab.example/share /mnt/dav fuse rw,nosuid,nodev,relatime 0 0\n" % v["dav_password"]
    return frame([
        os_section(DEBIAN_OS, "6.1.0-18-amd64", "x86_64", "secrets", "Etc/UTC\n"),
        hardware_section("Intel Xeon Processor (Cascadelake)", 1, 1004740, "5ec7e75ec7e75ec7e75ec7e75ec7e717",
                         uuid="7d3b5a1e-1717-4b5c-8d7e-0f1a2b3c4d17"),
        network_section("eth0", "10.77.0.17", "52:54:00:77:00:17"),
        fs_section("/dev/vda1", "ext4", 20509264, mounts, "/mnt/dav 1048576\n"),
        ("packages", [("dpkg", dpkg([("bash", "5.2.15-2+b2", "amd64"), ("curl", "7.88.1-10+deb12u5", "amd64"),
                                     ("openssh-server", "1:9.2p1-2+deb12u2", "amd64")]))]),
        services_section(units, "openssh-server: /lib/systemd/system/ssh.service\n"),
        ("sockets", [("ss-listen", ss_line("tcp", "LISTEN", "0.0.0.0:8080", "0.0.0.0:*", "app", 1300, 5) +
                                   ss_line("tcp", "LISTEN", "0.0.0.0:22", "0.0.0.0:*", "sshd", 555, 3)),
                     ("ss-established", ""), ("cgroups", cgroups([(555, "ssh.service"), (1300, "app.service")]))]),
        users_section("app:990:990:/opt/app:/usr/sbin/nologin\n", "app:990:\n"),
        files_section(files),
    ])


def main():
    personas = {"web01": web01(), "web01-drift": web01(drift=True), "app01": app01(), "db01": db01(),
                "rocky9": rocky9(), "alpine319": alpine319(), "evil": evil(), "secrets": secrets()}
    for name, text in personas.items():
        data = text.encode("utf-8", "surrogateescape")
        assert len(data) < 200 * 1024, name
        with open(os.path.join(HERE, name + ".out"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
