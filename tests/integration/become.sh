# become: sudo on the lab's `self` host (this machine, reached as the lab user):
# without a sudoers entry `sudo -n` is refused and the scan collects as the user, with
# the warning in the report and in the scan commit; with a NOPASSWD entry for the lab
# user the collector runs as root: a root-only file in `files` is captured (it was
# unreadable), and /etc/shadow cannot be asked for; a rule that wants a password is refused
# (sudo -n never prompts) with the same warning. Sockets moving from the host to
# their service with root: become_services.sh (with a fake service manager).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
command -v sudo >/dev/null 2>&1 || { echo "skip: sudo is not installed"; exit 77; }
[ -d /etc/sudoers.d ] || { echo "skip: no /etc/sudoers.d"; exit 77; }
. "$(dirname "$0")/lib/scan_lab.sh"
LAB_USER=$(sed -n 's/^defaults: {user: \([^,]*\),.*/\1/p' "$LAB/inventory.yaml")
[ -n "$LAB_USER" ] || fail "no lab user in the inventory"
SUDOERS=/etc/sudoers.d/gitcmdb-test-$$
trap 'rm -f "$SUDOERS"; "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
init_repo
ROOTONLY="$T/rootonly.conf"
printf 'setting = 1\n' >"$ROOTONLY"
chmod 600 "$ROOTONLY"
sed -i "s|^  - /etc/crontab\$|  - /etc/crontab\n  - $ROOTONLY|" "$REPO/gitcmdb.yaml"
(cd "$REPO" && git commit -qam "capture a root-only file")
sed -i 's/^  self: {\(.*\)}$/  self: {\1, become: sudo}/' "$REPO/inventory.yaml"
assert_contains "$(cat "$REPO/inventory.yaml")" "become: sudo" "inventory edited"
(cd "$REPO" && git commit -qam "self: become sudo")

captured() { yq "$REPO/host/self.yaml" "d['attributes']['files']['$ROOTONLY']"; }

# 1. No sudoers entry: refused, collected as the user, warned in report and commit.
rm -f "$SUDOERS"
scan 0 --limit self --json
assert_eq "$(jq_ "$OUT" '[h["status"] for h in d["hosts"]]')" "['ok']" "self scanned as the user"
assert_contains "$(jq_ "$OUT" 'd["hosts"][0].get("warnings")')" "sudo -n refused" "warning in the report"
assert_contains "$(git -C "$REPO" log -1 --format=%B)" "warning: host/self (become: sudo -n refused" \
	"warning in the scan commit"
assert_contains "$(captured)" "unreadable" "root-only file unreadable as the user"

# 2. NOPASSWD for the lab user: the collector runs as root.
printf '%s ALL=(root) NOPASSWD: ALL\n' "$LAB_USER" >"$SUDOERS"
chmod 440 "$SUDOERS"
visudo -cf "$SUDOERS" >/dev/null || fail "sudoers entry rejected by visudo"
scan 0 --limit self --json
assert_eq "$(jq_ "$OUT" 'd["hosts"][0].get("warnings") or []')" "[]" "no warning with sudo"
assert_contains "$(captured)" "sha256" "root-only file captured through sudo"
[ -f "$REPO/file/self$ROOTONLY.yaml" ] || [ -n "$(find "$REPO/file/self" -name 'rootonly.conf*')" ] ||
	fail "no file item for the root-only file"

# 3. A rule that wants a password: `sudo -n` never prompts, so the scan collects as the
#    user with the same warning, and does not hang on a prompt.
printf '%s ALL=(root) ALL\n' "$LAB_USER" >"$SUDOERS"
chmod 440 "$SUDOERS"
visudo -cf "$SUDOERS" >/dev/null || fail "sudoers entry rejected by visudo"
scan 0 --limit self --json
assert_contains "$(jq_ "$OUT" 'd["hosts"][0].get("warnings")')" "sudo -n refused" "password rule: warning"
assert_contains "$(captured)" "unreadable" "password rule: collected as the user"
rm -f "$SUDOERS"

# /etc/shadow cannot be listed for capture, even with root.
sed -i "s|^  - /etc/crontab\$|  - /etc/shadow|" "$REPO/gitcmdb.yaml"
(cd "$REPO" && git commit -qam "ask for shadow")
scan 1 --limit self
assert_contains "$ERR" "/etc/shadow" "shadow refused by name"
ok
echo "ok: $CHECKS checks"
