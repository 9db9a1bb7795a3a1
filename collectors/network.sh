# network: interfaces (MAC, MTU, addresses), default routes, DNS resolvers.
if gitcmdb_has ip; then
	gitcmdb_blk ip-addr
	gitcmdb_t ip addr show
	gitcmdb_blk ip-route
	gitcmdb_t ip route show
	gitcmdb_blk ip6-route
	gitcmdb_t ip -6 route show
fi
if [ -r /etc/resolv.conf ]; then
	gitcmdb_blk resolv.conf
	grep -E '^[[:space:]]*(nameserver|search|domain)[[:space:]]' /etc/resolv.conf
fi
