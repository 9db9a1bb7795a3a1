# This machine scanned beside ansible (Debian's package `ansible`): every fact ansible's
# setup, package_facts and service_facts report (kernel, distribution and version,
# architecture, memory, vCPUs, IPv4 addresses, local mounts, every package name and version,
# running services) is present and equal in the scan of the lab's `self` host.
# Optional: skips (exit 77) with a message when ansible is not installed.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
command -v ansible >/dev/null 2>&1 || { echo "skip: ansible is not installed (apt-get install ansible)"; exit 77; }
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo

# ansible against localhost, locally, in the sandbox (no inventory, no config of the machine).
: >"$T/ansible.cfg"
export ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" ANSIBLE_CONFIG="$T/ansible.cfg" ANSIBLE_NOCOLOR=1 \
	ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0
# The two snapshots must see the same machine: when dpkg's or rpm's database changed
# between them (apt running beside the test), take both again.
pkgdb() { stat -c %Y.%s /var/lib/dpkg/status /var/lib/rpm 2>/dev/null || true; }
for try in 1 2 3; do
	before=$(pkgdb)
	scan 0 --limit self --json
	assert_eq "$(jq_ "$OUT" 'd["counts"]["failed"] + d["counts"]["unreachable"]')" 0 "failed hosts"
	for m in setup package_facts service_facts; do
		ansible localhost -c local -m "$m" >"$T/$m.out" 2>"$T/$m.err" ||
			fail "ansible -m $m: $(cat "$T/$m.err") $(head -c 2000 "$T/$m.out")"
	done
	[ "$(pkgdb)" = "$before" ] && break
	echo "the package database changed during try $try: again"
	[ "$try" = 3 ] && { echo "skip: packages kept changing during the test"; exit 77; }
done
"$PYTHON" "$CMDB_SOURCE_DIR/tests/integration/lib/ansible_compare.py" \
	"$REPO/host/self.yaml" "$REPO" "$T/setup.out" "$T/package_facts.out" "$T/service_facts.out" ||
	fail "the scan of self differs from ansible's facts (above)"
ok
echo "ok: $CHECKS checks"
