# Sourced by the work-tree sync tests: the SSH lab with LAB_COPIES copies of each
# canned persona (hosts <persona>-001...), for scans big enough that the work-tree
# sync takes a while; a CMDB repository init_copies DIR whose main holds them.
[ "$(id -u)" = 0 ] || { echo "skip: the lab runs sshd as root"; exit 77; }
[ -x /usr/sbin/sshd ] || { echo "skip: no /usr/sbin/sshd"; exit 77; }
LAB="$T/lab"
LAB_SH="$CMDB_SOURCE_DIR/tests/lab/lab.sh"
trap 'cleanup_extra 2>/dev/null || true; "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
chmod 755 "$T"
"$LAB_SH" start "$LAB" --copies "${LAB_COPIES:-7}" --watch $$ >"$T/lab.log" 2>&1 || { cat "$T/lab.log" >&2; fail "lab start"; }
COPIES='*-0??'

# init_copies DIR: a fresh CMDB (work tree) with the lab's inventory and host keys on main.
init_copies() {
	"$GITCMDB" init "$1" >/dev/null || fail "init $1"
	cp "$LAB/inventory.yaml" "$LAB/known_hosts" "$1/"
	git -C "$1" add inventory.yaml known_hosts && git -C "$1" commit -qm "lab inventory and host keys"
}
