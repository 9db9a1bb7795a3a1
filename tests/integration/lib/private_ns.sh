# Sourced FIRST (before common.sh) by the tests that fake a command or file of the lab's
# `self` host (this machine): the test re-runs itself in a private mount namespace, where
# the helpers below lay their fakes. The lab's sshd, the collector it runs (as the lab
# user or through sudo) and the scan all live in that namespace; nothing outside it (other
# tests, other users of this machine) sees any of the fakes, and they vanish with it.
if [ -z "${GITCMDB_PRIVATE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "skip: needs root for a private mount namespace"; exit 77; }
	command -v unshare >/dev/null 2>&1 || { echo "skip: no unshare"; exit 77; }
	unshare -m --propagation private true 2>/dev/null ||
		{ echo "skip: mount namespaces are not permitted here"; exit 77; }
	GITCMDB_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

# ns_fake_sbin DIR: DIR (its executables) over /usr/local/sbin, the first directory of the
# collector script's fixed PATH, so a fake `docker` or `systemctl` there wins.
ns_fake_sbin() {
	chmod 755 "$1"
	mount --bind "$1" /usr/local/sbin || fail "bind $1 over /usr/local/sbin"
}

# ns_fresh_run: an empty tmpfs over /run, with sshd's privilege separation directory; the
# test then creates what it fakes there (/run/docker.sock, /run/systemd/system).
ns_fresh_run() {
	mount -t tmpfs -o mode=755 gitcmdb-test-run /run || fail "tmpfs over /run"
	mkdir -m 755 /run/sshd
}

# ns_sudoers [LINE]: /etc/sudoers.d holds only LINE (nothing without one), so neither the
# machine's entries nor another test's temporary ones decide what sudo allows here.
ns_sudoers() {
	local d="$T/sudoers.d"
	mkdir -p "$d"
	chmod 750 "$d"
	rm -f "$d/gitcmdb-test"
	if [ -n "${1:-}" ]; then
		printf '%s\n' "$1" >"$d/gitcmdb-test"
		chmod 440 "$d/gitcmdb-test"
		visudo -cf "$d/gitcmdb-test" >/dev/null || fail "sudoers entry rejected by visudo"
	fi
	mountpoint -q /etc/sudoers.d && [ "$(stat -c %i /etc/sudoers.d)" = "$(stat -c %i "$d")" ] ||
		mount --bind "$d" /etc/sudoers.d || fail "bind $d over /etc/sudoers.d"
}
