# network: interfaces (MAC, MTU, addresses), default routes, DNS resolvers.
if gitcmdb_has ip; then
	gitcmdb_blk ip-addr
	gitcmdb_t ip addr show
	gitcmdb_blk ip-route
	gitcmdb_t ip route show
	gitcmdb_blk ip6-route
	gitcmdb_t ip -6 route show
fi
if ! gitcmdb_has ip && [ -d /sys/class/net ]; then
	# No iproute2 (minimal containers): names, MACs and MTUs from sysfs.
	gitcmdb_blk sysfs-net
	for d in /sys/class/net/*; do
		[ -r "$d/mtu" ] && echo "${d##*/} $(cat "$d/address" 2>/dev/null) $(cat "$d/mtu")"
	done
fi
if [ -r /etc/resolv.conf ]; then
	gitcmdb_blk resolv.conf
	grep -E '^[[:space:]]*(nameserver|search|domain)[[:space:]]' /etc/resolv.conf
fi
