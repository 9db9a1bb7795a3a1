# network: interfaces (MAC, MTU, addresses), default routes, DNS resolvers.
# iproute2 answers over netlink (no timeout needed); files are read by the shell.
if gitcmdb_has ip; then
	gitcmdb_blk ip-addr
	ip addr show
	gitcmdb_blk ip-route
	ip route show
	gitcmdb_blk ip6-route
	ip -6 route show
elif [ -d /sys/class/net ]; then
	# No iproute2 (minimal containers): names, MACs and MTUs from sysfs.
	gitcmdb_blk sysfs-net
	for d in /sys/class/net/*; do
		[ -r "$d/mtu" ] || continue
		a=
		[ -r "$d/address" ] && read -r a <"$d/address"
		read -r m <"$d/mtu"
		echo "${d##*/} $a $m"
	done
fi
if [ -r /etc/resolv.conf ]; then
	gitcmdb_blk resolv.conf
	while IFS= read -r l || [ -n "$l" ]; do
		case $l in
		*[![:space:]]*) ;;
		*) continue ;;
		esac
		gitcmdb_w=${l#"${l%%[![:space:]]*}"}
		case $gitcmdb_w in
		nameserver[[:space:]]* | search[[:space:]]* | domain[[:space:]]*) printf '%s\n' "$l" ;;
		esac
	done </etc/resolv.conf
fi
