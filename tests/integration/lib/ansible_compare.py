#!/usr/bin/python3
"""Compare the scan's host/self item with ansible's facts of the same machine.

  ansible_compare.py HOST_YAML REPO SETUP_OUT PACKAGE_FACTS_OUT SERVICE_FACTS_OUT

The *_OUT files are `ansible localhost -m MODULE` output ("localhost | SUCCESS => {json}").
Prints one line per fact compared and every difference; exits 1 on any difference.
"""
import glob
import json
import os
import sys

import yaml

# The filesystem types the filesystems collector records (docs/collectors.md).
LOCAL_FS = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "vfat", "exfat", "ntfs", "ntfs3",
            "f2fs", "jfs", "reiserfs", "bcachefs"}
problems = []


def facts_of(path):
    text = open(path).read()
    return json.loads(text[text.index("{"):])["ansible_facts"]


def check(what, ours, theirs):
    if ours != theirs:
        problems.append("%s: scan has %r, ansible has %r" % (what, ours, theirs))
    shown = "%d entries" % len(theirs) if isinstance(theirs, list) else repr(theirs)
    print("%-24s %s (%s)" % (what, "equal" if ours == theirs else "DIFFERENT", shown))


def main():
    host_yaml, repo, setup_out, pkg_out, svc_out = sys.argv[1:6]
    a = yaml.safe_load(open(host_yaml))["attributes"]
    s = facts_of(setup_out)
    os_, hw = a.get("os", {}), a.get("hardware", {})
    check("kernel", os_.get("kernel"), s["ansible_kernel"])
    check("distribution", os_.get("id"), s["ansible_distribution"].lower())
    check("distribution version", os_.get("version"), s["ansible_distribution_version"])
    check("major version", os_.get("version_id", "").split(".")[0],
          s["ansible_distribution_major_version"])
    check("architecture", os_.get("arch"), s["ansible_architecture"])
    check("memory MB", hw.get("memory_mb"), s["ansible_memtotal_mb"])
    check("vCPUs", hw.get("cpus"), s["ansible_processor_vcpus"])
    ours = set()
    for iface in (a.get("network", {}).get("interfaces") or {}).values():
        for addr in iface.get("addresses", []):
            ip = addr.split("/")[0]
            if ":" not in ip and not ip.startswith("127."):
                ours.add(ip)
    check("IPv4 addresses", sorted(ours), sorted(s["ansible_all_ipv4_addresses"]))
    fs = a.get("filesystems") or {}
    ours = sorted((m, v.get("fstype"), v.get("device")) for m, v in fs.items())
    theirs = sorted({(m["mount"], m["fstype"], m["device"]) for m in s["ansible_mounts"]
                     if m["fstype"] in LOCAL_FS})
    check("local mounts", ours, theirs)
    ours = {}
    for name, v in (a.get("packages") or {}).items():
        ours.setdefault(name.split(":")[0], set()).add((v.get("version"), v.get("arch")))
    theirs = {}
    for name, lst in facts_of(pkg_out)["packages"].items():
        theirs[name] = {(p["version"], p["arch"]) for p in lst}
    check("package names", sorted(ours), sorted(theirs))
    diff = sorted(n for n in theirs if n in ours and ours[n] != theirs[n])
    for n in diff[:20]:
        problems.append("package %s: scan %r, ansible %r" % (n, ours[n], theirs[n]))
    print("%-24s %s (%d packages)" % ("package versions", "DIFFERENT" if diff else "equal",
                                       len(theirs)))
    running = sorted(n for n, v in facts_of(svc_out)["services"].items()
                     if v.get("state") == "running")
    items = {os.path.basename(p)[:-5]: yaml.safe_load(open(p))
             for p in glob.glob(os.path.join(repo, "service", "self", "*.yaml"))}
    ours = sorted(n for n in running
                  if n.replace(".service", "") in items and
                  items[n.replace(".service", "")]["attributes"].get("state") == "active")
    check("running services", ours, running)
    print("(%d services running per ansible)" % len(running))
    for p in problems:
        print("DIFFERENCE: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
